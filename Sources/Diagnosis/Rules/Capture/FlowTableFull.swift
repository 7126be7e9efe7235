import Sessions

struct FlowTableFull: DiagnosisRule {
    static let id: RuleID = "capture.flow-table-full"
    static let title = "Too many flows: the oldest idle ones were dropped from the analysis"
    // Info: the capture is big, not broken; the findings on the sessions kept still hold.
    static let severity = Severity.info
    static let explanation = """
        The analyzer keeps a bounded flow table so memory stays flat on huge captures. It filled up, and idle \
        non-VPN flows (then the idlest VPN flows) were evicted. VPN sessions are kept first, but counters of \
        evicted flows restart if they come back. The other tables have ceilings too (IKE SAs per host pair, \
        ESP/GRE streams, DNS queries): the least advanced or idlest entries go first; and lists (messages, \
        vendor IDs and NAT-D payloads of one IKE SA, control messages of a session, frame lists) keep their \
        first entries and count the rest.
        """
    static let advice = ["Filter the capture to the VPN server (`--server IP`, or a BPF filter such as `host SERVER`)."]

    func evaluate(_ a: Analysis) -> [Finding] {
        let dropped = a.capture.stateDropped.sorted { $0.key < $1.key }.map { Evidence("\($0.value) \($0.key) dropped") }
        guard a.capture.flowsEvicted > 0 || !dropped.isEmpty else { return [] }
        let summary = a.capture.flowsEvicted > 0
            ? "\(a.capture.flowsEvicted) flow(s) were evicted after the table of \(a.capture.flowTableCapacity) filled."
            : "Some per-session tables reached their ceiling; their idlest entries were dropped."
        return [self.finding(nil, stage: nil, summary,
                             evidence: [Evidence("first eviction", frames: a.capture.firstEvictionFrame.map { [$0] } ?? [])] + dropped)]
    }
}
