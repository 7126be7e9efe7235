import Sessions

struct ForcedEncapsulation: SessionRule {
    static let id: RuleID = "nat.forced-encapsulation"
    static let title = "A peer forces UDP encapsulation (fake NAT-D hash)"
    static let severity = Severity.info
    static let explanation = """
        The peer's NAT-D source hash matches no address it could have, although its packets reach the capture \
        point without crossing a router: it deliberately sends a wrong hash so that both sides believe there \
        is NAT and use UDP 4500 with UDP-encapsulated ESP (strongSwan `encap = yes`, userspace IPsec such as \
        kernel-libipsec, some cloud setups). Not an error, but UDP 4500 must then be open even without NAT.
        """
    static let advice = ["Make sure UDP 4500 is open both ways; raw ESP (IP protocol 50) will not be used."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let nat = s.nat, !nat.forcedEncapsulation.isEmpty else { return [] }
        let who = nat.forcedEncapsulation.map(\.rawValue).joined(separator: " and the ")
        return [self.finding(s, stage: .ikeSAInit, nat.forcedEncapsulation.count > 1
                             ? "The \(who) force UDP encapsulation: their NAT-D source hashes match no address they could have."
                             : "The \(who) forces UDP encapsulation: its NAT-D source hash matches no address it could have.",
                             evidence: nat.details.filter { $0.contains("forces") }.map { Evidence($0) } + [Evidence("NAT-D payloads", frames: nat.frames)],
                             confidence: .medium)]
    }
}
