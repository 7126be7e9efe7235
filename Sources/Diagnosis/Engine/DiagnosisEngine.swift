import Sessions

/// Runs every rule over an analysis and orders the findings, most important first.
public struct DiagnosisEngine: Sendable {
    public let ignoring: Set<String>

    public init(ignoring: Set<String> = []) { self.ignoring = ignoring }

    public static var rules: [any DiagnosisRule.Type] { allRules }

    /// Name, severity, title, explanation and advice of every rule.
    public static var ruleInfos: [RuleInfo] {
        rules.map { RuleInfo(id: $0.id, severity: $0.severity, title: $0.title, explanation: $0.explanation, advice: $0.advice) }
    }

    public static func rule(_ id: String) -> (any DiagnosisRule.Type)? { rules.first { $0.id.rawValue == id } }

    public func diagnose(_ analysis: Analysis) -> [Finding] {
        var findings: [Finding] = []
        for rule in Self.rules where !self.ignoring.contains(rule.id.rawValue) {
            findings += rule.init().evaluate(analysis)
        }
        return Self.ordered(findings)
    }

    /// Errors first, then by stage (earliest failure first: it explains the rest), then by session and rule.
    public static func ordered(_ findings: [Finding]) -> [Finding] {
        findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if (a.session ?? 0) != (b.session ?? 0) { return (a.session ?? 0) < (b.session ?? 0) }
            if a.stage != b.stage { return (a.stage ?? .nameResolution) < (b.stage ?? .nameResolution) }
            return a.rule < b.rule
        }
    }
}
