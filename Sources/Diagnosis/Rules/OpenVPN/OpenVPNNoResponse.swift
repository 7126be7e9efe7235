import Sessions

struct OpenVPNNoResponse: SessionRule {
    static let id: RuleID = "openvpn.no-response"
    static let title = "OpenVPN: the client's hard reset is never answered"
    static let severity = Severity.error
    static let explanation = """
        The client sends P_CONTROL_HARD_RESET_CLIENT (the first packet of an OpenVPN connection) and repeats \
        it, and nothing comes back. Three causes look the same from the client: the port is blocked on the \
        way (firewall, ISP, cloud security group), the server is down or listens on another port or \
        protocol (UDP vs TCP), or the client's tls-auth / tls-crypt key is not the server's: the server \
        checks the HMAC of every control packet and drops a packet that fails without answering (its log \
        says "packet HMAC authentication failed" / "TLS Error: incoming packet authentication failed", or "tls-crypt unwrapping failed"). The \
        client logs "TLS key negotiation failed to occur within 60 seconds".
        """
    static let advice = [
        "Tell them apart on the server: capture there (tcpdump -ni any udp port 1194). If the hard resets do not arrive, the path blocks them; if they arrive and the server log shows an HMAC or tls-crypt error, the keys differ; if they arrive and nothing is logged, the server does not listen there (ss -ulpn).",
        "Use the same ta.key / tls-crypt key on both sides, with the same key-direction (tls-auth: 0 on the server, 1 on the client).",
        "Allow the OpenVPN port (UDP 1194 unless configured otherwise) from the client to the server and back, and check that proto and port match the server's.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture, s.icmpErrors.allSatisfy({ !$0.isPortUnreachable }) else { return [] }
        let silent = s.openvpn.filter { !$0.clientResets.isEmpty && !$0.answered && !$0.resetFromServer }
        guard !silent.isEmpty, !s.openvpn.contains(where: \.answered) else { return [] }
        let resets = silent.flatMap(\.clientResets)
        guard resets.count > 1 || a.capture.duration - (silent.last?.end ?? 0) >= 5 else { return [] }
        let protection = silent.first?.protection ?? "none"
        let keyNote = protection == "none"
            ? "the client uses neither tls-auth nor tls-crypt, so a key mismatch is not the cause: the port is blocked or the server does not answer there"
            : "the client uses \(protection): a server with another key drops the packets silently, as a blocked port would"
        return [self.finding(
            s, stage: .tunnelControl,
            "OpenVPN hard reset to \(silent[0].server) sent \(resets.count)×, never answered.",
            evidence: [Evidence("P_CONTROL_HARD_RESET_CLIENT from \(silent[0].client) to \(silent[0].server), \(Text.plural(resets.count, "time"))",
                                frames: resets, time: silent[0].start),
                       Evidence("no packet from \(s.server) in the capture; \(keyNote)")],
            confidence: protection == "none" ? .high : .medium)]
    }
}
