import Sessions

struct OpenVPNRefused: SessionRule {
    static let id: RuleID = "openvpn.refused"
    static let title = "OpenVPN: the server refuses the connection (ICMP port unreachable or TCP RST)"
    static let severity = Severity.error
    static let explanation = """
        The server host answers the client's first OpenVPN packet with an ICMP port unreachable (UDP) or \
        the TCP connection with a RST: nothing listens on that port and protocol there. The OpenVPN \
        server is not running, listens on another port, or on the other protocol (proto udp vs tcp); a \
        firewall configured to reject (rather than drop) gives the same answer.
        """
    static let advice = [
        "Check that the OpenVPN server runs and listens on this port and protocol (ss -ulpn / ss -tlpn on the server).",
        "Make the client's proto and port (remote host port proto) match the server's.",
        "A firewall rule that rejects: allow the OpenVPN port in it.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.openvpn.allSatisfy({ $0.dataFromClient == 0 || $0.dataFromServer == 0 }) else { return [] }
        let icmp = s.icmpErrors.filter { $0.isPortUnreachable && $0.quotedEntry?.service == .openvpn }
        if let first = icmp.first {
            return [self.finding(
                s, stage: .tunnelControl,
                "\(first.reporter == s.server ? "The server" : "Router \(first.reporter)") answers OpenVPN on UDP \(first.quotedDestinationPort) with ICMP port unreachable: nothing listens there.",
                evidence: [Evidence("\(Text.plural(icmp.count, "ICMP port unreachable")) quoting \(first.quotedWhat) to \(first.quotedDestination)",
                                    frames: icmp.map(\.frame), time: first.time)])]
        }
        guard let o = s.openvpn.first(where: { $0.resetFromServer && $0.clientResets.isEmpty }) else { return [] }
        return [self.finding(
            s, stage: .tunnelControl, "The server resets the TCP connection to OpenVPN port \(o.server.port): nothing listens there.",
            evidence: [Evidence("SYN from \(o.client)", frames: o.synFrames, time: o.start),
                       Evidence("RST from \(o.server)", frames: o.resetFrames)])]
    }
}
