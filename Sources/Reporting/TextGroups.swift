import Diagnosis

extension Renderer {
    /// Sessions that share an error or warning rule, said once before the per-session detail:
    /// "ERROR 12 sessions: ESP flows in one direction only [esp.one-way] — sessions 1, 2, 3, …". A
    /// gateway capture with a dozen tunnels failing the same way reads as one problem, not twelve.
    func groups(_ r: Report) -> [String] {
        guard r.sessions.count > 1 else { return [] }
        var order: [RuleID] = []
        var sessions: [RuleID: [Int]] = [:]
        var severity: [RuleID: Severity] = [:]
        for s in r.sessions {
            for f in s.findings where f.severity != .info && sessions[f.rule]?.last != s.id {
                if sessions[f.rule] == nil { order.append(f.rule) }
                sessions[f.rule, default: []].append(s.id)
                severity[f.rule] = max(severity[f.rule] ?? f.severity, f.severity)
            }
        }
        let shared = order.filter { sessions[$0]!.count > 1 }.sorted { severity[$0]! > severity[$1]! }
        guard !shared.isEmpty else { return [] }
        let titles = Dictionary(DiagnosisEngine.ruleInfos.map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        var out = ["", self.paint("Findings shared by several sessions (each session's detail below)", .bold)]
        for rule in shared {
            let ids = sessions[rule]!
            let (tag, style): (String, Style) = severity[rule] == .error ? ("ERROR", .red) : ("WARN ", .yellow)
            let list = ids.prefix(12).map(String.init).joined(separator: ", ") + (ids.count > 12 ? ", …" : "")
            out.append("  " + self.paint(tag, style) + " " + self.safe("\(ids.count) sessions: \(titles[rule] ?? rule.rawValue)")
                       + self.paint("  [\(rule)]", .dim) + self.safe(" — sessions \(list)"))
        }
        return out
    }
}
