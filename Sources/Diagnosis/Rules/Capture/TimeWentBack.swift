import Sessions

struct TimeWentBack: DiagnosisRule {
    static let id: RuleID = "capture.time-backwards"
    static let title = "Packet timestamps go backwards"
    static let severity = Severity.warning
    static let explanation = """
        Some packets carry a timestamp earlier than a packet before them. A single capture program writes \
        packets in the order it sees them, so this is several captures joined end to end (`mergecap -a`, \
        `cat` of pcap bodies, tools that append), or the capturing machine's clock was stepped (NTP, a \
        suspended laptop). Times shown relative to the first packet can then be negative, and intervals \
        that span a step (retransmission timers, how long an answer took) are not comparable.
        """
    static let advice = [
        "If the file joins several captures, merge them by time instead (`mergecap -w out.pcapng a.pcap b.pcap`, without -a) or analyse each one on its own.",
        "If the clock was stepped, read intervals only within stretches that do not cross the frames named here.",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard let back = a.capture.timeWentBack else { return [] }
        let times = back.count == 1 ? "once" : "\(back.count) times"
        return [self.finding(nil, stage: nil,
                             "Packet timestamps go backwards \(times) (first at frame \(back.firstFrame)): the file joins captures or the clock was stepped.",
                             evidence: [Evidence("frame \(back.firstFrame) is earlier than a packet before it", frames: [back.firstFrame]),
                                        Evidence(String(format: "largest step back: %.3f s, at frame %d", back.largestStep, back.largestStepFrame),
                                                 frames: [back.largestStepFrame])])]
    }
}
