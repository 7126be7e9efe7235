import Sessions

struct OpenVPNTLSNotFinished: SessionRule {
    static let id: RuleID = "openvpn.tls-not-finished"
    static let title = "OpenVPN: the TLS handshake stops without an alert, and the client starts over"
    static let severity = Severity.error
    static let explanation = """
        The hard resets were answered and the TLS handshake began in the control channel, but it never \
        finished: no data-channel packet followed, no cleartext alert was seen, and the client started a \
        new session. OpenVPN tears a session down as soon as its certificate check fails, often before \
        its TLS alert reaches the wire; with TLS 1.3 or tls-crypt the alert is encrypted anyway. The side \
        that sent the last TLS record is waiting for the other: when it is the server (its certificate \
        was the last thing sent), the client refused the server's certificate (unknown CA, \
        remote-cert-tls / key usage, verify-x509-name, expiry); when it is the client, the server refused \
        the client's certificate or the handshake.
        """
    static let advice = [
        "Read the log of the side that went silent: \"VERIFY ERROR\", \"VERIFY KU ERROR\" or \"certificate verify failed\" name the check.",
        "Check that each side's ca is the CA that signed the other side's certificate, and that the server certificate has the TLS Web Server extended key usage (remote-cert-tls server).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let tls = s.stage(.tlsHandshake), tls.status == .failed, let o = s.primaryOpenVPN, o.alert == nil,
              let last = o.tlsRecords.last else { return [] }
        let silent = last.fromClient ? "server" : "client"
        let what = last.fromClient ? "the client's certificate or handshake" : "the server's certificate"
        return [self.finding(
            s, stage: .tlsHandshake,
            "The TLS handshake stopped after the \(last.fromClient ? "client" : "server")'s last record, with no alert on the wire, and the client started over: the \(silent) refused \(what).",
            evidence: [Evidence("last TLS record, from the \(last.fromClient ? "client" : "server")", frames: [last.frame], time: last.time),
                       Evidence("later hard resets from the client", frames: s.openvpn.filter { $0.start > o.start }.compactMap(\.clientResets.first))],
            confidence: .medium)]
    }
}
