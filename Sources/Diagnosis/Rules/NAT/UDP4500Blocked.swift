import Sessions

struct UDP4500Blocked: SessionRule {
    static let id: RuleID = "nat.udp4500-blocked"
    static let title = "IKE moved to UDP 4500 (NAT-T) and was never answered there"
    static let severity = Severity.error
    static let explanation = """
        The peers detected NAT (or one forces encapsulation) and, as NAT-T requires, the initiator continued on \
        UDP 4500 (RFC 3947/7296). UDP 500 worked, but nothing comes back on 4500: a firewall or router on the \
        path lets UDP 500 through and drops UDP 4500.
        """
    static let advice = [
        "Allow UDP 4500 in both directions between client and server (firewalls, cloud security groups, router port forwarding).",
        "If the server is behind NAT, forward UDP 4500 to it as well as UDP 500.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture else { return [] }
        for sa in s.ike {
            let on4500 = sa.messages.filter(\.onNATTPort)
            let answered500 = sa.messages.contains { !$0.fromInitiator && !$0.onNATTPort }
            // Answered on any port after the float (e.g. an Informational on 500), or lost as IP
            // fragments (ike.fragments-lost), is not a blocked port.
            guard let first = on4500.first, answered500, on4500.allSatisfy(\.fromInitiator),
                  !sa.messages.contains(where: { !$0.fromInitiator && $0.time > first.time }),
                  on4500.allSatisfy({ $0.ipFragments.isEmpty }),
                  !s.esp.contains(where: { $0.source == s.server }) else { continue }
            guard on4500.count > 1 || a.capture.duration - first.time >= 5 else { continue }
            return [self.finding(s, stage: first.step.exchange == .quickMode ? .childSA : .ikeAuth,
                                 "IKE on UDP 4500 (\(first.step)) \(Text.repeated(on4500)), never answered, while UDP 500 was: UDP 4500 is blocked.",
                                 evidence: [Evidence("answered on UDP 500", frames: sa.messages.filter { !$0.onNATTPort }.map(\.frame)),
                                            Evidence("\(first.step) on UDP 4500 from \(first.source) to \(first.destination), no answer",
                                                     frames: on4500.map(\.frame), time: first.time)])]
        }
        return self.silentAfterNATDetection(s, in: a).map { [$0] } ?? []
    }

    /// Seen at the server: IKE_SA_INIT completed with NAT detected (so the next message must come on
    /// UDP 4500), and then nothing arrives at all.
    func silentAfterNATDetection(_ s: Session, in a: Analysis) -> Finding? {
        guard let sa = s.primaryIKE, sa.version == 2, let nat = s.nat, nat.anyNAT || !nat.forcedEncapsulation.isEmpty,
              let response = sa.messages.last(where: { $0.step.exchange == .ikeSAInit && $0.step.isResponse }),
              !sa.messages.contains(where: { $0.step.exchange != .ikeSAInit }), s.esp.isEmpty,
              // IP fragments of the next message did arrive (on 4500): ike.fragments-lost, not a blocked port.
              s.incompleteFragmentFrames.isEmpty,
              a.capture.duration - response.time >= 4 else { return nil }
        return self.finding(s, stage: .ikeAuth,
                            "IKE_SA_INIT completed and its NAT-D moves IKE to UDP 4500, but nothing arrived there: UDP 4500 is likely blocked.",
                            evidence: [Evidence("IKE_SA_INIT on UDP 500, NAT-D: \(nat.anyNAT ? "NAT detected" : "UDP encapsulation forced")", frames: sa.messages.map(\.frame), time: response.time),
                                       Evidence("no IKE_AUTH on UDP 4500 in the \(Text.seconds(a.capture.duration - response.time)) that follow")],
                            confidence: .medium)
    }
}
