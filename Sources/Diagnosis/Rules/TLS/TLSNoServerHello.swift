import Sessions

struct TLSNoServerHello: DiagnosisRule {
    static let id: RuleID = "tls.no-server-hello"
    static let title = "TLS VPN: the client's ClientHello was never answered"
    static let severity = Severity.error
    static let explanation = """
        A VPN that vpndoctor names but does not diagnose (AnyConnect, GlobalProtect, Fortinet, SSTP, \
        SoftEther…) starts with a TLS connection to its server. The client sent its ClientHello and no \
        ServerHello came back: the server is not listening there, a firewall or proxy on the path drops or \
        intercepts TLS to it, or the server refused the server name (SNI) without an alert. Said once the \
        connection was closed or the capture went on 10 s after the ClientHello; only a later connection \
        that completed excuses an earlier one.
        """
    static let advice = [
        "Check that the VPN server answers on that port from the client's network (`openssl s_client -connect SERVER:PORT -servername NAME`).",
        "Look for a firewall, captive portal or TLS-inspecting proxy between the client and the server.",
    ]

    /// Seconds the capture must go on after the ClientHello when the connection is not closed.
    static let patience = 10.0

    func evaluate(_ a: Analysis) -> [Finding] {
        a.otherVPNs.compactMap { v -> Finding? in
            guard let c = v.decisiveConnection, let hello = c.clientHelloFrame, c.serverHello == nil, c.serverData == 0, c.alert == nil,
                  c.closedFrame != nil || a.capture.duration - c.start >= Self.patience
            else { return nil }
            return self.finding(nil, stage: nil,
                                "The \(v.name) client \(c.client) sent a TLS ClientHello to \(c.server) and got no answer.",
                                evidence: [Evidence("ClientHello\(c.serverName.map { " for \($0)" } ?? "") from \(c.client), nothing back from \(c.server)",
                                                    frames: [hello])],
                                confidence: .medium)
        }
    }
}
