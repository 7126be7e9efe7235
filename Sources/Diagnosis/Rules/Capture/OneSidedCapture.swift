import Sessions

struct OneSidedCapture: SessionRule {
    static let id: RuleID = "capture.one-sided"
    static let title = "Only one direction was captured"
    static let severity = Severity.warning
    static let explanation = """
        Every packet of the session goes one way, yet the protocol moved on as if the other side answered \
        (Main Mode message 3 needs message 2, an IKE_AUTH request needs the IKE_SA_INIT response…). The \
        answers exist but the capture did not record them: a capture filter on one source address, a \
        mirror port that copies one direction, or asymmetric routing around the capture point. One-way \
        conclusions about this session are not reliable.
        """
    static let advice = [
        "Capture again without a direction-specific filter (e.g. `host SERVER`, not `src host CLIENT`).",
        "On a mirror/SPAN port, mirror both directions (rx and tx) of the interface.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.oneSidedCapture else { return [] }
        let sender = s.flows.contains { ($0.a.address == s.client ? $0.aToB.packets : $0.bToA.packets) > 0 } ? "client" : "server"
        return [self.finding(s, stage: nil, "Likely a one-sided capture: only the \(sender)'s packets are in it, but the exchange progressed.",
                             evidence: [Evidence("\(s.flows.count) flow(s), all from the \(sender)", frames: [s.firstFrame, s.lastFrame])],
                             confidence: .medium)]
    }
}
