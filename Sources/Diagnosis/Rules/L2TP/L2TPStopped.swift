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
        guard let stop = stops.first, let type = stop.type else { return [] }
        let result = stop.resultText ?? stop.resultCode.map { "result \($0)" } ?? "no result code"
        let wasUp = l.first(.iccn) != nil && s.verdict != .failed
        let ordinary = wasUp && (stop.resultCode ?? 1) <= 1 && (stop.errorCode ?? 0) == 0
        return [self.finding(s, stage: .tunnelControl,
                             "The \(stop.fromClient ? "client" : "server") sent \(type): \(result) (result \(stop.resultCode.map(String.init) ?? "–")\(stop.errorCode.map { ", error \($0)" } ?? "")).",
                             evidence: stops.map { Evidence("\($0.type!) from the \($0.fromClient ? "client" : "server")", frames: [$0.frame], time: $0.time) },
                             severity: ordinary ? .info : (wasUp ? .warning : .error))]
    }
}
