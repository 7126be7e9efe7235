import Sessions

struct ErrorNotify: SessionRule {
    static let id: RuleID = "ike.error-notify"
    static let title = "A peer sent an IKE error notification"
    static let severity = Severity.error
    static let explanation = """
        An IKE error notify travelled in cleartext (an IKEv1 Informational before the keys exist, or an \
        unencrypted IKEv2 response). Its name says what the sender rejected: AUTHENTICATION_FAILED (wrong \
        PSK or certificate), INVALID_ID_INFORMATION (identity not configured), INVALID-HASH-INFORMATION \
        (usually a PSK mismatch), PAYLOAD-MALFORMED, TS_UNACCEPTABLE (traffic selectors), and others.
        """
    static let advice = [
        "Look up the notify in the sender's logs: it names the exact check that failed.",
        "For authentication errors compare PSK, identities (IDi/IDr, leftid/rightid) and certificates on both sides.",
    ]
    /// Handled by their own rules.
    static let dedicated: Set<IKENotifyType> = [.noProposalChosen, .invalidKEPayload, .invalidMajorVersion, .tsUnacceptable,
                                                VirtualIPRefused.internalAddressFailure, VirtualIPRefused.failedCPRequired]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        var findings: [Finding] = []
        var seen = Set<UInt16>()
        // A refusal proven to be about identities is IdentityMismatch's.
        if let refusal = IdentityMismatch.refusal(in: s) { seen.formUnion(refusal.refuser.notifies.map(\.rawValue)) }
        for sa in s.ike {
            for m in sa.messages where m.retransmissionOf == nil {
                for (type, name) in zip(m.notifies, m.notifyNames) where type.isError && !Self.dedicated.contains(type) {
                    guard seen.insert(type.rawValue).inserted else { continue }
                    let frames = sa.messages.filter { $0.notifies.contains(type) }.map(\.frame)
                    let stage: Stage = m.step.exchange == .quickMode ? .childSA : (s.stoppedAt ?? .ikeSAInit)
                    var evidence = [Evidence("\(name) from \(m.source) in \(m.step)", frames: frames, time: m.time)]
                    // Decrypted identities the refusal answered: a wrong key and an unknown identity
                    // look the same on the wire, so both are named.
                    if type == .authenticationFailed,
                       let request = sa.messages.last(where: { $0.frame < m.frame && $0.fromInitiator != m.fromInitiator && !$0.identities.isEmpty }) {
                        evidence.append(Evidence("it answered \(request.identities.joined(separator: ", ")) (\(request.step.shortName)): a key mismatch, or an identity the \(m.fromInitiator ? "initiator" : "responder") has no configuration for",
                                                 frames: [request.frame], time: request.time))
                    }
                    findings.append(self.finding(
                        s, stage: stage, "The \(m.fromInitiator ? "initiator" : "responder") sent \(name) (\(m.step)).",
                        evidence: evidence))
                }
            }
        }
        return findings
    }
}
