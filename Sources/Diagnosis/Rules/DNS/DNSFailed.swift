import Sessions

struct DNSFailed: DiagnosisRule {
    static let id: RuleID = "dns.failed"
    static let title = "The server's name does not resolve"
    static let severity = Severity.error
    static let explanation = """
        The client asked DNS for a name and got NXDOMAIN (no such name), SERVFAIL, no address, or no answer at \
        all — and no VPN traffic followed, so the client never learnt the server's address.
        """
    static let advice = ["Check the server name in the VPN profile for typos.",
                         "Check the DNS record (A/AAAA) for it, and that the client's resolver works (`nslookup NAME`)."]

    func evaluate(_ a: Analysis) -> [Finding] {
        // Only when no VPN attempt followed: failing lookups beside a working VPN are unrelated noise.
        guard a.sessions.isEmpty else { return [] }
        let addressQueries = a.dnsQueries.filter { [1, 28].contains($0.queryType) }
        let resolved = Set(addressQueries.filter { !$0.failed }.map(\.name))
        var byName: [String: [DNSQueryRecord]] = [:]
        for q in addressQueries where q.failed && !resolved.contains(q.name) { byName[q.name, default: []].append(q) }
        return byName.keys.sorted().map { name in
            let qs = byName[name]!
            return self.finding(nil, stage: .nameResolution, "DNS lookup of \(name) failed: \(qs.last!.outcome).",
                                evidence: qs.map { Evidence("query to \($0.resolver): \($0.outcome)",
                                                            frames: $0.queryFrames + [$0.responseFrame].compactMap { $0 }, time: $0.time) })
        }
    }
}
