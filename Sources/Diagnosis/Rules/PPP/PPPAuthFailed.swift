import Sessions

struct PPPAuthFailed: SessionRule {
    static let id: RuleID = "ppp.auth-failed"
    static let title = "PPP authentication failed"
    static let severity = Severity.error
    static let explanation = """
        The server rejected the PPP authentication (PAP Authenticate-Nak, CHAP/MS-CHAPv2 Failure, EAP Failure). \
        MS-CHAPv2 failures carry a code (RFC 2759 §6) that Windows shows as the error number: 691 wrong user \
        name or password (or the protocol is not allowed), 649 no dial-in permission, 647 account disabled, \
        648 password expired, 646 logon outside permitted hours, 709 error changing the password.
        """
    static let advice = ["Check the user name and password (and the domain prefix) on the client and in the server's user database (chap-secrets, RADIUS, AD)."]

    static func meaning(_ code: Int) -> (text: String, advice: String) {
        switch code {
        case 646: ("logon outside the account's permitted hours (Windows error 646)", "Adjust the account's logon hours on the server/AD.")
        case 647: ("the account is disabled (Windows error 647)", "Enable the user account on the server/AD.")
        case 648: ("the password has expired (Windows error 648)", "Change the password, then reconnect.")
        case 649: ("the account has no dial-in permission (Windows error 649)",
                   "Grant remote access: check the remote access / network policy (NPS) and the user's Dial-in tab or VPN group membership.")
        case 691: ("wrong user name or password, or the authentication protocol is not permitted (Windows error 691)",
                   "Check user name, password and domain; make sure the server allows MS-CHAPv2.")
        case 709: ("error changing the password (Windows error 709)", "Change the password on the domain first.")
        default: ("MS-CHAP error \(code) (Windows error \(code))", "Look up Windows error \(code).")
        }
    }

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let p = s.ppp, let failure = p.authFailed else { return [] }
        let proto = failure.protocolNumber
        var summary = "The server rejected the \(proto == .chap ? "CHAP/MS-CHAPv2" : proto.description) authentication"
        var advice = Self.advice
        if let code = failure.msChapError {
            let m = Self.meaning(code)
            summary += ": E=\(code), \(m.text)."
            advice = [m.advice] + advice
        } else {
            summary += "."
        }
        let attempts = p.messages.filter { $0.protocolNumber == proto && $0.fromClient }
        return [self.finding(s, stage: .pppAuth, summary,
                             evidence: [Evidence("\(proto) from the client", frames: attempts.map(\.frame)),
                                        Evidence("\(proto) failure\(failure.message.map { ": \"\($0)\"" } ?? "")", frames: [failure.frame], time: failure.time)],
                             advice: advice)]
    }
}
