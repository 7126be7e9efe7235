import Sessions

struct NoProposalChosen: SessionRule {
    static let id: RuleID = "ike.no-proposal-chosen"
    static let title = "The peers share no acceptable IKE proposal"
    static let severity = Severity.error
    static let explanation = """
        The responder answered with NO_PROPOSAL_CHOSEN: none of the algorithm combinations the initiator \
        offered (encryption, integrity/hash, PRF, DH group, authentication method) is allowed on the responder. \
        In IKE_SA_INIT / Main Mode message 2 this concerns the IKE SA; for the child SA (ESP proposal) the \
        same notify arrives inside the encrypted IKE_AUTH or Quick Mode and is not visible here.
        """
    static let advice = [
        "Make the proposal lists overlap: compare the client's offer (listed in the evidence) with the server's configured ike= / esp= proposals.",
        "Prefer modern common ground: AES-GCM or AES-CBC with SHA2-256, DH group 14, 19 or 20.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        var findings: [Finding] = []
        for sa in s.ike {
            let hits = sa.messages.filter { $0.notifies.contains(.noProposalChosen) }
            guard let first = hits.first else { continue }
            let offered = sa.offeredProposals.prefix(6).map { p in
                p.algorithms.map { IKEAlgorithmNames.name($0, version: sa.version) }.joined(separator: "/")
            }
            var evidence = [Evidence("\(first.step) from \(first.source) carries NO_PROPOSAL_CHOSEN", frames: hits.map(\.frame), time: first.time)]
            if !offered.isEmpty {
                evidence.append(Evidence("offered: " + offered.joined(separator: "; "),
                                         frames: sa.messages.filter { $0.fromInitiator }.prefix(1).map(\.frame)))
            }
            let stage: Stage = [.quickMode, .createChildSA, .ikeAuth].contains(first.step.exchange) ? .childSA : .ikeSAInit
            findings.append(self.finding(s, stage: stage, "The \(first.fromInitiator ? "initiator" : "server") rejected every proposal (NO_PROPOSAL_CHOSEN).",
                                         evidence: evidence))
        }
        return findings
    }
}
