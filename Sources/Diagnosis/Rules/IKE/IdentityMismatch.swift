import Sessions

/// Only decryption shows it (issue 16): the identities travel encrypted (IKEv2 IKE_AUTH, IKEv1
/// MM5/MM6). A bare AUTHENTICATION_FAILED answer to IKE_AUTH cannot tell a wrong identity from a
/// wrong key, so this rule fires only where the key is proven right: the refusing peer had already
/// verified (IKEv2) or decrypted (IKEv1) the other's message.
struct IdentityMismatch: SessionRule {
    static let id: RuleID = "ike.identity-mismatch"
    static let title = "A peer refused the other's identity (IDi/IDr, decrypted)"
    static let severity = Severity.error
    static let explanation = """
        A peer refused the other with AUTHENTICATION_FAILED or INVALID_ID_INFORMATION although the keys \
        match: the identity the other sent (IKEv2 IDi/IDr, IKEv1 ID in MM5/MM6) is not one its configuration \
        accepts. In IKEv2 the responder sent its own IDr and AUTH, so it had verified the initiator, and the \
        initiator then refused the responder's identity; in IKEv1 the responder decrypted MM5 (a wrong PSK \
        makes that impossible) and refused the identity in it. The identities travel encrypted: this is \
        read from payloads decrypted with the keys given (--keys).
        """
    static let advice = [
        "Make the identity one side sends and the identity the other expects the same (strongSwan local.id/remote.id, leftid/rightid; Windows: the server name or certificate subject).",
        "An FQDN identity is compared as text, not resolved: 'gw.example' and 'vpn.example' differ even when both resolve to the server.",
    ]

    /// Who refused whose identity, with the messages that show it.
    struct Refusal {
        var refuser: IKEMessageRecord
        var refusedIdentity: IKEMessageRecord
        /// The identity the refused side sent, and the one the refuser asked for (IKEv2 IDr in the request).
        var sent: String
        var asked: String?
        var refuserIsInitiator: Bool
    }

    static func refusal(in s: Session) -> Refusal? {
        let refusals = s.ikeMessages {
            $0.retransmissionOf == nil && ($0.notifies.contains(.authenticationFailed) || $0.notifies.contains(.invalidIDInformation))
        }
        guard !refusals.isEmpty else { return nil }
        let all = s.ikeMessages { $0.retransmissionOf == nil }
        for refuser in refusals {
            let earlier = all.filter { $0.frame < refuser.frame && $0.fromInitiator != refuser.fromInitiator && !$0.identities.isEmpty }
            guard let other = earlier.last, let sent = other.identities.first else { continue }
            // IKEv2: the responder's IKE_AUTH response held its IDr (so it had verified the
            // initiator), and the initiator refused it afterwards.
            if refuser.fromInitiator, other.step.exchange == .ikeAuth, other.step.isResponse, sent.hasPrefix("IDr ") {
                let request = all.last { $0.frame < other.frame && $0.fromInitiator && $0.step.exchange == .ikeAuth }
                return Refusal(refuser: refuser, refusedIdentity: other, sent: String(sent.dropFirst(4)),
                               asked: request?.identities.first { $0.hasPrefix("IDr ") }.map { String($0.dropFirst(4)) },
                               refuserIsInitiator: true)
            }
            // IKEv1: the responder answered MM5 with an encrypted notify that decrypted with the
            // same phase-1 keys, so it had decrypted MM5 and read the ID in it.
            if !refuser.fromInitiator, refuser.encrypted, other.step.exchange == .mainMode || other.step.exchange == .aggressiveMode,
               sent.hasPrefix("ID ") {
                return Refusal(refuser: refuser, refusedIdentity: other, sent: String(sent.dropFirst(3)), asked: nil,
                               refuserIsInitiator: false)
            }
        }
        return nil
    }

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let r = Self.refusal(in: s) else { return [] }
        let notify = r.refuser.notifyNames.first { $0.contains("AUTHENTICATION") || $0.contains("INVALID") } ?? "AUTHENTICATION_FAILED"
        let (refuser, refused) = r.refuserIsInitiator ? ("client", "server") : ("server", "client")
        var evidence = [Evidence("the \(refused) identified itself as \(r.sent) (\(r.refusedIdentity.step.shortName))",
                                 frames: [r.refusedIdentity.frame], time: r.refusedIdentity.time)]
        if let asked = r.asked { evidence.append(Evidence("the \(refuser) had asked for \(asked) (IDr in its IKE_AUTH request)")) }
        evidence.append(Evidence("\(notify) from the \(refuser) in \(r.refuser.step)", frames: [r.refuser.frame], time: r.refuser.time))
        let proof = r.refuserIsInitiator ? "after the server had verified the client with the same key"
                                         : "after decrypting it, so the pre-shared key matches"
        let change = r.refuserIsInitiator
            ? "Change the identity the client expects of the server (remote.id/rightid) to \(r.sent), or the server's own identity (local.id/leftid) to the one the client expects."
            : "Add \(r.sent) as the client identity the server accepts (remote.id/rightid), or change the client's own identity (local.id/leftid) to the one the server expects."
        return [self.finding(s, stage: r.refusedIdentity.step.exchange == .ikeAuth ? .ikeAuth : .ikeSAInit,
                             "The \(refuser) refused the \(refused)'s identity \(r.sent) (\(notify)) \(proof).",
                             evidence: evidence, advice: [change] + Self.advice)]
    }
}
