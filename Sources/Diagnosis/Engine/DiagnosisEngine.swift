import Sessions

/// Runs every rule over an analysis and orders the findings, most important first.
public struct DiagnosisEngine: Sendable {
    public let ignoring: Set<String>

    public init(ignoring: Set<String> = []) { self.ignoring = ignoring }

    public static var rules: [any DiagnosisRule.Type] { allRules }

    /// Name, severity, title, explanation and advice of every rule, the joint ones last.
    public static var ruleInfos: [RuleInfo] {
        (rules.map { $0 as any DescribedRule.Type } + allJointRules).map { RuleInfo(id: $0.id, severity: $0.severity, lowerSeverities: $0.lowerSeverities, title: $0.title,
                             explanation: $0.explanation, advice: $0.advice) }
    }

    public static func rule(_ id: String) -> (any DiagnosisRule.Type)? { rules.first { $0.id.rawValue == id } }

    /// Every rule's findings (but the ignored rules'), judged: verdicts, primary finding, exit code.
    public func diagnose(_ analysis: Analysis) -> Judgement {
        // The session rules run session by session: each session leaves the array once, not once per
        // rule (a copy of a large struct each time, a quarter of the judging). Each rule's findings
        // go in its own slot, so they come out in the rules' order as before.
        let rules = Self.rules.filter { !self.ignoring.contains($0.id.rawValue) }.map { $0.init() }
        var byRule = rules.map { $0.sessionRule == nil ? $0.evaluate(analysis) : [] }
        for session in analysis.sessions {
            for (r, rule) in rules.enumerated() { if let rule = rule.sessionRule { byRule[r] += rule.evaluate(session, in: analysis) } }
        }
        let findings = byRule.flatMap { $0 }
        return Judge.judge(analysis, Self.certify(findings, analysis))
    }

    /// Errors first, then the verdict of a working session (`healthy`), then warnings and infos; within
    /// those by session, by stage (earliest failure first: it explains the rest), then by rule.
    public static func ordered(_ findings: [Finding]) -> [Finding] {
        func importance(_ f: Finding) -> Int {
            f.severity == .error ? 0 : f.rule == Healthy.id ? 1 : f.severity == .warning ? 2 : 3
        }
        return findings.sorted { a, b in
            if importance(a) != importance(b) { return importance(a) < importance(b) }
            if (a.session ?? 0) != (b.session ?? 0) { return (a.session ?? 0) < (b.session ?? 0) }
            if a.stage != b.stage { return (a.stage ?? .nameResolution) < (b.stage ?? .nameResolution) }
            return a.rule < b.rule
        }
    }
}
