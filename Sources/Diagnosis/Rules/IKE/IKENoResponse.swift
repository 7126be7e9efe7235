import Sessions

struct IKENoResponse: SessionRule {
    static let id: RuleID = "ike.no-response"
    static let title = "IKE requests are never answered"
    static let severity = Severity.error
    static let explanation = """
        The client sends the first IKE message (IKEv1 Main/Aggressive Mode message 1, or IKEv2 IKE_SA_INIT) \
        and repeats it with growing intervals, but nothing comes back from the server. UDP 500 is blocked on \
        the way there or back (firewall, ISP, router), the server address is wrong, or no IKE daemon answers \
        on it (often with no ICMP error when a firewall drops silently). strongSwan logs this as "retransmit N \
        of request with message ID 0" then "giving up after N retransmits"; Windows shows error 809.
        """
    static let advice = [
        "Check that the server address is right and that the VPN service runs on it.",
        "Allow UDP 500 and UDP 4500 from the client to the server and back on every firewall and router between them (and in cloud security groups).",
        "Capture on the server side too: if the requests arrive there, the answers are lost on the way back.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture, s.icmpErrors.allSatisfy({ !$0.isPortUnreachable }) else { return [] }
        if let lost = self.answersLost(s) { return [lost] }
        // A peer that answers another SA is reachable: an abandoned SA (e.g. both peers initiating at
        // once, an SA collision) is not a blocked path.
        guard !s.ike.contains(where: { $0.messages.contains { $0.source.address == s.server } }) else { return [] }
        var findings: [Finding] = []
        for sa in s.ike where !sa.startedMidExchange {
            guard sa.messages.allSatisfy(\.fromInitiator) else { continue }
            // UDP 4500 blocked after a float is its own finding.
            if sa.messages.contains(where: \.onNATTPort) { continue }
            // Fragmented requests that are never answered are their own finding.
            if sa.messages.contains(where: { !$0.ipFragments.isEmpty }) { continue }
            let msgs = sa.messages
            guard msgs.count > 1 || (a.capture.duration - (msgs.last?.time ?? 0)) >= 5 else { continue }
            let first = msgs[0]
            findings.append(self.finding(
                s, stage: .ikeSAInit,
                "\(first.step) to \(first.destination) \(Text.repeated(msgs)), never answered.",
                evidence: [Evidence("\(first.step) from \(first.source) to \(first.destination): \(Text.repeated(msgs))",
                                    frames: msgs.map(\.frame), time: first.time),
                           Evidence("no packet from \(s.server) on UDP 500/4500 in the capture")]))
        }
        return findings
    }

    /// Seen at the server: every request is answered, yet the client repeats the same request and
    /// never moves on, so the answers do not reach it (the return path drops them).
    func answersLost(_ s: Session) -> Finding? {
        guard let sa = s.primaryIKE, !sa.startedMidExchange else { return nil }
        let first = sa.messages.filter { $0.fromInitiator && $0.retransmissionOf == nil }
        guard first.count == 1, let request = first.first else { return nil }
        let repeats = sa.messages.filter { $0.retransmissionOf == request.frame }
        let answers = sa.messages.filter { !$0.fromInitiator }
        guard repeats.count >= 2, let answer = answers.first, repeats.contains(where: { $0.time > answer.time }) else { return nil }
        return self.finding(
            s, stage: .ikeSAInit,
            "The server answers \(request.step) every time, but the client repeats it \(repeats.count)×: the answers do not reach the client.",
            evidence: [Evidence("\(request.step) \(Text.repeated([request] + repeats))", frames: ([request] + repeats).map(\.frame), time: request.time),
                       Evidence("answers from \(s.server), none acted upon", frames: answers.map(\.frame))],
            advice: ["Allow UDP 500/4500 from the server back to the client: the return path drops the answers (firewall, NAT, asymmetric routing).",
                     "Capture on the client side too: the answers will be missing there."],
            confidence: .medium)
    }
}
