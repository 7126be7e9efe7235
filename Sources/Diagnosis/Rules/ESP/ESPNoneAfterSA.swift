import Sessions

struct ESPNoneAfterSA: SessionRule {
    static let id: RuleID = "esp.none-after-sa"
    static let title = "The SA is up but no ESP flows"
    static let severity = Severity.error
    static let explanation = """
        IKE finished setting up the child SA, yet not one ESP (or AH) packet follows in either direction. \
        Without NAT, ESP is IP protocol 50 (AH 51), not UDP or TCP: firewalls, ISPs and cloud networks that \
        only pass UDP/TCP drop it silently. Or no traffic matched the tunnel's traffic selectors (routing).
        """
    static let advice = [
        "Allow IP protocol 50 (ESP) — and 51 if AH is used — both ways between the peers; a port rule is not enough.",
        "Or force NAT-T so ESP travels in UDP 4500 (strongSwan `encap = yes`).",
        "Check that traffic is routed into the tunnel (traffic selectors, routes, policies).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        // IPsec only: a PPTP or L2TP session has no ESP to miss (GRE is pptp.gre-blocked).
        guard !s.ike.isEmpty, let rung = s.stage(.dataPlane), rung.status == .failed, s.esp.isEmpty else { return [] }
        // IKEv2 followed by an INFORMATIONAL is reported as a refused child SA.
        if s.status(.childSA) == .failed { return [] }
        let ike = s.allIKEMessages
        return [self.finding(s, stage: .dataPlane, "The SA was set up, but no ESP followed in either direction.",
                             evidence: [Evidence("last IKE message", frames: ike.suffix(1).map(\.frame), time: ike.last?.time),
                                        Evidence("no ESP/AH packet between \(s.client) and \(s.server) in the \(Text.seconds(a.capture.duration)) capture")])]
    }
}
