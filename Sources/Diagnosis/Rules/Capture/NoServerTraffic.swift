import Sessions

struct NoServerTraffic: DiagnosisRule {
    static let id: RuleID = "capture.no-server-traffic"
    static let title = "Nothing to or from the given VPN server in the capture"
    static let severity = Severity.error
    static let explanation = """
        The capture holds packets, but none exchanged with the server given by --server. Either the capture \
        filter or interface missed them, the client never tried, or the server address is not the one the \
        client uses.
        """
    static let advice = [
        "Check the capture filter and interface: capture on the interface the VPN traffic leaves by, without a host filter, or with `host SERVER`.",
        "Check the server address the client really uses (DNS name, configuration) and pass it with --server.",
        "Start the capture before starting the VPN connection.",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard let server = a.server, a.capture.packets > 0, a.serverPackets == 0 else { return [] }
        return [self.finding(nil, stage: .reachability, "No packet to or from \(server) in \(Text.plural(a.capture.packets, "packet")).",
                             evidence: [Evidence("\(a.capture.packets) packets in the capture, none with \(server)")]
                                 + NoVPNTraffic.failedLookups(a))]
    }
}

struct NoVPNTraffic: DiagnosisRule {
    static let id: RuleID = "capture.no-vpn-traffic"
    static let title = "No VPN traffic found in the capture"
    static let severity = Severity.warning
    static let explanation = """
        Without --server, the capture holds no VPN traffic at all: no IKE on UDP 500/4500, no ESP or AH, no \
        L2TP on UDP 1701, no PPTP on TCP 1723 or GRE. Nothing says a VPN failed: the capture filter or \
        interface missed the attempt, the client never tried, or it uses a VPN vpndoctor does not read. \
        DNS lookups that failed in the capture are listed as possible causes, not as errors: a name that does \
        not resolve stops a VPN client only when it is the server's.
        """
    static let advice = [
        "Check the capture filter and interface: capture on the interface the VPN traffic leaves by (`vpndoctor watch` picks the right filter).",
        "Start the capture before starting the VPN connection.",
        "If a listed lookup is the VPN server's name, fix that name or its DNS record (then the failure is the cause).",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard a.server == nil, a.capture.packets > 0, a.sessions.isEmpty, a.otherVPNs.isEmpty else { return [] }
        return [self.finding(nil, stage: nil, "No VPN traffic (IKE, ESP, L2TP, PPTP/GRE) in \(Text.plural(a.capture.packets, "packet")).",
                             evidence: [Evidence("\(a.capture.packets) packets, protocols: \(a.capture.protocols.keys.sorted().joined(separator: ", "))")]
                                 + Self.failedLookups(a))]
    }

    /// Each name whose address lookups all failed, as a possible cause.
    static func failedLookups(_ a: Analysis) -> [Evidence] {
        DNSFailed.failedNames(a).map { name, queries in
            var evidence = DNSFailed.evidence(queries.last!)
            evidence.text = "possible cause: the lookup of \(name) failed (\(queries.last!.outcome))"
            return evidence
        }
    }
}
