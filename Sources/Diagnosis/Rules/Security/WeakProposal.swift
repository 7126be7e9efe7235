import Sessions

struct WeakProposal: SessionRule {
    static let id: RuleID = "security.weak-proposal"
    static let title = "Weak IKE algorithms (DES, 3DES, MD5, modp768/1024)"
    static let severity = Severity.warning
    static let lowerSeverities: [Severity] = [.info]
    static let explanation = """
        The IKE SA uses (or offers) algorithms that are broken or too weak today: DES and 3DES (64-bit blocks), \
        MD5, and Diffie-Hellman groups 1 and 2 (768/1024-bit MODP, within reach of a large attacker).
        """
    static let advice = ["Use AES-GCM or AES-CBC with SHA2-256 or better, and DH group 14, 19, 20 or 31 on both sides; remove the weak ones."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        var findings: [Finding] = []
        for sa in s.ike {
            let chosen = sa.chosenProposal.map { [$0] } ?? []
            let list = chosen.isEmpty ? sa.offeredProposals : chosen
            let weak = Set(list.flatMap(\.algorithms).filter { IKEAlgorithmNames.isWeak($0, version: sa.version) }
                .map { IKEAlgorithmNames.name($0, version: sa.version) }).sorted()
            guard !weak.isEmpty else { continue }
            let frames = sa.messages.filter { $0.retransmissionOf == nil }.prefix(2).map(\.frame)
            if !chosen.isEmpty {
                findings.append(self.finding(s, stage: .ikeSAInit, "The IKE SA was negotiated with weak algorithms: \(weak.joined(separator: ", ")).",
                                             evidence: [Evidence("chosen proposal", frames: frames)]))
            } else {
                findings.append(self.finding(s, stage: .ikeSAInit, "The initiator offers weak algorithms: \(weak.joined(separator: ", ")).",
                                             evidence: [Evidence("offered proposals", frames: Array(frames.prefix(1)))], severity: .info))
            }
            break
        }
        return findings
    }
}
