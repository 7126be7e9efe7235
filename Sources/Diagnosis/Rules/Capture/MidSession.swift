import Sessions

struct MidSession: SessionRule {
    static let id: RuleID = "capture.mid-session"
    static let title = "The capture starts after the session was set up"
    static let severity = Severity.info
    static let explanation = """
        The session's first packets are data (ESP, GRE, L2TP data) or a later exchange (DPD, rekey), not the \
        start of a negotiation: the tunnel was set up before the capture started, so its setup cannot be judged.
        """
    static let advice = ["To diagnose the setup, start the capture first, then (re)connect the VPN."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.startedMidSession else { return [] }
        return [self.finding(s, stage: nil, "The capture starts mid-session: the tunnel was set up before it.",
                             evidence: [Evidence("first packet of the session", frames: [s.firstFrame], time: s.start)])]
    }
}
