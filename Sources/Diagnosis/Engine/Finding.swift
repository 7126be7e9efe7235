import Sessions

/// A rule's stable dotted id ("ike.no-proposal-chosen").
public struct RuleID: RawRepresentable, Hashable, Sendable, Codable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { self.rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public init(from decoder: any Decoder) throws { self.rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(self.rawValue)
    }
}

public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, warning, error
    var rank: Int { switch self { case .info: 0; case .warning: 1; case .error: 2 } }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// How sure an inference is (findings read from encrypted traffic, NAT guesses…); `certain` for a
/// finding proven by payloads decrypted with the user's keys (`--keys`).
public enum Confidence: String, Sendable, Codable, Comparable {
    case low, medium, high, certain
    var rank: Int { switch self { case .low: 0; case .medium: 1; case .high: 2; case .certain: 3 } }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// One fact a finding rests on: what was seen, and where.
public struct Evidence: Sendable, Codable, Hashable {
    public var text: String
    public var frames: [Int]
    /// Capture-relative seconds, when one moment matters.
    public var time: Double?
    public init(_ text: String, frames: [Int] = [], time: Double? = nil) {
        self.text = text
        self.frames = frames
        self.time = time
    }
}

/// What a rule concluded.
public struct Finding: Sendable, Codable, Hashable {
    public var rule: RuleID
    public var severity: Severity
    public var stage: Stage?
    /// The session (`Session.id`) it is about; nil for capture-wide findings.
    public var session: Int?
    /// One sentence.
    public var summary: String
    public var evidence: [Evidence]
    public var explanation: String
    public var advice: [String]
    /// Set for inferences (their summary says "likely").
    public var confidence: Confidence?

    public init(rule: RuleID, severity: Severity, stage: Stage?, session: Int?, summary: String, evidence: [Evidence],
                explanation: String, advice: [String], confidence: Confidence? = nil) {
        self.rule = rule
        self.severity = severity
        self.stage = stage
        self.session = session
        self.summary = summary
        self.evidence = evidence
        self.explanation = explanation
        self.advice = advice
        self.confidence = confidence
    }

    /// Every frame the evidence cites.
    public var frames: [Int] { Array(Set(self.evidence.flatMap(\.frames))).sorted() }
}
