import Sessions

struct OpenVPNTLSAlert: SessionRule {
    static let id: RuleID = "openvpn.tls-alert"
    static let title = "OpenVPN: a TLS alert ends the handshake in the control channel"
    static let severity = Severity.error
    static let explanation = """
        OpenVPN authenticates both sides with TLS inside its control channel. One side rejected the \
        handshake and said why in a cleartext TLS alert: unknown_ca (the peer's certificate is not signed \
        by the CA it trusts: ca file mismatch), bad_certificate / certificate_unknown / unsupported_certificate \
        (the certificate is refused: wrong key usage, remote-cert-tls, verify-x509-name, tls-verify), \
        certificate_expired or certificate_revoked (dates, CRL), handshake_failure or protocol_version (no \
        common cipher suite or TLS version: tls-version-min, tls-cipher). The side that sent the alert is \
        the one that refused. With TLS 1.3 alerts after the ServerHello are encrypted and cannot be seen.
        """
    static let advice = [
        "Read the log of the side that sent the alert: it names the certificate and the check that failed (\"VERIFY ERROR\").",
        "unknown_ca: give that side the CA that signed the other side's certificate (ca / <ca> in its configuration).",
        "handshake_failure or protocol_version: align tls-version-min and tls-cipher / data-ciphers on both sides.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        s.openvpn.compactMap { o -> Finding? in
            guard let alert = o.alert, let name = alert.alertName else { return nil }
            let side = alert.fromClient ? "client" : "server"
            let other = alert.fromClient ? "server" : "client"
            let level = alert.alertLevel == 2 ? "fatal" : "warning"
            return self.finding(
                s, stage: .tlsHandshake,
                "The \(side) ended the TLS handshake with a \(level) alert \(name): it refused the \(other)'s \(Self.refused(alert.alertDescription ?? 0)).",
                evidence: [Evidence("TLS alert \(name) (\(alert.alertDescription ?? 0)) from the \(side) \(alert.fromClient ? o.client : o.server)",
                                    frames: [alert.frame], time: alert.time)],
                severity: alert.alertLevel == 2 || o.dataFromServer == 0 ? .error : .warning)
        }
    }

    static func refused(_ description: UInt8) -> String {
        switch description {
        case 48: "certificate (not signed by a CA it trusts)"
        case 42, 43, 46: "certificate"
        case 44: "certificate (revoked)"
        case 45: "certificate (expired)"
        case 40, 70, 71: "TLS parameters (no common cipher suite or version)"
        default: "handshake"
        }
    }
}
