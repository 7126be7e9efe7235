import Sessions

struct FragmentsLost: SessionRule {
    static let id: RuleID = "ike.fragments-lost"
    static let title = "A large IKE message was IP-fragmented and never answered"
    static let severity = Severity.error
    static let explanation = """
        The IKE message (typically IKE_AUTH or Main Mode message 5 carrying certificates) is larger than the \
        path MTU, so it leaves as several IP fragments. Many routers, firewalls, consumer modems and cloud \
        load balancers drop IP fragments (or all but the first), so the message never arrives and is \
        retransmitted until the client gives up (Windows error 809, strongSwan "giving up after N \
        retransmits").
        """
    static let advice = [
        "Enable IKE fragmentation (RFC 7383) on both sides: strongSwan `fragmentation = yes`, Windows supports it since 10 1803.",
        "Use smaller certificates (ECDSA instead of RSA 4096, no full chain) so the message fits in one packet.",
        "Allow IP fragments through the firewalls/routers on the path, or raise the path MTU.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        var findings: [Finding] = []
        for sa in s.ike {
            let fragmented = sa.messages.filter { !$0.ipFragments.isEmpty && $0.fromInitiator }
            guard let first = fragmented.first else { continue }
            let answered = sa.messages.contains { !$0.fromInitiator && $0.time > first.time && $0.messageID == first.messageID }
            guard !answered else { continue }
            findings.append(self.finding(
                s, stage: first.step.exchange == .ikeAuth || first.step.index >= 5 ? .ikeAuth : .ikeSAInit,
                "\(first.step) (\(first.length) bytes) went out as \(first.ipFragments.count) IP fragments, \(Text.repeated(fragmented)), and was never answered.",
                evidence: [Evidence("\(first.step) in IP fragments", frames: fragmented.flatMap(\.ipFragments), time: first.time),
                           Evidence("no answer from \(s.server)")]))
        }
        if findings.isEmpty, !s.incompleteFragmentFrames.isEmpty, s.outcome != .connected {
            let frames = s.incompleteFragmentFrames
            findings.append(self.finding(s, stage: s.stoppedAt,
                                         "Only part of a fragmented IKE message arrives (\(Text.plural(frames.count, "fragment")), never completed): the other IP fragments are lost on the way.",
                                         evidence: [Evidence("IP fragments never reassembled", frames: frames),
                                                    Evidence("the message they belong to (likely IKE_AUTH with certificates) never arrives whole, so it is never answered")],
                                         confidence: .medium))
        }
        return findings
    }
}
