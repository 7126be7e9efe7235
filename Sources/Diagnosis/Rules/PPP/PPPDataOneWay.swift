import Sessions

struct PPPDataOneWay: SessionRule {
    static let id: RuleID = "ppp.data-one-way"
    static let title = "PPP: user data inside the tunnel flows one way only"
    static let severity = Severity.error
    static let explanation = """
        The tunnel carries IP packets inside PPP (or compressed/encrypted datagrams) in one direction and \
        nothing comes back, although the link itself may look alive (LCP echoes answered). The packets reach \
        the tunnel's far end and are lost beyond it, or their answers are never routed back into the tunnel: \
        the server does not forward between the tunnel and its LAN, a firewall drops tunnel traffic, or the \
        hosts behind the server do not know the way back to the client's tunnel address.
        """
    static let advice = [
        "Check IP forwarding on the server (net.ipv4.ip_forward=1) and its firewall between the PPP interface and the LAN.",
        "Check the route back: hosts behind the server need a route to the client's tunnel address, or the server answers ARP for it (pppd proxyarp).",
        "Test from the server itself (ping the client's tunnel address) to tell a tunnel problem from a routing one.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        // L2TP in clear and PPTP: the data-plane rung is the user data inside PPP (with IPsec it is ESP).
        let out: Int
        switch s.vpnProtocol {
        case .l2tp?: out = s.l2tp?.dataFromClient ?? 0
        case .pptp?: out = s.greFromClient.reduce(0) { $0 + $1.userData }
        default: return []
        }
        guard let rung = s.stage(.dataPlane), rung.status == .failed, !s.oneSidedCapture else { return [] }
        let echoes = s.ppp?.messages(.lcp).filter { $0.code == 9 || $0.code == 10 } ?? []
        var evidence = [Evidence(rung.detail ?? "user data one way", frames: rung.frames, time: rung.start)]
        if echoes.contains(where: \.fromClient) && echoes.contains(where: { !$0.fromClient }) {
            evidence.append(Evidence("LCP echoes both ways: the PPP link itself is alive", frames: Array(echoes.prefix(2).map(\.frame))))
        }
        let way = out > 0 ? "client → server" : "server → client"
        return [self.finding(s, stage: .dataPlane, "User data inside the tunnel flows only \(way): nothing comes back through it.",
                             evidence: evidence)]
    }
}
