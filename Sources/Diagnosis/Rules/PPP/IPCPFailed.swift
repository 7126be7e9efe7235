import Sessions

struct IPCPFailed: SessionRule {
    static let id: RuleID = "ppp.ipcp-failed"
    static let title = "PPP: IP address negotiation (IPCP) failed"
    static let severity = Severity.error
    static let explanation = """
        Authentication succeeded but IPCP, which assigns the client its tunnel address and DNS servers, never \
        completed in both directions: the server's address pool is empty or misconfigured, or the peers \
        reject each other's addresses.
        """
    static let advice = ["Check the server's address pool (pptpd localip/remoteip, xl2tpd ip range, RRAS static pool or DHCP) and its log."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let p = s.ppp, s.status(.pppNetwork) == .failed else { return [] }
        let ipcp = p.messages(.ipcp)
        return [self.finding(s, stage: .pppNetwork, "IPCP did not complete: the client got no tunnel address.",
                             evidence: [Evidence("IPCP messages", frames: ipcp.map(\.frame), time: ipcp.first?.time)])]
    }
}
