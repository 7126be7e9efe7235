import Sessions

struct FilteredCapture: SessionRule {
    static let id: RuleID = "capture.ike-only"
    static let title = "The capture holds only IKE: it looks filtered, so missing ESP proves nothing"
    static let severity = Severity.warning
    static let explanation = """
        IKE set up the child SA, then no ESP follows, and the capture holds nothing but IKE packets: no \
        ESP, no DNS, ICMP or other traffic at all. That is what a capture filter such as `udp port 500 or \
        udp port 4500` gives: it drops plain ESP (IP protocol 50), which a connection without NAT uses. \
        Whether ESP flowed cannot be told from this capture.
        """
    static let advice = [
        "Capture again with the filter `vpndoctor capture-filter` prints (it keeps ESP, AH, GRE, ICMP and DNS), or with `vpndoctor watch`.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.ike.isEmpty, s.esp.isEmpty, s.status(.childSA) == .ok, s.status(.dataPlane) != .ok, Self.onlyIKE(a) else { return [] }
        return [self.finding(s, stage: .dataPlane, "The capture holds only IKE (\(Text.plural(a.capture.packets, "packet"))): "
                             + "it looks filtered to UDP 500/4500, so the missing ESP may never have been captured.",
                             evidence: [Evidence("protocols in the capture: " + a.capture.protocols.keys.sorted().joined(separator: ", "))])]
    }

    /// Every packet of the capture is IKE (IKEv1/ISAKMP or IKEv2, on 500 or 4500).
    static func onlyIKE(_ a: Analysis) -> Bool {
        let ike = (a.capture.protocols["isakmp"] ?? 0) + (a.capture.protocols["ikev2"] ?? 0)
        return a.capture.packets > 0 && ike >= a.capture.packets
    }
}
