import Sessions

struct AuthFailedV2: SessionRule {
    static let id: RuleID = "ikev2.auth-failed-likely"
    static let title = "IKEv2 authentication likely failed (short IKE_AUTH response)"
    static let severity = Severity.error
    static let explanation = """
        IKE_SA_INIT completed, then the responder answered IKE_AUTH with a message too short to hold its \
        identity, authentication and child SA: it carries only an encrypted notify, almost always \
        AUTHENTICATION_FAILED (wrong PSK, EAP credentials, certificate or identity). No child SA and no ESP \
        follow. The notify is encrypted, so this is an inference from the size.
        """
    static let advice = [
        "Check the server's log for the reason (strongSwan: \"received AUTHENTICATION_FAILED notify\" on the client; \"tried N shared keys … but MAC mismatched\" on the server).",
        "Compare PSK / EAP user and password / certificates and the identities (IDi/IDr, leftid/rightid) on both sides.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let rung = s.stage(.ikeAuth), rung.status == .failed, s.primaryIKE?.version == 2 else { return [] }
        let auth = s.ikeMessages { $0.step.exchange == .ikeAuth }
        guard let response = auth.last(where: \.step.isResponse) else { return [] }
        let request = auth.first { !$0.step.isResponse }
        return [self.finding(s, stage: .ikeAuth,
                             "The server answered IKE_AUTH with a short message (\(response.length) bytes) and no ESP followed: authentication likely failed.",
                             evidence: [Evidence("IKE_AUTH request (\(request?.length ?? 0) bytes)", frames: request.map { [$0.frame] } ?? []),
                                        Evidence("IKE_AUTH response of \(response.length) bytes: room for one encrypted notify only", frames: [response.frame], time: response.time),
                                        Evidence("no ESP between the peers")],
                             confidence: .medium)]
    }
}
