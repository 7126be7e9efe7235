import Sessions

struct PPTPRefused: SessionRule {
    static let id: RuleID = "pptp.refused"
    static let title = "PPTP: the server refuses the TCP 1723 connection (RST)"
    static let severity = Severity.error
    static let explanation = """
        The server (or a firewall in front of it) answers the PPTP control connection on TCP 1723 with a TCP \
        reset: nothing listens on 1723 (pptpd/RRAS not running) or a firewall rejects it.
        """
    static let advice = ["Start the PPTP service on the server (pptpd, Windows RRAS) and check it listens on TCP 1723 (`ss -tlnp`).",
                         "Check firewall rules that reject TCP 1723."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let p = s.pptp, p.resetFromServer, p.synAckFrames.isEmpty || p.messages.isEmpty,
              p.first(.outgoingCallReply) == nil else { return [] }
        return [self.finding(s, stage: .tunnelControl, "The server reset the PPTP control connection (TCP 1723).",
                             evidence: [Evidence("SYN", frames: p.synFrames), Evidence("RST from \(p.server)", frames: p.resetFrames)])]
    }
}
