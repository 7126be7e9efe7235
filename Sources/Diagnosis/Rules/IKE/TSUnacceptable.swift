import Sessions

/// Only decryption shows it (issue 16): IKEv2 carries TS_UNACCEPTABLE and the traffic selectors
/// inside SK, so without keys this is Phase2Failed's inference.
struct TSUnacceptable: SessionRule {
    static let id: RuleID = "ike.ts-mismatch"
    static let title = "The peers' traffic selectors do not match (TS_UNACCEPTABLE, decrypted)"
    static let severity = Severity.error
    static let explanation = """
        The responder answered the child SA request with TS_UNACCEPTABLE: the traffic selectors the \
        initiator proposed (TSi: its side's addresses, protocol and ports; TSr: the other side's) fit none \
        of the responder's policies. The IKE SA is up, no child SA and no ESP follow. Both the notify and \
        the selectors travel encrypted: this is read from payloads decrypted with the keys given (--keys).
        """
    static let advice = [
        "Make the initiator's local/remote subnets (TSi/TSr) fall inside the responder's remote/local subnets (strongSwan local_ts/remote_ts, leftsubnet/rightsubnet).",
        "For L2TP/IPsec both sides need the same transport-mode selector: UDP port 1701 between the two hosts.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let refusal = s.ikeMessages(where: { $0.notifies.contains(.tsUnacceptable) && $0.retransmissionOf == nil }).first else { return [] }
        let all = s.allIKEMessages
        let request = all.last { !$0.step.isResponse && $0.messageID == refusal.messageID && !$0.trafficSelectors.isEmpty }
        let answered = all.last { $0.step.isResponse && !$0.trafficSelectors.isEmpty }
        var evidence = [Evidence("TS_UNACCEPTABLE from \(refusal.source) in \(refusal.step)", frames: [refusal.frame], time: refusal.time)]
        if let request {
            evidence.append(Evidence("the initiator proposed \(request.trafficSelectors.joined(separator: "; "))", frames: [request.frame], time: request.time))
        }
        evidence.append(Evidence(answered.map { "the responder's own selectors (an earlier child SA): \($0.trafficSelectors.joined(separator: "; "))" }
                                 ?? "the responder's own selectors are not sent with TS_UNACCEPTABLE: compare them in its configuration",
                                 frames: answered.map { [$0.frame] } ?? []))
        let proposed = request.map { ": \($0.trafficSelectors.joined(separator: "; "))" } ?? ""
        return [self.finding(s, stage: .childSA, "The server refused the traffic selectors\(proposed) (TS_UNACCEPTABLE).",
                             evidence: evidence)]
    }
}
