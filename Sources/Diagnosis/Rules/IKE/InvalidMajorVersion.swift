import Sessions

struct InvalidMajorVersion: SessionRule {
    static let id: RuleID = "ike.invalid-major-version"
    static let title = "The peer does not speak this IKE version (IKEv2 to an IKEv1-only peer)"
    static let severity = Severity.error
    static let explanation = """
        The responder answered INVALID_MAJOR_VERSION, or answered IKEv2 requests with IKEv1 messages: it only \
        speaks the other IKE version. A client set to IKEv2 (keyexchange=ikev2, Windows "IKEv2") cannot connect \
        to an IKEv1-only server (L2TP/IPsec, older Cisco/Fortinet/Windows RRAS setups), and vice versa.
        """
    static let advice = [
        "Configure both sides with the same IKE version (keyexchange=ikev1 or ikev2; on Windows choose the VPN type accordingly).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let hits = s.ikeMessages { $0.notifies.contains(.invalidMajorVersion) }
        if let first = hits.first {
            return [self.finding(s, stage: .ikeSAInit, "The \(first.fromInitiator ? "client" : "server") answered INVALID_MAJOR_VERSION: the peers speak different IKE versions.",
                                 evidence: [Evidence("INVALID_MAJOR_VERSION", frames: hits.map(\.frame), time: first.time)])]
        }
        // IKEv2 requests unanswered in v2, while the server talks IKEv1 to the client.
        let v2Unanswered = s.ike.filter { $0.version == 2 && $0.messages.allSatisfy(\.fromInitiator) }
        let v1FromServer = s.ike.filter { $0.version == 1 }.flatMap(\.messages).filter { $0.source.address == s.server }
        if let v2 = v2Unanswered.first, let v1 = v1FromServer.first, v1.time >= (v2.messages.first?.time ?? 0) {
            return [self.finding(s, stage: .ikeSAInit, "The server answers IKEv2 requests with IKEv1: it only speaks IKEv1.",
                                 evidence: [Evidence("IKEv2 IKE_SA_INIT from the client", frames: v2.messages.map(\.frame)),
                                            Evidence("IKEv1 \(v1.exchange) from the server", frames: [v1.frame], time: v1.time)])]
        }
        return []
    }
}
