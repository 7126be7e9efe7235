import Sessions

struct LCPNoResponse: SessionRule {
    static let id: RuleID = "ppp.lcp-no-response"
    static let title = "PPP: LCP Configure-Requests are not answered"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.warning]
    static let explanation = """
        PPP's link negotiation (LCP) repeats Configure-Requests that the other side never acknowledges. The \
        tunnel below PPP does not carry them back (GRE or L2TP data lost), or the peer's PPP (pppd) did not \
        start or rejects every option.
        """
    static let advice = ["If the PPP runs over PPTP, check GRE (IP protocol 47) both ways.",
                         "Check the server's pppd log (options file, plugins, `/dev/ppp` available)."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let p = s.ppp, s.status(.pppLink) == .failed else { return [] }
        let requests = p.messages(.lcp, code: PPPControlFact.Code.configureRequest)
        guard let first = requests.first else { return [] }
        let senders = Set(requests.map(\.fromClient))
        let gre = s.vpnProtocol == .pptp && s.status(.tunnelTransport) == .failed
        return [self.finding(s, stage: .pppLink,
                             "LCP Configure-Request sent \(requests.count)× by the \(senders.count == 2 ? "client and the server" : senders.first! ? "client" : "server"), never acknowledged by both sides.",
                             evidence: [Evidence("LCP Configure-Requests", frames: requests.map(\.frame), time: first.time)],
                             severity: gre ? .warning : .error)]
    }
}
