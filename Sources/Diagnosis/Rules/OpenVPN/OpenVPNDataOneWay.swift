import Sessions

struct OpenVPNDataOneWay: SessionRule {
    static let id: RuleID = "openvpn.data-one-way"
    static let title = "OpenVPN: tunnel up, data packets in one direction only"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.warning]
    static let explanation = """
        The TLS handshake finished (data-channel keys exist), yet data packets (P_DATA) go only one way, \
        or none follow at all. One way: the return path drops them (a NAT mapping that expired, a firewall \
        that lets only one direction through), or the receiving side cannot decrypt them (data-ciphers \
        mismatch: it logs "AEAD Decrypt error" or "Authenticate/Decrypt packet error") and sends nothing \
        back. None: routes or the pushed configuration send no traffic into the tunnel, or the capture \
        ended right after the handshake.
        """
    static let advice = [
        "Check the log of the side that receives but never answers for decrypt errors; align data-ciphers (OpenVPN 2.6 negotiates them: an old peer may need data-ciphers-fallback).",
        "Capture on the other side too: if the packets leave but never arrive, the path drops that direction.",
        "No data at all: check that the client's routes (redirect-gateway, route) send traffic into the tunnel.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let data = s.stage(.dataPlane), data.status == .failed, s.vpnProtocol == .openvpn,
              let o = s.openvpn.max(by: { $0.dataFromClient + $0.dataFromServer < $1.dataFromClient + $1.dataFromServer }) else { return [] }
        if o.dataFromClient + o.dataFromServer == 0 {
            return [self.finding(s, stage: .dataPlane, "The TLS handshake finished, then no data packet in \(String(format: "%.0f", a.capture.duration - o.end)) s.",
                                 evidence: [Evidence("TLS records in the control channel", frames: o.tlsRecords.prefix(1).map(\.frame) + o.tlsRecords.suffix(1).map(\.frame))],
                                 severity: .warning, confidence: .medium)]
        }
        let direction = o.dataFromClient > 0 ? "client → server" : "server → client"
        let receiver = o.dataFromClient > 0 ? "server" : "client"
        return [self.finding(
            s, stage: .dataPlane,
            "Data packets only \(direction): \(o.dataFromClient) out, \(o.dataFromServer) back. The \(receiver) cannot decrypt them (its log says so), or its answers are lost on the way back: a capture on the \(receiver) tells.",
            evidence: [Evidence("first data packet", frames: [o.firstDataFromClient ?? o.firstDataFromServer].compactMap { $0 })])]
    }
}
