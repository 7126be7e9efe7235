import Sessions

struct NATDetected: SessionRule {
    static let id: RuleID = "nat.detected"
    static let title = "NAT between the peers (from the NAT-D hashes)"
    static let severity = Severity.info
    static let explanation = """
        Each peer sends hashes of the addresses and ports it believes it and its peer have (NAT-D, RFC 3947; \
        NAT_DETECTION_*_IP, RFC 7296 §2.23). Recomputing them against the addresses seen at the capture \
        point shows which side's address is translated. With NAT the peers move IKE to UDP 4500 and wrap ESP \
        in UDP (NAT-T), so UDP 4500 must be open, and some clients (Windows) refuse a server behind NAT by \
        default.
        """
    static let advice = ["Allow UDP 4500 both ways as well as UDP 500.",
                         "If the server is behind NAT, forward UDP 500 and 4500 to it."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let nat = s.nat, nat.anyNAT || !nat.possiblyBehindNAT.isEmpty else { return [] }
        var parts: [String] = []
        if nat.clientBehindNAT && nat.serverBehindNAT { parts.append("both the client and the server are behind NAT") }
        else if nat.clientBehindNAT { parts.append("the client is behind NAT") }
        else if nat.serverBehindNAT { parts.append("the server is behind NAT") }
        for side in nat.possiblyBehindNAT {
            parts.append("the \(side.rawValue) is likely behind NAT or forces UDP encapsulation (its NAT-D hash matches no address seen here)")
        }
        let evidence = nat.details.filter { $0.contains("behind NAT") && !$0.contains("cannot tell") }.map { Evidence($0) }
            + [Evidence("NAT-D payloads", frames: nat.frames)]
        return [self.finding(s, stage: .ikeSAInit, "NAT detected: " + parts.joined(separator: "; ") + ".", evidence: evidence,
                             confidence: nat.anyNAT ? (nat.confidence == "high" ? .high : .medium) : .low)]
    }
}
