import Sessions

struct VPNNotDiagnosed: DiagnosisRule {
    static let id: RuleID = "capture.vpn-not-diagnosed"
    static let title = "A VPN vpndoctor recognises but does not diagnose"
    static let severity = Severity.warning
    static let lowerSeverities: [Severity] = [.info]
    static let explanation = """
        The capture holds a VPN that vpndoctor names but does not diagnose yet: a TLS/DTLS-based VPN (Cisco \
        AnyConnect or OpenConnect: TLS on TCP 443 with DTLS on UDP 443 to the same server; a Fortinet SSL VPN \
        on TCP 10443) or a mesh built on WireGuard (Tailscale, WireGuard on UDP 41641). Their handshakes and \
        authentication happen inside TLS, so a capture shows little beyond whether traffic flowed both ways. \
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
            } ?? "This capture holds a \(v.name) connection from \(v.client) to \(v.server); vpndoctor does not diagnose \(v.name) yet."
            return self.finding(nil, stage: nil, summary, evidence: v.clues.enumerated().map { Evidence($1, frames: $0 == 0 ? v.frames : []) },
                                severity: v.diagnosedPart == nil && a.sessions.isEmpty ? .warning : .info)
        }
    }
}
