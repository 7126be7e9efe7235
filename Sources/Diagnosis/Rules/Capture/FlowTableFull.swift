import Sessions

struct FlowTableFull: DiagnosisRule {
    static let id: RuleID = "capture.flow-table-full"
    static let title = "Too many flows: the oldest idle ones were dropped from the analysis"
    static let severity = Severity.warning
    static let explanation = """
        The analyzer keeps a bounded flow table so memory stays flat on huge captures. It filled up, and idle \
        non-VPN flows (then the idlest VPN flows) were evicted. VPN sessions are kept first, but counters of \
        evicted flows restart if they come back.
        """
    static let advice = ["Filter the capture to the VPN server (`--server IP`, or a BPF filter such as `host SERVER`)."]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard a.capture.flowsEvicted > 0 else { return [] }
        return [self.finding(nil, stage: nil, "\(a.capture.flowsEvicted) flow(s) were evicted after the table of \(a.capture.flowTableCapacity) filled.",
                             evidence: [Evidence("first eviction", frames: a.capture.firstEvictionFrame.map { [$0] } ?? [])])]
    }
}
