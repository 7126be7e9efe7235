import Decoding
import Diagnosis
import Sessions

/// The lines of `watch --json` (NDJSON: one compact JSON object per line, each with its `event`):
/// a stage that changed status, a finding seen for the first time, and at the end the report.
/// Part of the report schema (`Schemas/report-v2.schema.json`, `$defs/watchEvent`).
public enum WatchEvent {
    /// A session's stage changed status.
    public struct StageChange: Codable, Sendable {
        public var event = "stage"
        public var session: Int
        public var `protocol`: String
        public var protocolLabel: String
        public var client: IPAddress
        public var server: IPAddress
        public var stage: Stage
        public var status: StageStatus
        public var label: String
        public var frames: [Int]
        public var time: Double?
    }

    /// A finding not seen before.
    public struct NewFinding: Codable, Sendable {
        public var event = "finding"
        public var session: Int?
        public var rule: RuleID
        public var severity: Severity
        public var summary: String
        public var frames: [Int]
    }

    /// The final report, the same document as `analyze --json`.
    public struct Final: Codable, Sendable {
        public var event = "report"
        public var report: ReportDocument
    }

    public static func stage(_ s: Session, _ rung: StageResult) -> StageChange {
        StageChange(session: s.id, protocol: SessionReport.protocolValue(s), protocolLabel: s.protocolLabel,
                    client: s.client, server: s.server, stage: rung.stage, status: rung.status, label: rung.label,
                    frames: rung.frames, time: rung.end ?? rung.start)
    }

    public static func finding(_ f: Finding) -> NewFinding {
        NewFinding(session: f.session, rule: f.rule, severity: f.severity, summary: f.summary, frames: f.frames)
    }

    public static func report(_ r: Report, evidence: Bool) -> Final {
        Final(report: ReportDocument([r], evidence: evidence))
    }

    /// One event as a line of compact JSON (with its newline).
    public static func line(_ event: some Encodable) -> String {
        let encoder = JSONOutputEncoder(prettyPrinted: false, nonConformingFloats: JSONRenderer.nonConformingFloats)
        guard let bytes = try? encoder.encode(event) else { return "" }
        return String(decoding: bytes, as: UTF8.self) + "\n"
    }
}
