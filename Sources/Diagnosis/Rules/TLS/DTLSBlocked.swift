import Sessions

struct DTLSBlocked: DiagnosisRule {
    static let id: RuleID = "tls.dtls-blocked"
    static let title = "TLS VPN: the tunnel's datagrams get no answer while TLS works"
    static let severity = Severity.warning
    static let explanation = """
        AnyConnect/OpenConnect carry the tunnel in DTLS on UDP 443 and GlobalProtect in IPsec in UDP 4501, \
        beside their TLS connection to the same server. Here the TLS connection completed but the \
        datagrams got no answer: UDP to that port is blocked on the path (or disabled on the server). The \
        client falls back to carrying the tunnel inside TLS, which works but is slower (TCP inside TCP: a \
        lost packet stalls everything behind it).
        """
    static let advice = [
        "Allow UDP 443 (AnyConnect/OpenConnect) or UDP 4501 (GlobalProtect) from the client to the server on every firewall on the path.",
        "Check that the server offers it (ocserv: udp-port; ASA: `anyconnect ssl dtls enable`).",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        a.otherVPNs.compactMap { v -> Finding? in
            guard let d = v.datagrams, d.fromClient > 0, d.fromServer == 0, v.decisiveConnection?.completed == true else { return nil }
            return self.finding(nil, stage: nil,
                                "\(v.name): \(d.what) from \(v.client) to \(v.server.address) got no answer while TLS to it works; the tunnel runs over TLS instead (slower).",
                                evidence: [Evidence("\(d.fromClient) datagrams from the client, none from the server", frames: [d.firstFrame])],
                                confidence: .medium)
        }
    }
}
