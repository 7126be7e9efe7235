import Sessions

struct IKETCPRefused: SessionRule {
    static let id: RuleID = "ikev2-tcp.refused"
    static let title = "IKEv2 over TCP: the server refuses the TCP connection (RST)"
    static let severity = Severity.error
    static let explanation = """
        The client opens a TCP connection to carry IKE and ESP (RFC 8229, usually TCP 4500) and the server \
        (or a firewall in front of it) answers the SYN with a TCP reset: nothing listens on that port. The \
        responder's IKE daemon does not have TCP encapsulation enabled, listens on another port, or a \
        firewall rejects the port.
        """
    static let advice = [
        "Enable TCP encapsulation (RFC 8229) on the responder and check it listens on this TCP port (`ss -tlnp`).",
        "Make the client's TCP port match the server's (4500, or 443 and the like where configured).",
        "A firewall rule that rejects: allow the TCP port in it.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let c = s.ikeTCP.first(where: { $0.resetFromServer && $0.synAckFrames.isEmpty && $0.ikeFrames.isEmpty }) else { return [] }
        return [self.finding(
            s, stage: .ikeSAInit, "The server resets the TCP connection to IKE port \(c.server.port): nothing listens there.",
            evidence: [Evidence("SYN from \(c.client)", frames: c.synFrames, time: c.start),
                       Evidence("RST from \(c.server)", frames: c.resetFrames)])]
    }
}
