import Sessions

struct InvalidKE: SessionRule {
    static let id: RuleID = "ike.invalid-ke"
    static let title = "The responder wants another Diffie-Hellman group (INVALID_KE_PAYLOAD)"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.info]
    static let explanation = """
        In IKEv2 the initiator guesses a DH group for its KE payload. If the responder prefers another one of \
        the offered groups it answers INVALID_KE_PAYLOAD with the group it wants, and the initiator retries \
        (RFC 7296 §1.2). Once is normal and costs one round trip; repeated INVALID_KE answers mean the two \
        sides never agree on a group (a loop).
        """
    static let advice = [
        "Put the group the responder asks for first in the initiator's proposal (saves a round trip).",
        "If it loops, make both sides allow the same DH groups (e.g. 14, 19 or 20).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let hits = s.ikeMessages { $0.notifies.contains(.invalidKEPayload) && $0.exchange == .ikeSAInit }
        guard let first = hits.first else { return [] }
        let wanted = Set(hits.compactMap(\.requestedGroup)).sorted().map {
            IKEAlgorithmNames.name(IKEAlgorithm(.dhGroup, $0), version: 2)
        }
        let recovered = s.status(.ikeSAInit) == .ok
        let loops = hits.count > 1 && !recovered
        let evidence = [Evidence("INVALID_KE_PAYLOAD \(Text.plural(hits.count, "time"))\(wanted.isEmpty ? "" : ", responder wants \(wanted.joined(separator: ", "))")",
                                 frames: hits.map(\.frame), time: first.time)]
        if recovered {
            return [self.finding(s, stage: .ikeSAInit, "The responder asked for another DH group\(wanted.isEmpty ? "" : " (\(wanted[0]))"); the retry succeeded.",
                                 evidence: evidence, severity: .info)]
        }
        return [self.finding(s, stage: .ikeSAInit,
                             loops ? "The peers loop on INVALID_KE_PAYLOAD: they never agree on a DH group."
                                   : "The responder rejected the DH group (INVALID_KE_PAYLOAD) and no retry succeeded.",
                             evidence: evidence, severity: .error)]
    }
}
