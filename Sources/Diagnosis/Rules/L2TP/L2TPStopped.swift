import Sessions

struct L2TPStopped: SessionRule {
    static let id: RuleID = "l2tp.stopped"
    static let title = "L2TP: the tunnel or session was closed (StopCCN / CDN)"
    static let severity = Severity.error
    static let explanation = """
        A StopCCN closes the L2TP control connection and a CDN one session; both carry a Result Code AVP \
        (RFC 2661 §4.4.2) with a result, an optional general error code and message that say why. Before the \
        session came up this is the failure; after a working session with result "general request" it is an \
        ordinary disconnect.
        """
    static let advice = ["Read the result and error code below, and the peer's L2TP/PPP log (xl2tpd, pppd) for the reason."]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let l = s.l2tp else { return [] }
        let stops = l.messages.filter { $0.type == .stopCCN || $0.type == .cdn }
        guard let stop = stops.last, let type = stop.type else { return [] }
        let result = stop.resultText ?? stop.resultCode.map { "result \($0)" } ?? "no result code"
        // The session carried PPP (or data both ways) before it was closed: an ordinary disconnect
        // when the codes say so (StopCCN 1 "general request", CDN 3 "administrative"), else a warning.
        let wasUp = l.first(.iccn) != nil && (s.ppp != nil || (l.dataFromClient > 0 && l.dataFromServer > 0))
        let ordinaryResult: Set<UInt16> = type == .stopCCN ? [1, 6] : [3]
        let ordinary = wasUp && ordinaryResult.contains(stop.resultCode ?? 1) && (stop.errorCode ?? 0) == 0
        let summary = wasUp ? "The \(stop.fromClient ? "client" : "server") closed the L2TP \(type == .cdn ? "session" : "tunnel") with \(type): \(result)."
            : "The \(stop.fromClient ? "client" : "server") closed the L2TP \(type == .cdn ? "session" : "tunnel") before PPP ran, with \(type): \(result)."
        return [self.finding(s, stage: .tunnelControl, summary + " (result \(stop.resultCode.map(String.init) ?? "–")\(stop.errorCode.map { ", error \($0)" } ?? ""))",
                             evidence: stops.map { Evidence("\($0.type!) from the \($0.fromClient ? "client" : "server"): \($0.resultText ?? "no result")", frames: [$0.frame], time: $0.time) },
                             severity: ordinary ? .info : (wasUp ? .warning : .error))]
    }
}
