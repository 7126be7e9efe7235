import Sessions

struct NoServerTraffic: DiagnosisRule {
    static let id: RuleID = "capture.no-server-traffic"
    static let title = "Nothing to or from the VPN server in the capture"
    static let severity = Severity.error
    static let explanation = """
        The capture holds no packet exchanged with the server (or, without --server, no VPN traffic at all: \
        no IKE on UDP 500/4500, no ESP, no L2TP on UDP 1701, no PPTP on TCP 1723 or GRE). Either the capture \
        filter or interface missed it, the client never tried, or the server address is not the one the \
        client uses.
        """
    static let advice = [
        "Check the capture filter and interface: capture on the interface the VPN traffic leaves by, without a host filter, or with `host SERVER`.",
        "Check the server address the client really uses (DNS name, configuration) and pass it with --server.",
        "Start the capture before starting the VPN connection.",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard a.capture.packets > 0, a.serverPackets == 0 || a.sessions.isEmpty else { return [] }
        if let server = a.server {
            return [self.finding(nil, stage: .reachability, "No packet to or from \(server) in \(Text.plural(a.capture.packets, "packet")).",
                                 evidence: [Evidence("\(a.capture.packets) packets in the capture, none with \(server)")])]
        }
        // DNS failing for everything is its own finding.
        if !a.dnsQueries.isEmpty, a.dnsQueries.allSatisfy(\.failed) { return [] }
        return [self.finding(nil, stage: .reachability, "No VPN traffic (IKE, ESP, L2TP, PPTP/GRE) in \(Text.plural(a.capture.packets, "packet")).",
                             evidence: [Evidence("\(a.capture.packets) packets, protocols: \(a.capture.protocols.keys.sorted().joined(separator: ", "))")],
                             severity: .warning)]
    }
}
