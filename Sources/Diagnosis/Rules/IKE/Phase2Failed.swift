import Sessions

struct Phase2Failed: SessionRule {
    static let id: RuleID = "ike.phase2-failed"
    static let title = "The child SA (phase 2 / Quick Mode) was not established"
    static let severity = Severity.error
    static let explanation = """
        Phase 1 and authentication succeeded, but the child SA that carries traffic was not: Quick Mode \
        stops (QM1 unanswered or answered by an encrypted Informational), or IKEv2 IKE_AUTH completes and is \
        followed by an INFORMATIONAL instead of ESP, or every CREATE_CHILD_SA response (a childless IKE_AUTH, \
        RFC 6023, creates its child SAs there) is too short to carry one. The likely causes are an ESP proposal mismatch \
        (NO_PROPOSAL_CHOSEN for esp=/phase2 algorithms or PFS group) or traffic selectors that do not match \
        (TS_UNACCEPTABLE / INVALID-ID-INFORMATION: leftsubnet/rightsubnet, L2TP's UDP 1701 transport policy). \
        The reason is encrypted; this is an inference.
        """
    static let advice = [
        "Compare the ESP (phase 2) proposals on both sides, including the PFS/DH group setting.",
        "Compare the traffic selectors (local/remote subnets or protocol/port; for L2TP/IPsec: transport mode, UDP 1701).",
        "The server's log names the exact reason.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.status(.childSA) == .failed, let sa = s.primaryIKE else { return [] }
        if sa.version == 1 {
            let qm = s.ike.flatMap { $0.messages(.quickMode) }
            guard let qm1 = qm.first else { return [] }
            let infos = s.ike.flatMap { $0.messages(.informationalV1) }.filter { $0.time >= qm1.time }
            let last = qm.filter { $0.retransmissionOf == nil }.last!
            if s.stage(.childSA)?.detail == StageResult.initiatorRefusedQM2 {
                return [self.finding(s, stage: .childSA,
                                     "The initiator refused the responder's Quick Mode answer: it sent an encrypted Informational instead of QM3.",
                                     evidence: [Evidence("QM1–QM2", frames: qm.map(\.frame), time: qm1.time),
                                                Evidence("Informational from the initiator after QM2", frames: infos.filter(\.fromInitiator).map(\.frame))],
                                     advice: ["The responder chose something the initiator does not accept: compare the PFS/DH group, the lifetimes and the traffic selectors (the responder may narrow them).",
                                              "Or the initiator could not install the SA it had just agreed: its IPsec stack lacks the mode (transport mode) or the algorithm the proposal names.",
                                              "The initiator's log names the reason (e.g. INVALID_ID_INFORMATION, NO_PROPOSAL_CHOSEN, INVALID_KEY_INFORMATION)."],
                                     confidence: .medium)]
            }
            return [self.finding(s, stage: .childSA, "Quick Mode stopped after \(last.step): the child SA was likely refused.",
                                 evidence: [Evidence("Quick Mode \(Text.repeated(qm.filter { $0.step.index == 1 }))", frames: qm.map(\.frame), time: qm1.time)]
                                     + (infos.isEmpty ? [] : [Evidence("Informational after QM1", frames: infos.map(\.frame))]),
                                 confidence: infos.isEmpty ? .low : .medium)]
        }
        let all = s.allIKEMessages
        if let rung = s.stage(.childSA), rung.label == "CREATE_CHILD_SA", let detail = rung.detail {
            return [self.finding(s, stage: .childSA, "The child SA was refused in CREATE_CHILD_SA (the IKE SA is up, no ESP).",
                                 evidence: [Evidence(detail, frames: rung.frames, time: rung.start), Evidence("no ESP between the peers")],
                                 confidence: .medium)]
        }
        guard let authResponse = all.last(where: { $0.step.exchange == .ikeAuth && $0.step.isResponse }) else { return [] }
        let infos = all.filter { $0.step.exchange == .informational && $0.time >= authResponse.time && $0.time - authResponse.time < 10 }
        var evidence = [Evidence("IKE_AUTH response (\(authResponse.length) bytes)", frames: [authResponse.frame], time: authResponse.time),
                        Evidence("no ESP between the peers")]
        if let detail = s.stage(.childSA)?.detail, detail.contains("no room") {
            evidence.append(Evidence(detail, frames: s.stage(.childSA)?.frames ?? []))
        }
        if let info = infos.first {
            evidence.append(Evidence("INFORMATIONAL \(Text.seconds(info.time - authResponse.time)) after IKE_AUTH", frames: infos.map(\.frame), time: info.time))
        }
        return [self.finding(s, stage: .childSA, "IKE_AUTH completed but no child SA followed (no ESP): the child SA was likely refused.",
                             evidence: evidence, confidence: evidence.count > 2 ? .medium : .low)]
    }
}
