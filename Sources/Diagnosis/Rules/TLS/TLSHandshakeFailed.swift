import Decoding
import Sessions

struct TLSHandshakeFailed: DiagnosisRule {
    static let id: RuleID = "tls.handshake-failed"
    static let title = "TLS VPN: the TLS handshake with the server did not complete"
    static let severity = Severity.error
    static let explanation = """
        The server answered the client's ClientHello, but the handshake of the VPN's TLS connection did \
        not complete: either one side sent an alert in clear (unknown_ca, bad_certificate, \
        handshake_failure…: the side that sent it refused), or the server never sent application data \
        after the client's. With TLS 1.3 everything after the ServerHello is encrypted, a client refusing \
        the server's certificate included: it sends its alert encrypted and closes (some clients, like \
        OpenConnect, just reset the connection). Said once the connection was closed (FIN or RST) or the \
        capture went on 10 s after its last segment. Most often it is the client not trusting the CA that \
        signed the server's certificate, or a certificate for another name.
        """
    static let advice = [
        "Read the VPN client's log: it says which certificate check failed (OpenConnect: `-v`; AnyConnect: DART).",
        "Give the client the CA that signed the server's certificate, or a server certificate for the name the client connects to.",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        a.otherVPNs.compactMap { v -> Finding? in
            guard let c = v.decisiveConnection, !c.completed, let serverHello = c.serverHelloFrame ?? c.alert?.frame else { return nil }
            let version = c.serverHello.map { TLSHello.name($0.version) } ?? "TLS"
            if let alert = c.alert, alert.level == 2 {
                let side = alert.fromClient ? "client" : "server"
                return self.finding(nil, stage: nil,
                                    "The \(side) ended the TLS handshake of the \(v.name) connection to \(c.server) with a \(alert.level == 2 ? "fatal" : "warning") alert \(alert.name).",
                                    evidence: [Evidence("\(version) alert \(alert.name) (\(alert.description)) from the \(side)",
                                                        frames: [alert.frame])])
            }
            guard c.closedFrame != nil || a.capture.duration - c.end >= TLSNoServerHello.patience else { return nil }
            var evidence = [Evidence("\(version) ServerHello from \(c.server)", frames: [serverHello])]
            if let first = c.firstClientData {
                evidence.append(Evidence("the client's encrypted records (\(c.clientData)), then no application data from the server", frames: [first]))
            }
            if let closed = c.closedFrame {
                evidence.append(Evidence("then the \(c.closedByClient ? "client" : "server") \(c.closedWithReset ? "reset" : "closed") the connection", frames: [closed]))
            }
            return self.finding(nil, stage: nil,
                                "The TLS handshake of the \(v.name) connection to \(c.server) did not complete: the server answered, then sent no application data after the client's\(c.firstClientData == nil ? " (the client sent none)" : "").",
                                evidence: evidence, confidence: .medium)
        }
    }
}
