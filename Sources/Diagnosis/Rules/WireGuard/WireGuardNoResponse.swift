import Sessions

struct WireGuardNoResponse: SessionRule {
    static let id: RuleID = "wireguard.no-response"
    static let title = "WireGuard handshake initiations are never answered"
    static let severity = Severity.error
    static let explanation = """
        The client sends handshake initiations (148 bytes) and repeats them every 5 seconds with a new sender \
        index, but no handshake response (92 bytes) comes back. WireGuard never answers what it cannot \
        authenticate, so two different causes look the same from the client: the server drops the initiation \
        silently because it does not know the client's public key (no [Peer] with it, a typo, or the client \
        uses the wrong server public key, so the initiation's MAC does not match), or the initiations never \
        reach the server (wrong address or port, UDP blocked by a firewall, ISP or cloud security group). \
        To tell them apart, look at the server: a capture there shows whether the initiations arrive; \
        `wg show` on the server lists the client's peer with a recent "latest handshake" only when the key \
        is known and the handshake worked; an ICMP port unreachable in this capture means the packets \
        reached a host where nothing listens on that port.
        """
    static let advice = [
        "Compare the keys: the server's [Peer] PublicKey must be the client's public key (`wg pubkey < client.key`), and the client's [Peer] PublicKey the server's.",
        "Capture on the server (`tcpdump -n udp port PORT`): initiations arriving there and not answered mean a key problem; none arriving means the path or the address/port is wrong.",
        "Allow the WireGuard UDP port (51820 by default, the server's ListenPort) to the server on every firewall and security group, and check the client's Endpoint.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let w = s.wireguard, s.status(.handshake) == .failed, !s.oneSidedCapture else { return [] }
        let sent = w.unanswered
        guard let first = sent.first else { return [] }
        let port = first.responder.port
        var evidence = [Evidence("handshake initiation from \(first.initiator) to \(first.responder): \(Text.repeated(times: sent.map(\.time)))",
                                 frames: sent.map(\.initiationFrame), time: first.time)]
        if let cookie = sent.first(where: { $0.cookieReplyFrame != nil }) {
            evidence.append(Evidence("the server answered with a cookie reply, not a response (see wireguard.cookie-reply)",
                                     frames: [cookie.cookieReplyFrame!]))
        }
        let unreachable = s.icmpErrors.filter(\.isPortUnreachable)
        let summary: String
        if unreachable.isEmpty {
            evidence.append(Evidence("no handshake response from \(s.server) in the capture"))
            evidence.append(Evidence("a blocked port and an unknown key look the same here: a capture on \(s.server) shows whether the initiations arrive (arriving and unanswered: the key), and `wg show` there lists no latest handshake for this client in both cases"))
            summary = "WireGuard handshake initiation to \(first.responder) \(Text.repeated(times: sent.map(\.time))), never answered: the server does not know this client's public key, or UDP \(port) does not reach it."
        } else {
            evidence.append(Evidence("ICMP port unreachable: nothing listens on UDP \(port) at \(s.server)", frames: unreachable.map(\.frame)))
            summary = "WireGuard handshake initiation to \(first.responder) is refused: nothing listens on UDP \(port) there (ICMP port unreachable)."
        }
        return [self.finding(s, stage: .handshake, summary, evidence: evidence)]
    }
}
