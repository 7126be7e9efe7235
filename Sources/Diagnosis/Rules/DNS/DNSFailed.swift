import Sessions

struct DNSFailed: DiagnosisRule {
    static let id: RuleID = "dns.failed"
    static let title = "The VPN server's name does not resolve"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.warning]
    static let explanation = """
        The client asked DNS for the VPN server's name and got NXDOMAIN (no such name), SERVFAIL, or no answer \
        at all. A name is the server's when the user gave it (--server-name) or when another lookup of it in \
        the capture answered with the address VPN traffic went to. An error when the name never resolved; a \
        warning when it failed and resolved later. Other failed lookups are not VPN errors: without VPN \
        traffic they are listed as possible causes (capture.no-vpn-traffic).
        """
    static let advice = ["Check the server name in the VPN profile for typos.",
                         "Check the DNS record (A/AAAA) for it, and that the client's resolver works (`nslookup NAME`)."]

    func evaluate(_ a: Analysis) -> [Finding] {
        let servers = Set([a.server].compactMap { $0 } + a.sessions.map(\.server))
        let given = a.serverName.map(Self.canonical)
        var findings: [Finding] = []
        for (name, queries) in Self.lookups(a) {
            let resolved = queries.filter { !$0.failed }
            let isServers = Self.canonical(name) == given || resolved.contains { $0.answers.contains(where: servers.contains) }
            // A lookup answered without an address (NODATA, e.g. AAAA of an IPv4-only name) is no failure
            // when another lookup of the name resolved.
            let failures = queries.filter { $0.failed && ($0.rcode != 0 || resolved.isEmpty) }
            guard isServers, !failures.isEmpty else { continue }
            let session = a.sessions.first { s in resolved.contains { $0.answers.contains(s.server) } }
            let summary = resolved.isEmpty ? "DNS lookup of the VPN server's name \(name) failed: \(failures.last!.outcome)."
                : "DNS lookup of the VPN server's name \(name) failed \(Text.plural(failures.count, "time")) (\(failures.last!.outcome)), then resolved."
            findings.append(self.finding(session, stage: .nameResolution, summary,
                                         evidence: failures.map(Self.evidence), severity: resolved.isEmpty ? .error : .warning))
        }
        return findings
    }

    /// Address lookups (A/AAAA) by name, in name order.
    static func lookups(_ a: Analysis) -> [(String, [DNSQueryRecord])] {
        var byName: [String: [DNSQueryRecord]] = [:]
        for q in a.dnsQueries where [1, 28].contains(q.queryType) { byName[q.name, default: []].append(q) }
        return byName.keys.sorted().map { ($0, byName[$0]!) }
    }

    /// Names whose address lookups all failed, with those lookups.
    static func failedNames(_ a: Analysis) -> [(String, [DNSQueryRecord])] {
        self.lookups(a).filter { $0.1.allSatisfy(\.failed) }
    }

    static func evidence(_ q: DNSQueryRecord) -> Evidence {
        Evidence("query to \(q.resolver): \(q.outcome)", frames: q.queryFrames + [q.responseFrame].compactMap { $0 }, time: q.time)
    }

    static func canonical(_ name: String) -> String {
        (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased()
    }
}
