import Decoding
import Sessions

struct ICMPUnreachable: SessionRule {
    static let id: RuleID = "icmp.unreachable"
    static let title = "A router or the peer reports a VPN packet as undeliverable (ICMP)"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.warning]
    static let explanation = """
        An ICMP or ICMPv6 error quotes one of the session's packets: "administratively prohibited" (a \
        firewall rejects it), "protocol unreachable" (the host does not handle ESP or GRE), "host/network \
        unreachable" (routing), or "fragmentation needed / packet too big" (the path MTU is smaller than the \
        packet, which matters for large IKE messages and for ESP with the don't-fragment bit). The quoted \
        header says which packet and which stage it broke. IKE port-unreachable errors have their own finding.
        """
    static let advice = [
        "Administratively prohibited: open that protocol/port on the firewall named by the ICMP sender's address.",
        "Fragmentation needed: lower the MTU/MSS inside the tunnel, or enable IKE fragmentation for large IKE messages.",
        "Host or network unreachable: check routing towards the peer.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        let errors = s.icmpErrors.filter { !($0.isPortUnreachable && [.ike, .natTraversal, .openvpn].contains($0.quotedEntry?.service)) }
        var findings: [Finding] = []
        for (key, group) in Dictionary(grouping: errors, by: { "\($0.meaning)|\($0.quotedWhat)" }).sorted(by: { $0.key < $1.key }) {
            guard let first = group.first, !key.isEmpty else { continue }
            let who = first.reporter == s.server ? "the server" : first.reporter == s.client ? "the client" : "router \(first.reporter)"
            let fatal = first.isPortUnreachable || first.error.isAdministrativelyProhibited || first.error.isProtocolUnreachable
            findings.append(self.finding(
                s, stage: first.stage,
                "\(who.prefix(1).uppercased() + who.dropFirst()) reports \(first.quotedWhat) from \(first.quotedSource) to \(first.quotedDestination) as undeliverable: \(first.meaning).",
                evidence: [Evidence("\(Text.plural(group.count, "ICMP error")) from \(first.reporter)", frames: group.map(\.frame), time: first.time)],
                severity: fatal && s.outcome != .connected ? .error : .warning))
        }
        return findings
    }
}
