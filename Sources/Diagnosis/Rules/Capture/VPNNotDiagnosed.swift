import Decoding
import Sessions

struct VPNNotDiagnosed: DiagnosisRule {
    static let id: RuleID = "capture.vpn-not-diagnosed"
    static let title = "A VPN vpndoctor recognises but does not diagnose"
    static let severity = Severity.warning
    static let lowerSeverities: [Severity] = [.info]
    static let explanation = """
        The capture holds a VPN that vpndoctor names but does not diagnose yet: a TLS/DTLS-based VPN (Cisco \
        AnyConnect or OpenConnect: TLS on TCP 443 with DTLS on UDP 443 to the same server; Palo Alto \
        GlobalProtect: UDP 4501 beside TLS on 443; a Fortinet SSL VPN on TCP 10443; SoftEther by its server \
        names or ports 992/5555; SSTP and others only by "vpn" in the server name, as they look like any \
        HTTPS) or a mesh built on WireGuard (Tailscale: WireGuard on UDP 41641, TLS to its DERP relays). \
        The naming is an inference with its confidence. Their authentication happens inside TLS, so a \
        capture shows only whether the TLS/DTLS handshakes completed (tls.* findings) and traffic flowed \
        both ways. \
        A warning when nothing else in the capture is diagnosed (instead of "no VPN traffic"); information \
        when part of it is (Tailscale's WireGuard tunnel is). Other failures in the capture, such as DNS \
        lookups of LAN names, are not this VPN's.
        """
    static let advice = [
        "Use the VPN client's own logs (AnyConnect: DART bundle; OpenConnect: -v; FortiClient: its log export; Tailscale: `tailscale status` and `tailscale netcheck`).",
        "For an IPsec, L2TP, PPTP or WireGuard VPN, capture its traffic instead (`vpndoctor watch` picks the right filter).",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        a.otherVPNs.map { v in
            let summary = v.diagnosedPart.map {
                "This looks like \(v.name) (\(v.client) ⇄ \(v.server)); vpndoctor diagnoses only \($0), not \(v.name) itself."
            } ?? "This capture holds a \(v.name) connection from \(v.client) to \(v.server) (an inference, \(v.confidence.rawValue) confidence); vpndoctor reports only whether its TLS/DTLS handshakes completed and traffic flowed both ways."
            var evidence = v.clues.enumerated().map { Evidence($1, frames: $0 == 0 ? v.frames : []) }
            if let c = v.decisiveConnection { evidence += Self.handshake(c) }
            if let d = v.datagrams { evidence.append(Evidence("\(d.what): \(d.fromClient) from the client, \(d.fromServer) from the server", frames: [d.firstFrame])) }
            return self.finding(nil, stage: nil, summary, evidence: evidence, severity: v.diagnosedPart == nil && a.sessions.isEmpty ? .warning : .info,
                                confidence: Confidence(rawValue: v.confidence.rawValue))
        }
    }

    /// What the VPN's TLS connection showed in clear: the hellos, and application data both ways.
    static func handshake(_ c: TLSConnection) -> [Evidence] {
        var evidence: [Evidence] = []
        if let hello = c.clientHello, let frame = c.clientHelloFrame {
            let alpn = hello.alpn.isEmpty ? "" : ", ALPN \(hello.alpn.joined(separator: ","))"
            evidence.append(Evidence("ClientHello (up to \(TLSHello.name(hello.version)))\(c.serverName.map { ", server name \($0)" } ?? "")\(alpn)", frames: [frame]))
        }
        if let hello = c.serverHello, let frame = c.serverHelloFrame {
            evidence.append(Evidence("ServerHello: \(TLSHello.name(hello.version))\(hello.alpn.first.map { ", ALPN \($0)" } ?? "")", frames: [frame]))
        }
        if let frame = c.serverDataAfterClient {
            evidence.append(Evidence("handshake completed: application data both ways (\(c.clientData) segments from the client, \(c.serverData) from the server)", frames: [frame]))
        }
        return evidence
    }
}
