import Decoding
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
        for type in [PPTPControlType.startControlConnectionReply, .outgoingCallReply] {
            if let reply = p.first(type), let code = reply.resultCode, code != 1 {
                let meaning = reply.resultText ?? "result \(code)"
                return [self.finding(s, stage: .tunnelControl, "The server's \(type) says: \(meaning) (result \(code)\(reply.errorCode.map { ", error \($0)" } ?? "")).",
                                     evidence: [Evidence("\(type) result \(code): \(meaning)", frames: [reply.frame], time: reply.time)])]
            }
        }
        // All replies say success, but the server closes the control connection right after the call
        // and no GRE ever flows: the server gave up on the call (its PPP could not start).
        if s.pptpServerHungUpAfterCall, let reply = p.first(.outgoingCallReply) {
            return [self.finding(s, stage: .tunnelControl,
                                 "The server accepted the call, then closed the control connection without any GRE: the call failed on the server.",
                                 evidence: [Evidence("Outgoing-Call-Reply: connected", frames: [reply.frame], time: reply.time),
                                            Evidence("server closes TCP 1723", frames: (p.finFrames + p.resetFrames).sorted()),
                                            Evidence("no GRE in either direction")],
                                 advice: ["Read the server's pptpd/pppd log: PPP could not start (pppd options, plugins, /dev/ppp, address pool)."] + Self.advice,
                                 confidence: .medium)]
        }
        return []
    }
}
