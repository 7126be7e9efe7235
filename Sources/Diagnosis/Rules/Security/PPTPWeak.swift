import Sessions

struct PPTPWeak: SessionRule {
    static let id: RuleID = "security.pptp-weak"
    static let title = "PPTP with MS-CHAPv2/MPPE is broken cryptography"
    static let severity = Severity.warning
    static let explanation = """
        MS-CHAPv2 reduces to a single DES key search (Marlinspike & Hulton, 2012): anyone who captures a PPTP \
        login can recover the password hash and decrypt the MPPE session. PPTP offers no real confidentiality.
        """
    static let advice = ["Replace PPTP with IKEv2 (or at least L2TP/IPsec with certificates or a strong PSK)."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard s.vpnProtocol == .pptp else { return [] }
        let frames = (s.pptp?.messages.prefix(1).map(\.frame) ?? []) + s.gre.prefix(1).compactMap(\.traffic.firstFrame)
        return [self.finding(s, stage: .tunnelControl, "This VPN uses PPTP, whose MS-CHAPv2/MPPE protection is broken.",
                             evidence: [Evidence("PPTP between \(s.client) and \(s.server)", frames: frames)])]
    }
}
