import Sessions

struct Healthy: SessionRule {
    static let id: RuleID = "healthy"
    static let title = "The VPN connected"
    static let severity = Severity.info
    static let explanation = """
        The session reached its data plane in both directions (ESP both ways for IPsec, GRE both ways and PPP \
        up for PPTP, L2TP data both ways), so the tunnel works at the capture point.
        """
    static let advice = ["Nothing to fix for connectivity; see any warnings for security or quality issues."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.verdict == .connected else { return [] }
        let data = s.stage(.dataPlane)
        return [self.finding(s, stage: .connected, "Connected: \(s.protocolLabel) between \(s.client) and \(s.server)\(data.map { ", \($0.label)" } ?? "").",
                             evidence: [Evidence(s.verdictLine, frames: data?.frames ?? [])])]
    }
}
