import Sessions

struct AggressiveModePSK: SessionRule {
    static let id: RuleID = "security.aggressive-mode-psk"
    static let title = "IKEv1 Aggressive Mode with a pre-shared key"
    static let severity = Severity.warning
    static let explanation = """
        In Aggressive Mode the responder sends its PSK-keyed hash in cleartext before any encryption, so a \
        passive observer (or anyone who sends one packet, cf. ike-scan --aggressive) can crack the PSK offline.
        """
    static let advice = ["Use Main Mode or, better, IKEv2; if Aggressive Mode is unavoidable, use a long random PSK or certificates."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let sa = s.ike.first(where: { $0.phase1 == .aggressiveMode }) else { return [] }
        let methods = (sa.chosenProposal.map { [$0] } ?? sa.offeredProposals).compactMap { $0.first(.authMethod)?.id }
        guard methods.contains(where: { [1, 65001, 65002].contains($0) }) else { return [] }
        return [self.finding(s, stage: .ikeSAInit, "IKEv1 Aggressive Mode with a pre-shared key exposes a crackable hash.",
                             evidence: [Evidence("Aggressive Mode, PSK authentication", frames: sa.messages.prefix(2).map(\.frame))])]
    }
}
