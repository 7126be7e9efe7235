import Sessions

struct WireGuardNoData: SessionRule {
    static let id: RuleID = "wireguard.no-data"
    static let title = "WireGuard: the handshake completed but no data followed"
    static let severity = Severity.warning
    static let explanation = """
        The peers completed a handshake, then no transport data carrying packets followed in either direction \
        (keepalives at most). The tunnel works; nothing was sent into it: the initiator's AllowedIPs or routes \
        do not send the traffic you expected into the wg interface, or nothing tried to use the tunnel during \
        the capture. WireGuard starts a handshake only when it has a packet to send (or a persistent keepalive \
        is set), so a handshake with no data after it often means the first packet's destination was routed \
        elsewhere afterwards.
        """
    static let advice = [
        "On the client: `ip route get DESTINATION` must go out of the wg interface, and the destination must be inside the server peer's AllowedIPs.",
        "Send traffic during the capture (ping the server's tunnel address) to see whether it flows.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let w = s.wireguard, let rung = s.stage(.dataPlane), rung.status == .failed,
              w.fromClient.data.packets == 0, w.fromServer.data.packets == 0, let done = w.completed.last else { return [] }
        let keepalives = [w.fromClient.firstKeepaliveFrame, w.fromServer.firstKeepaliveFrame].compactMap { $0 }
        var evidence = [Evidence("handshake completed", frames: [done.initiationFrame, done.responseFrame!], time: done.time),
                        Evidence("no transport data carrying packets in the \(Text.seconds(a.capture.duration - (done.responseTime ?? done.time))) after it")]
        if !keepalives.isEmpty { evidence.append(Evidence("keepalives only", frames: keepalives)) }
        return [self.finding(s, stage: .dataPlane, "The WireGuard handshake completed, but no data went through the tunnel.",
                             evidence: evidence)]
    }
}
