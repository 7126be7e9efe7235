import Sessions

struct OpenVPNReconnectLoop: SessionRule {
    static let id: RuleID = "openvpn.reconnect-loop"
    static let title = "OpenVPN: the client keeps starting over"
    static let severity = Severity.warning
    static let explanation = """
        The client sent hard resets with several new session IDs: each is a new connection attempt \
        (OpenVPN restarts after a failed handshake, a ping-restart or a server that drops it). The \
        other findings of the session say why the attempts fail; a loop that also connects in between \
        is a tunnel that keeps dropping (keepalive / ping-restart, an unstable path, two clients with one \
        certificate and duplicate-cn not set).
        """
    static let advice = [
        "Fix the cause the other findings name; then the loop stops.",
        "If attempts connect and then restart: look in the server log for the reason of each disconnect (ping-restart, another client with the same certificate).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let attempts = s.openvpn.filter { !$0.clientResets.isEmpty }
        guard attempts.count >= 3 else { return [] }
        let connected = attempts.filter { $0.dataFromClient > 0 && $0.dataFromServer > 0 }.count
        // Attempts whose TLS handshake finished (ChangeCipherSpec from the server) and that still restarted:
        // the tunnel came up and then dropped (ping-restart, the server's data lost), not a failed handshake.
        let finished = attempts.dropLast().filter { !$0.records(fromClient: false, type: 20).isEmpty }.count
        let dropped = finished > 0 ? " \(finished) finished the TLS handshake and restarted anyway: the tunnel comes up and drops (ping-restart when nothing comes back, or the server ends it)." : ""
        return [self.finding(
            s, stage: .tunnelControl,
            "The client started \(attempts.count) OpenVPN sessions (new session IDs) in \(String(format: "%.0f", attempts.last!.start - attempts[0].start)) s; \(connected) of them carried data both ways.\(dropped)",
            evidence: [Evidence("first hard reset of each attempt", frames: attempts.compactMap(\.clientResets.first), time: attempts[0].start)])]
    }
}
