import Sessions

struct Healthy: SessionRule {
    static let id: RuleID = "healthy"
    static let title = "The VPN connected"
    static let severity = Severity.info
    static let explanation = """
        The session reached its data plane in both directions (ESP both ways for IPsec; PPP up and user data \
        inside it both ways for PPTP and L2TP), so the tunnel works at the capture point.
        """
    static let advice = ["Nothing to fix for connectivity; see any warnings for security or quality issues."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let data = s.stage(.dataPlane)
        // IPsec up and ESP both ways, then the tunnel went quiet (StageLadder.quietAfterBurst): IPsec is
        // healthy; what ran inside it is not visible.
        if s.outcome == .incomplete, data?.status == .ok, let quiet = s.stage(.connected), quiet.status == .incomplete {
            return [self.finding(s, stage: .dataPlane,
                                 "IPsec is up: \(s.protocolLabel) between \(s.client) and \(s.server), \(quiet.detail ?? "ESP both ways"); what ran inside the tunnel is not visible.",
                                 evidence: [Evidence(Judge.quietLine(quiet), frames: data?.frames ?? [])],
                                 advice: ["If the tunnel carries L2TP (L2TP/IPsec), the failure is inside it: read the L2TP/PPP logs (xl2tpd, pppd) or the client's error.",
                                          "Otherwise nothing to fix at the IPsec level; capture while traffic flows to see it both ways."])]
        }
        guard s.outcome == .connected else { return [] }
        let shown = Judge.dataRung(s)
        return [self.finding(s, stage: .connected, "Connected: \(s.protocolLabel) between \(s.client) and \(s.server)\(shown.map { ", \($0.label)" } ?? "").",
                             evidence: [Evidence(Judge.connectedLine(s), frames: shown?.frames ?? [])])]
    }
}
