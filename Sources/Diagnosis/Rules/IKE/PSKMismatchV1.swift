import Sessions

struct PSKMismatchV1: SessionRule {
    static let id: RuleID = "ikev1.psk-mismatch-likely"
    static let title = "IKEv1 Main Mode fails at authentication: likely a pre-shared key mismatch"
    static let severity = Severity.error
    static let explanation = """
        Main Mode messages 1–4 completed (the proposal and the Diffie-Hellman exchange are fine), then \
        message 5 — the first encrypted one, carrying identity and the hash that proves the pre-shared key — \
        is repeated without an answer, or answered by an Informational (PAYLOAD-MALFORMED, \
        INVALID-HASH-INFORMATION, or an encrypted one). With a different PSK the responder derives different \
        keys, cannot decrypt message 5 and drops it: Cisco shows MM_WAIT_MSG5/6, Windows error 789. This is \
        inferred from encrypted traffic; a wrong identity (ID) or certificate produces the same picture.
        """
    static let advice = [
        "Compare the pre-shared key on both sides (watch for trailing spaces, quoting, and per-peer secrets selected by ID or address).",
        "Check the identities: the responder selects the PSK by the client's ID or IP (behind NAT the client's ID is its private address).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let sa = s.primaryIKE, sa.version == 1, sa.phase1 == .mainMode,
              sa.has(.mainMode, index: 4), !sa.has(.quickMode) else { return [] }
        let mm5 = sa.messages(.mainMode, index: 5)
        let mm6 = sa.messages(.mainMode, index: 6)
        guard let first5 = mm5.first else { return [] }
        let infos = sa.messages(.informationalV1).filter { $0.time >= first5.time }
        let hashErrors = infos.filter { $0.notifies.contains(.invalidHashInformation) || $0.notifies.contains(.payloadMalformed) }
        guard mm6.isEmpty ? (mm5.count > 1 || !infos.isEmpty) : !infos.isEmpty else { return [] }
        var evidence = [Evidence("MM5 (encrypted ID + hash) \(Text.repeated(mm5))\(mm6.isEmpty ? ", no MM6" : "")", frames: mm5.map(\.frame), time: first5.time)]
        if !infos.isEmpty {
            evidence.append(Evidence("answered by an Informational from the \(infos[0].fromInitiator ? "client" : "server")\(hashErrors.isEmpty ? " (encrypted: the keys differ)" : ": " + Set(hashErrors.flatMap(\.notifyNames)).sorted().joined(separator: ", "))",
                                     frames: infos.map(\.frame)))
        }
        evidence.append(Evidence("MM1–MM4 completed: proposal and Diffie-Hellman are fine",
                                 frames: sa.messages.filter { $0.step.exchange == .mainMode && $0.step.index <= 4 }.map(\.frame)))
        return [self.finding(s, stage: .ikeAuth, "Main Mode stops at message 5 after a clean MM1–MM4: likely a pre-shared key mismatch.",
                             evidence: evidence, confidence: hashErrors.isEmpty ? .medium : .high)]
    }
}
