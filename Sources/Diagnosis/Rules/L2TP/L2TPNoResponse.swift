import Sessions

struct L2TPNoResponse: SessionRule {
    static let id: RuleID = "l2tp.no-response"
    static let title = "L2TP: SCCRQ is never answered"
    static let severity = Severity.error
    static let explanation = """
        The client (LAC) sends Start-Control-Connection-Request on UDP 1701 and retransmits it, but no \
        SCCRP comes back: UDP 1701 is blocked, or no L2TP server (LNS: xl2tpd, RRAS) runs on the server.
        """
    static let advice = ["Check that the L2TP daemon runs and listens on UDP 1701 (`ss -ulpn`).",
                         "For L2TP/IPsec, L2TP must run inside IPsec: seeing it in clear means the IPsec policy did not apply."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture, let l = s.l2tp, !l.all(.sccrq).isEmpty, l.first(.sccrp) == nil,
              l.messages.allSatisfy(\.fromClient) else { return [] }
        let sccrq = l.all(.sccrq)
        return [self.finding(s, stage: .tunnelControl, "SCCRQ sent \(sccrq.count)× to \(l.server), never answered.",
                             evidence: [Evidence("SCCRQ from \(l.client)", frames: sccrq.map(\.frame), time: sccrq.first?.time)])]
    }
}
