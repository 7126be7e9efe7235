import Sessions

struct TimeBackwards: DiagnosisRule {
    static let id: RuleID = "capture.time-backwards"
    static let title = "Time goes backwards in the capture (merged files or a stepped clock)"
    static let severity = Severity.warning
    static let explanation = """
        Some frames carry an earlier time than a frame before them. Files merged by concatenation (not by \
        time), captures from several machines put together, or a clock stepped during the capture do this. \
        Durations are taken from the earliest to the latest time, but intervals between packets (retransmission \
        timing, "no answer within N seconds") may be wrong where the order and the times disagree.
        """
    static let advice = [
        "Merge captures by time (`mergecap -w merged.pcap a.pcap b.pcap`, without -a), or analyze each file on its own.",
        "Check the capturing machine's clock (NTP steps) if the capture is a single file.",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard a.capture.backwardSteps > 0, let first = a.capture.firstBackwardFrame else { return [] }
        return [self.finding(nil, stage: nil, "Time goes backwards \(Text.plural(a.capture.backwardSteps, "time")) in the capture, first at frame \(first).",
                             evidence: [Evidence("frame \(first) is older than a frame before it", frames: [first])])]
    }
}
