import Sessions

struct WireGuardDataOneWay: SessionRule {
    static let id: RuleID = "wireguard.data-one-way"
    static let title = "WireGuard: the handshake completed but data flows one way only"
    static let severity = Severity.error
    static let explanation = """
        The peers completed a handshake, and transport data carrying packets goes one way with nothing carrying \
        packets coming back (keepalives alone may come back: they prove the far peer decrypts). WireGuard \
        accepts a decrypted packet only when its source address is in the sending peer's AllowedIPs on the \
        receiving side, and sends a packet to a peer only when its destination is in that peer's AllowedIPs: \
        the receiving peer drops what it gets (its AllowedIPs for this peer lack the sender's tunnel address), \
        or it has no route back into the tunnel, or what the packets are for (forwarding, NAT, a firewall \
        beyond the peer) drops them. A peer that receives data and sends nothing back sends an empty \
        keepalive 10 seconds later: a keepalive coming back proves the data arrives and is decrypted. When \
        not even a keepalive comes back, the path is the suspect: the receiving peer's answers (or the \
        data itself) are dropped on the way; a capture on the receiving peer shows which.
        """
    static let advice = [
        "On the peer that receives but does not answer: its [Peer] AllowedIPs for the sender must include the sender's tunnel address (and the networks behind it).",
        "Check that peer's routes and forwarding: `ip route get ADDRESS` for the sender's tunnel address must go out of the wg interface; sysctl net.ipv4.ip_forward=1 and a NAT/firewall rule when it forwards to a LAN.",
        "`wg show` on both peers: the transfer counters show which side receives and does not send.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let w = s.wireguard, let rung = s.stage(.dataPlane), rung.status == .failed, !s.oneSidedCapture,
              (w.fromClient.data.packets > 0) != (w.fromServer.data.packets > 0) else { return [] }
        let (sender, receiver) = w.fromClient.data.packets > 0 ? (s.client, s.server) : (s.server, s.client)
        let (out, back) = w.fromClient.data.packets > 0 ? (w.fromClient, w.fromServer) : (w.fromServer, w.fromClient)
        var evidence = [Evidence("\(Text.plural(out.data.packets, "data packet")) from \(sender) to \(receiver), none back",
                                 frames: [out.data.firstFrame].compactMap { $0 }, time: out.data.start)]
        // A keepalive back proves the receiver decrypts the data; nothing at all back (WireGuard answers
        // data with a keepalive within 10 s) leaves the path too.
        guard let keepalive = back.firstKeepaliveFrame else {
            evidence.append(Evidence("nothing from \(receiver), not even the keepalive a peer sends within 10 s of data it received: it does not get the data, or its answers are lost on the way back"))
            return [self.finding(s, stage: .dataPlane,
                                 "WireGuard data flows only \(sender) → \(receiver), and nothing at all comes back: the path drops \(receiver)'s answers (or the data), or \(receiver) drops the data. A capture on \(receiver) tells: answers leaving it mean the return path.",
                                 evidence: evidence)]
        }
        evidence.append(Evidence("\(Text.plural(back.keepalives, "keepalive")) from \(receiver): it decrypts the data, then drops or cannot route what is inside",
                                 frames: [keepalive]))
        return [self.finding(s, stage: .dataPlane,
                             "WireGuard data flows only \(sender) → \(receiver): \(receiver) sends nothing back through the tunnel (its AllowedIPs or routing).",
                             evidence: evidence)]
    }
}
