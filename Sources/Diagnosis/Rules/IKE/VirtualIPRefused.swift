import Sessions

/// Only decryption shows it (issue 16): the configuration payloads and the notify travel inside
/// SK, so without keys this is Phase2Failed's inference (an IKE SA without a child SA).
struct VirtualIPRefused: SessionRule {
    static let id: RuleID = "ike.virtual-ip-refused"
    static let title = "The server gave the client no virtual IP (INTERNAL_ADDRESS_FAILURE, decrypted)"
    static let severity = Severity.error
    static let explanation = """
        The client asked for a virtual IP (IKEv2 configuration payload CFG_REQUEST with \
        INTERNAL_IP4_ADDRESS or INTERNAL_IP6_ADDRESS) and the server answered INTERNAL_ADDRESS_FAILURE: it \
        has no address pool for this connection, the pool is exhausted, or it will not give the address \
        asked for. FAILED_CP_REQUIRED is the reverse: the server requires the request and the client sent \
        none. Either way no child SA is built. Both the request and the notify travel encrypted: this is \
        read from payloads decrypted with the keys given (--keys).
        """
    static let advice = [
        "On the server, give the connection an address pool that has free addresses (strongSwan pools/rightsourceip, Windows RRAS static address pool).",
        "A client asking for one fixed address (strongSwan vips/leftsourceip=10.x.y.z) gets it only if the server's pool contains it; ask for any address (0.0.0.0, %config) instead.",
    ]
    static let internalAddressFailure = IKENotifyType(rawValue: 36)
    static let failedCPRequired = IKENotifyType(rawValue: 37)

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let refusal = s.ikeMessages(where: {
            $0.retransmissionOf == nil && ($0.notifies.contains(Self.internalAddressFailure) || $0.notifies.contains(Self.failedCPRequired))
        }).first else { return [] }
        let all = s.ikeMessages { $0.retransmissionOf == nil }
        let required = refusal.notifies.contains(Self.failedCPRequired)
        let request = all.last { $0.frame < refusal.frame && $0.fromInitiator && $0.messageID == refusal.messageID }
        var evidence = [Evidence("\(required ? "FAILED_CP_REQUIRED" : "INTERNAL_ADDRESS_FAILURE") from \(refusal.source) in \(refusal.step)",
                                 frames: [refusal.frame], time: refusal.time)]
        let summary: String
        if required {
            summary = "The server requires a virtual IP request the client did not send (FAILED_CP_REQUIRED)."
        } else {
            let asked = request?.configuration?.specific ?? []
            let what = asked.isEmpty ? "a virtual IP" : "the virtual IP \(asked.joined(separator: ", "))"
            summary = "The server refused \(what) the client asked for (INTERNAL_ADDRESS_FAILURE)."
        }
        if let request {
            evidence.insert(Evidence(request.configuration.map { "the client's CFG_REQUEST asked for \(Self.describe($0.addresses))" }
                                     ?? "the client's request carried no configuration payload", frames: [request.frame], time: request.time), at: 0)
        }
        return [self.finding(s, stage: .childSA, summary, evidence: evidence)]
    }

    /// "10.99.70.5", "any address".
    static func describe(_ addresses: [String]) -> String {
        let specific = addresses.filter { !$0.isEmpty && $0 != "0.0.0.0" && $0 != "::" }
        return specific.isEmpty ? "any address" : specific.joined(separator: ", ")
    }
}
