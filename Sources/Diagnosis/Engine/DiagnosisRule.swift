import Sessions

/// What `vpndoctor rules` lists and `vpndoctor explain` prints of a rule: every rule, those that
/// read one capture's analysis (`DiagnosisRule`) and those of the two-vantage join (`JointRule`).
public protocol DescribedRule: Sendable {
    static var id: RuleID { get }
    static var title: String { get }
    /// The severity of its findings (as `vpndoctor rules` lists it): the highest it gives.
    static var severity: Severity { get }
    /// The other severities it gives, when its findings' severity depends on the evidence (listed by
    /// `vpndoctor rules` too); every finding a rule makes has one of its listed severities.
    static var lowerSeverities: [Severity] { get }
    /// What it means, why it happens, and what to do (for `vpndoctor explain`).
    static var explanation: String { get }
    static var advice: [String] { get }
}

/// A diagnosis: one small type that reads evidence (never bytes) and returns findings.
public protocol DiagnosisRule: DescribedRule {
    init()
    func evaluate(_ analysis: Analysis) -> [Finding]
    /// Itself when it is a `SessionRule` (asked instead of a dynamic cast, which scans the
    /// conformance tables: ~300k instructions the first time for each rule).
    var sessionRule: (any SessionRule)? { get }
}

extension DiagnosisRule {
    public var sessionRule: (any SessionRule)? { nil }
}

/// A rule that looks at one session at a time.
public protocol SessionRule: DiagnosisRule {
    func evaluate(_ session: Session, in analysis: Analysis) -> [Finding]
}

extension SessionRule {
    public var sessionRule: (any SessionRule)? { self }
    public func evaluate(_ analysis: Analysis) -> [Finding] {
        analysis.sessions.flatMap { self.evaluate($0, in: analysis) }
    }
}

extension DescribedRule {
    public static var lowerSeverities: [Severity] { [] }
    /// Every severity its findings can have, highest first.
    public static var severities: [Severity] { [self.severity] + self.lowerSeverities }
}

extension DiagnosisRule {
    /// A finding of this rule with its standard explanation and advice.
    public func finding(_ session: Session?, stage: Stage?, _ summary: String, evidence: [Evidence],
                        severity: Severity? = nil, advice: [String]? = nil, confidence: Confidence? = nil) -> Finding {
        Finding(rule: Self.id, severity: severity ?? Self.severity, stage: stage, session: session?.id, summary: summary,
                evidence: evidence, explanation: Self.explanation, advice: advice ?? Self.advice, confidence: confidence)
    }
}

/// How a rule presents itself to `vpndoctor rules` and `vpndoctor explain`.
public struct RuleInfo: Sendable, Codable, Hashable {
    public var id: RuleID
    public var severity: Severity
    /// Other severities its findings can have (see `DiagnosisRule.lowerSeverities`).
    public var lowerSeverities: [Severity]
    public var title: String
    public var explanation: String
    public var advice: [String]
}
