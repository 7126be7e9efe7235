import Sessions

struct PPTPGREBlocked: SessionRule {
    static let id: RuleID = "pptp.gre-blocked"
    static let title = "PPTP: control channel up but GRE (IP protocol 47) absent or one-way"
    static let severity = Severity.error
    static let explanation = """
        The PPTP control connection on TCP 1723 works (Start-Control-Connection and Outgoing-Call succeed), \
        but the PPP data channel — GRE, IP protocol 47, not a TCP/UDP port — flows one way or not at all, so \
        LCP Configure-Requests repeat unanswered. The classic cause is a router, firewall or ADSL modem that \
        forwards TCP 1723 but drops GRE. Windows reports error 806 (older versions 619/721).
        """
    static let advice = [
        "Enable PPTP/GRE pass-through (\"PPTP ALG\", \"VPN pass-through\") on the router or ADSL modem, or replace a modem that cannot pass GRE.",
        "Allow IP protocol 47 (GRE) both ways on every firewall; forwarding TCP 1723 alone is not enough.",
        "Better: replace PPTP with IKEv2 or L2TP/IPsec (see security.pptp-weak).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.vpnProtocol == .pptp, s.status(.tunnelControl) == .ok, s.status(.tunnelTransport) == .failed,
              !s.oneSidedCapture, !s.pptpServerHungUpAfterCall else { return [] }
        let out = s.greFromClient.reduce(0) { $0 + $1.traffic.packets }
        let back = s.greFromServer.reduce(0) { $0 + $1.traffic.packets }
        let what = out == 0 && back == 0 ? "no GRE at all" : "GRE only \(out > 0 ? "client → server (\(out))" : "server → client (\(back))")"
        let lcp = s.ppp?.messages(.lcp, code: 1) ?? []
        var evidence = [Evidence("Outgoing-Call-Reply: connected", frames: s.pptp?.first(.outgoingCallReply).map { [$0.frame] } ?? []),
                        Evidence(what, frames: (s.greFromClient + s.greFromServer).compactMap(\.traffic.firstFrame))]
        if !lcp.isEmpty { evidence.append(Evidence("LCP Configure-Request \(lcp.count)×", frames: lcp.map(\.frame))) }
        return [self.finding(s, stage: .tunnelTransport, "PPTP control is up, but \(what): GRE (IP protocol 47) is blocked on the path.",
                             evidence: evidence)]
    }
}
