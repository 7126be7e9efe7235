import Sessions

struct ESPLoss: SessionRule {
    static let id: RuleID = "esp.loss"
    static let title = "ESP sequence numbers skip: packets lost before the capture point"
    static let severity = Severity.warning
    static let explanation = """
        ESP sequence numbers increase by one per packet on an SA (RFC 4303 §3.3.3). Gaps mean packets were \
        lost between the sender and the capture point (or the capture dropped them). Sustained loss makes \
        tunnels slow and can break TCP inside them.
        """
    static let advice = [
        "Check the capture's own drop counter first (tcpdump prints \"packets dropped by kernel\").",
        "Look for congestion, MTU problems (fragments dropped) or a lossy link between the sender and the capture point.",
    ]
    static let minimumLoss = 0.01

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let lossy = s.esp.filter { $0.missing >= 3 && $0.lossRatio >= Self.minimumLoss }
        guard !lossy.isEmpty else { return [] }
        let worst = lossy.max { $0.lossRatio < $1.lossRatio }!
        let percent = Int((worst.lossRatio * 100).rounded())
        // Most numbers missing is more often a sampled or filtered capture (or a sender that does not
        // number per SA) than a tunnel that still works at that loss.
        let summary = worst.lossRatio > 0.5
            ? "ESP SPI \(worst.spiHex) skips \(percent)% of its sequence numbers: heavy loss before the capture point, or a sampled/filtered capture."
            : "ESP SPI \(worst.spiHex) lost about \(percent)% of its packets (\(worst.missing) missing sequence numbers)."
        return [self.finding(s, stage: .dataPlane, summary,
                             evidence: lossy.map { Evidence("SPI \($0.spiHex) \($0.source) → \($0.destination): \($0.missing) missing in \($0.gaps) gap(s), \($0.reordered) out of order",
                                                           frames: $0.firstGapFrame.map { [$0] } ?? []) })]
    }
}
