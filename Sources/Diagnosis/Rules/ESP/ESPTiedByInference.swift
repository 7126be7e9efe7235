import Sessions

struct ESPTiedByInference: SessionRule {
    static let id: RuleID = "esp.tied-by-inference"
    static let title = "ESP between other hosts taken as this IKE SA's child SA"
    static let severity = Severity.info
    static let explanation = """
        ESP flows between two hosts that exchanged no IKE in this capture, and it starts right after this IKE \
        SA completed a child SA that has no ESP of its own; no other IKE SA could claim it. It is taken as \
        that child SA (transport mode between other addresses, or a NAT whose both sides the capture sees), \
        so the attempt is judged with it. An inference from timing: SPIs are encrypted in the IKE messages.
        """
    static let advice = ["If these ESP packets belong to another tunnel, capture its IKE exchange too, or run with --server."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let tie = s.espTie else { return [] }
        let ms = Int((tie.delay * 1000).rounded())
        return [self.finding(s, stage: .dataPlane,
                             "ESP between \(tie.espSource) and \(tie.espDestination) taken as the child SA of IKE SA 0x\(tie.ikeSPI) (inference: first ESP \(ms) ms after \(tie.completedStep) completed; no other IKE SA).",
                             evidence: [Evidence("\(tie.completedStep): child SA complete", frames: [tie.completedFrame]),
                                        Evidence("first ESP, \(tie.espSource) → \(tie.espDestination)", frames: [tie.firstESPFrame])],
                             confidence: .medium)]
    }
}
