import Sessions

struct IKETCPPortBlocked: SessionRule {
    static let id: RuleID = "ikev2-tcp.port-blocked"
    static let title = "IKEv2 over TCP: the TCP connection attempts are never answered"
    static let severity = Severity.error
    static let explanation = """
        The client's TCP SYNs to the server's IKE-over-TCP port (RFC 8229, usually TCP 4500) get no answer \
        at all: a firewall drops them, the server address is wrong, or the server is down. A server whose \
        IKE daemon merely lacks TCP encapsulation answers with a reset instead (ikev2-tcp.refused).
        """
    static let advice = [
        "Allow the TCP port (4500, or the one configured) from the client to the server, and forward it when the server is behind NAT.",
        "Check the server address and that the server is up.",
        "Capture on the server side too: SYNs that arrive there unanswered point at the server's own firewall.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture, s.primaryIKE == nil,
              let c = s.ikeTCP.first(where: { !$0.synFrames.isEmpty && $0.synAckFrames.isEmpty && $0.resetFrames.isEmpty }),
              c.synFrames.count > 1 || a.capture.duration - c.end >= 5 else { return [] }
        return [self.finding(
            s, stage: .ikeSAInit, "TCP SYN to \(c.server) (IKE over TCP) sent \(c.synFrames.count)×, never answered.",
            evidence: [Evidence("SYN from \(c.client) to \(c.server)", frames: c.synFrames, time: c.start)])]
    }
}
