import Sessions

struct AggressiveAuthFailed: SessionRule {
    static let id: RuleID = "ikev1.aggressive-auth-failed"
    static let title = "IKEv1 Aggressive Mode authentication likely failed"
    static let severity = Severity.error
    static let explanation = """
        In Aggressive Mode the responder's message 2 already carries its authentication hash. When the \
        initiator then sends an Informational instead of (or right after) message 3, it rejected that hash \
        (different PSK or identity), or the responder rejected the initiator's message 3. Inferred from the \
        message sequence.
        """
    static let advice = [
        "Compare the pre-shared key and the identities (Aggressive Mode selects the PSK by the client's ID).",
        "Prefer Main Mode or IKEv2: Aggressive Mode with PSK exposes a crackable hash.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let sa = s.primaryIKE, sa.version == 1, sa.phase1 == .aggressiveMode,
              let am2 = sa.messages(.aggressiveMode, index: 2).first, !sa.has(.quickMode) else { return [] }
        let infos = sa.messages(.informationalV1).filter { $0.time >= am2.time }
        guard let info = infos.first else { return [] }
        let am3 = sa.messages(.aggressiveMode, index: 3)
        return [self.finding(s, stage: .ikeAuth,
                             "The \(info.fromInitiator ? "initiator" : "responder") sent an Informational after AM2: Aggressive Mode authentication likely failed.",
                             evidence: [Evidence("AM2 from the server", frames: [am2.frame], time: am2.time),
                                        Evidence(am3.isEmpty ? "no AM3" : "AM3 sent", frames: am3.map(\.frame)),
                                        Evidence("Informational from the \(info.fromInitiator ? "client" : "server")\(info.notifyNames.isEmpty ? " (encrypted)" : ": " + info.notifyNames.joined(separator: ", "))",
                                                 frames: infos.map(\.frame), time: info.time)],
                             confidence: info.notifyNames.isEmpty ? .medium : .high)]
    }
}
