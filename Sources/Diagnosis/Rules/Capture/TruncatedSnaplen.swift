import Sessions

struct TruncatedSnaplen: DiagnosisRule {
    static let id: RuleID = "capture.truncated-snaplen"
    static let title = "The capture cut packets short (snaplen)"
    static let severity = Severity.warning
    static let lowerSeverities: [Severity] = [.info]
    static let explanation = """
        Frames were captured shorter than they were on the wire. Headers past the cut (IKE payloads, NAT-D \
        hashes, notify types, L2TP AVPs, PPP messages) are missing, so some diagnoses cannot be made.
        """
    static let advice = ["Capture with the full snaplen: `tcpdump -s 0` (or `-s 65535`), Wireshark's default."]

    func evaluate(_ a: Analysis) -> [Finding] {
        let c = a.capture
        guard c.snaplenCutFrames > 0 else { return [] }
        var evidence = [Evidence("\(c.snaplenCutFrames) frame(s) cut to at most \(c.snaplen ?? 0) bytes", frames: c.firstSnaplenCutFrames)]
        if !c.truncatedVPNFrames.isEmpty {
            evidence.append(Evidence("VPN packets whose decoding stopped at the cut", frames: c.truncatedVPNFrames))
        }
        return [self.finding(nil, stage: nil, "\(c.snaplenCutFrames) frame(s) were cut by the capture's snaplen (\(c.snaplen ?? 0) bytes).",
                             evidence: evidence, severity: c.truncatedVPNFrames.isEmpty ? .info : .warning)]
    }
}
