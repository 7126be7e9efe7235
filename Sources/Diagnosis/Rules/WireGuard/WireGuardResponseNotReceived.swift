import Sessions

struct WireGuardResponseNotReceived: SessionRule {
    static let id: RuleID = "wireguard.response-not-received"
    static let title = "WireGuard: the server answers every initiation, and the client retries as if it had not"
    static let severity = Severity.error
    static let explanation = """
        The server sends a handshake response (92 bytes) to each initiation, yet the client sends a new \
        initiation about 5 seconds later and never a transport data packet, not even the empty keepalive \
        with which an initiator confirms a handshake it completed. The client did not get the responses, \
        or got them and could not authenticate them. Two causes: the return path drops the server's \
        packets to the client (a firewall or NAT on the way back, asymmetric routing), or the preshared \
        keys differ (the client's [Peer] PresharedKey is not the server's for it: the server accepts the \
        initiation, the client rejects the response). A capture on the client tells them apart: responses \
        that never arrive there are lost on the way; responses that arrive and are followed by another \
        initiation mean the preshared key.
        """
    static let advice = [
        "Capture on the client (`tcpdump -n udp port PORT`): if the 92-byte responses do not arrive, find what drops UDP from the server's port on the way back (firewall, NAT, routing).",
        "If they arrive: make the PresharedKey of the two [Peer] sections identical, or remove it on both sides.",
        "`wg show` on the server lists the client with its endpoint but no \"latest handshake\" in both cases.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let w = s.wireguard, let last = w.unconfirmed.last else { return [] }
        let sent = w.unconfirmed
        return [self.finding(
            s, stage: .handshake,
            "\(s.server) answered \(Text.plural(sent.count, "WireGuard handshake initiation")), and \(s.client) retried each time and sent no data: the responses do not reach it (return path), or it rejects them (preshared key).",
            evidence: [Evidence("handshake responses from \(last.responder) to \(last.initiator)", frames: sent.compactMap(\.responseFrame), time: sent[0].responseTime),
                       Evidence("a new initiation after each, about 5 s later", frames: w.handshakes.dropFirst().map(\.initiationFrame)),
                       Evidence("no transport data or keepalive from \(s.client): it never completed a handshake")])]
    }
}
