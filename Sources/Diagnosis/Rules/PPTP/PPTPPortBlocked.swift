import Sessions

struct PPTPPortBlocked: SessionRule {
    static let id: RuleID = "pptp.port-blocked"
    static let title = "PPTP: TCP 1723 connection attempts are never answered"
    static let severity = Severity.error
    static let explanation = """
        The client's TCP SYNs to port 1723 (PPTP's control channel) get no answer at all: a firewall drops \
        them, the server address is wrong, or the server is down. Note that PPTP uses TCP 1723 (L2TP is UDP \
        1701). Windows reports error 800 or 807.
        """
    static let advice = [
        "Allow TCP 1723 from the client to the server (and forward it to the server if it is behind NAT).",
        "PPTP also needs GRE (IP protocol 47) both ways once the control channel is up.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture, let p = s.pptp, !p.synFrames.isEmpty, p.synAckFrames.isEmpty, p.resetFrames.isEmpty,
              p.messages.isEmpty else { return [] }
        return [self.finding(s, stage: .tunnelControl, "TCP SYN to \(p.server) (PPTP control) sent \(p.synFrames.count)×, never answered.",
                             evidence: [Evidence("SYN from \(p.client) to \(p.server)", frames: p.synFrames)])]
    }
}
