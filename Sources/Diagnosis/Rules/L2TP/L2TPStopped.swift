import Sessions

struct L2TPStopped: SessionRule {
    static let id: RuleID = "l2tp.stopped"
    static let title = "L2TP: the tunnel or session was closed (StopCCN / CDN)"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.warning, .info]
    static let explanation = """
        A StopCCN closes the L2TP control connection and a CDN one session; both carry a Result Code AVP \
        (RFC 2661 §4.4.2) with a result, an optional general error code and message that say why. Before the \
        session came up this is the failure; after a working session with result "general request" it is an \
        ordinary disconnect.
        """
    static let advice = ["The result and error code say why; the peer's L2TP/PPP log (xl2tpd, pppd) has the details."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let l = s.l2tp else { return [] }
        let stops = l.messages.filter { $0.type == .stopCCN || $0.type == .cdn }
        // The last one decides the severity (a CDN then an ordinary StopCCN); the first one says who
        // closed and why (the other side's answer usually repeats it).
        guard let stop = stops.last, let type = stop.type, let opener = stops.first, let openerType = opener.type else { return [] }
        let result = opener.resultText ?? opener.resultCode.map { "result \($0)" } ?? "no result code"
        // The session carried PPP (or data both ways) before it was closed: an ordinary disconnect
        // when the codes say so (StopCCN 1 "general request", CDN 3 "administrative"), else a warning.
        let wasUp = l.first(.iccn) != nil && (s.ppp != nil || (l.dataFromClient > 0 && l.dataFromServer > 0))
        let ordinaryResult: Set<UInt16> = type == .stopCCN ? [1, 6] : [3]
        let ordinary = wasUp && ordinaryResult.contains(stop.resultCode ?? 1) && (stop.errorCode ?? 0) == 0
        let who = opener.fromClient ? "client" : "server", what = openerType == .cdn ? "session" : "tunnel"
        let summary = wasUp ? "The \(who) closed the L2TP \(what) with \(openerType): \(result)"
            : "The \(who) closed the L2TP \(what) before PPP ran, with \(openerType): \(result)"
        // Closed within a second of ICCN, before any PPP frame: pppd on one side exited at start.
        let pppNeverStarted = s.ppp == nil && l.first(.iccn).map { opener.time - $0.time < 1 } == true
        let advice = pppNeverStarted
            ? ["PPP never started: pppd on the \(who) exited right after the session came up. Read its log (pppd options, plugins, /dev/ppp and the kernel's PPP/L2TP modules)."] + Self.advice
            : Self.advice
        return [self.finding(s, stage: .tunnelControl, summary + " (result \(opener.resultCode.map(String.init) ?? "–")\(opener.errorCode.map { ", error \($0)" } ?? "")).",
                             evidence: stops.map { Evidence("\($0.type!) from the \($0.fromClient ? "client" : "server"): \($0.resultText ?? "no result")", frames: [$0.frame], time: $0.time) },
                             severity: ordinary ? .info : (wasUp ? .warning : .error), advice: advice)]
    }
}
