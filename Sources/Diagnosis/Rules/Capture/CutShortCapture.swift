import Sessions

struct CutShortCapture: DiagnosisRule {
    static let id: RuleID = "capture.cut-short"
    static let title = "The capture ends inside a packet: it was cut while being written"
    static let severity = Severity.warning
    static let explanation = """
        The file stops in the middle of its last packet record, which is what a capture program stopped \
        abruptly (killed, out of disk space) or a copy of a file still being written leaves. Every packet \
        before the cut was read and analysed; whatever happened after it is not in the capture, so an \
        attempt that looks unanswered or unfinished at the end may simply have been cut off.
        """
    static let advice = [
        "Stop the capture cleanly (Ctrl-C, or `tcpdump -c COUNT` / `-G SECONDS`) and copy the file only after it is closed.",
        "If the attempt's end matters, capture it again for a little longer.",
    ]

    func evaluate(_ a: Analysis) -> [Finding] {
        guard let cut = a.capture.cutShort else { return [] }
        let last = cut.lastWholeFrame
        return [self.finding(nil, stage: nil,
                             last > 0 ? "The capture ends inside a packet after frame \(last): it was cut while being written."
                                      : "The capture ends inside its first packet: it was cut while being written.",
                             evidence: [Evidence(cut.detail, frames: last > 0 ? [last] : [])])]
    }
}
