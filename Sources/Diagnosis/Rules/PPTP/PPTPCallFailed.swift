import Sessions

struct PPTPCallFailed: SessionRule {
    static let id: RuleID = "pptp.call-failed"
    static let title = "PPTP: the server refused the control connection or the call"
    static let severity = Severity.error
    static let explanation = """
        The PPTP Start-Control-Connection-Reply or Outgoing-Call-Reply carries a result code other than \
        success (RFC 2637 §2.2, §2.8): the server is not authorized for the client, out of resources, or \
        administratively refuses calls.
        """
    static let advice = ["Check the server's PPTP logs and limits (connections, IP pool, allowed clients).",
                         "Make sure only one PPTP connection per client is open."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let p = s.pptp else { return [] }
        for type in [PPTPMessageType.startControlConnectionReply, .outgoingCallReply] {
            if let reply = p.first(type), let code = reply.resultCode, code != 1 {
                let meaning = PPTPMessageType.resultMeaning(code, in: type)
                return [self.finding(s, stage: .tunnelControl, "The server's \(type) says: \(meaning) (result \(code)\(reply.errorCode.map { ", error \($0)" } ?? "")).",
                                     evidence: [Evidence("\(type) result \(code): \(meaning)", frames: [reply.frame], time: reply.time)])]
            }
        }
        return []
    }
}
