import Sessions

struct L2TPCleartext: SessionRule {
    static let id: RuleID = "l2tp.cleartext"
    static let title = "L2TP runs unencrypted (no IPsec)"
    static let severity = Severity.warning
    static let explanation = """
        L2TP control and data are visible in clear on UDP 1701. L2TP itself has no encryption: in an \
        L2TP/IPsec VPN it must run inside ESP. Seen in clear, either the VPN is configured without IPsec, or \
        the IPsec transport-mode policy for UDP 1701 did not apply, and PPP credentials and traffic cross the \
        network unprotected.
        """
    static let advice = ["Use L2TP/IPsec (transport-mode SA for UDP 1701) or move to IKEv2.",
                         "On the server, refuse L2TP that does not arrive through IPsec."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let l = s.l2tp, let first = l.messages.first, !s.insideESP else { return [] }
        return [self.finding(s, stage: .tunnelControl, "L2TP travels in clear between \(l.client) and \(l.server): it is not protected by IPsec.",
                             evidence: [Evidence("L2TP control on UDP 1701 in clear", frames: l.messages.prefix(4).map(\.frame), time: first.time)])]
    }
}
