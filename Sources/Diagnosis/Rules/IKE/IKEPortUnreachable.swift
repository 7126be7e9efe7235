import Sessions

struct IKEPortUnreachable: SessionRule {
    static let id: RuleID = "ike.port-unreachable"
    static let title = "The server answers IKE with ICMP port unreachable"
    static let severity = Severity.error
    static let explanation = """
        An ICMP "port unreachable" error quotes an IKE packet (UDP 500 or 4500) sent to the server: the host \
        is up but nothing listens on that port. The IKE daemon (strongSwan charon, libreswan pluto, Windows \
        IKEEXT/RRAS) is stopped, crashed, or bound to another address. If a router rather than the server \
        sent the error, a firewall rejects the port.
        """
    static let advice = [
        "Start the IKE service on the server (e.g. `systemctl status strongswan` / `ipsec status`) and check it listens on UDP 500 and 4500 (`ss -ulpn`).",
        "Check that the daemon listens on the address the client connects to.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let errors = s.icmpErrors.filter { e in
            e.isPortUnreachable && e.quotedProtocol == .udp
                && [.ike, .natTraversal].contains(e.quotedEntry?.service) && e.quotedDestination == s.server
        }
        guard let first = errors.first else { return [] }
        let who = first.reporter == s.server ? "the server" : "router \(first.reporter)"
        let requests = s.ikeMessages(where: \.fromInitiator)
        return [self.finding(s, stage: .ikeSAInit,
                             "\(who.prefix(1).uppercased() + who.dropFirst()) answers IKE on UDP \(first.quotedDestinationPort) with ICMP port unreachable: no IKE service listens there.",
                             evidence: [Evidence("\(Text.plural(errors.count, "ICMP port unreachable")) from \(first.reporter) quoting \(first.quotedWhat) \(first.quotedSource) → \(first.quotedDestination)",
                                                 frames: errors.map(\.frame), time: first.time),
                                        Evidence("IKE requests from the client", frames: requests.map(\.frame))])]
    }
}
