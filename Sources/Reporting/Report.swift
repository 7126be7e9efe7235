import Capture
import Decoding
import Diagnosis
import Foundation
import Sessions

/// What the CLI knows about the capture file itself.
public struct CaptureMetadata: Sendable, Hashable {
    /// File name as given ("-" for standard input).
    public var file: String
    /// "pcap", "pcap-ns", "pcapng", "unknown".
    public var format: String
    public var linkType: LinkType
    /// The reader's message when the file went bad part-way (the frames before it were analysed).
    public var error: String?
    /// Ctrl-C or SIGTERM stopped the read (the frames before it were analysed).
    public var interrupted: Bool
    public init(file: String, format: String, linkType: LinkType, error: String? = nil, interrupted: Bool = false) {
        self.file = file
        self.format = format
        self.linkType = linkType
        self.error = error
        self.interrupted = interrupted
    }
}

/// The report on one capture, as the analysis and the diagnosis made it: what the text report
/// shows and the exit code reads. Its JSON is `ReportDocument` (schema version 2), built from it.
public struct Report: Sendable {
    public struct SessionReport: Sendable {
        public var id: Int
        public var client: IPAddress
        public var server: IPAddress
        public var rolesFrom: String
        public var protocolLabel: String
        public var verdict: Verdict
        public var verdictLine: String
        public var furthestStage: Stage?
        public var stoppedAt: Stage?
        public var ladder: [StageResult]
        public var findings: [Finding]
        public var flows: [FlowSummary]
        /// Everything the analyzer derived for this session.
        public var evidence: Session
    }

    public var capture: CaptureSummaryReport
    public var server: IPAddress?
    public var sessions: [SessionReport]
    /// Findings about the capture as a whole (no session).
    public var captureFindings: [Finding]
    /// The capture in one word: failed when any error finding remains, else connected when a session
    /// connected, else incomplete (see Diagnosis' `Judgement`).
    public var verdict: Verdict
    /// The last stage that completed in that session (nil: none did, or no session).
    public var furthestStage: Stage?
    /// The most important finding's rule id (errors first, then `healthy`, warnings, infos).
    public var primaryFinding: RuleID?
    /// The VPNs named but not diagnosed (`capture.vpn-not-diagnosed`).
    public var namedVPNs: [OtherVPN] = []

    /// The report of a judged analysis: verdicts, primary finding and exit code are the judgement's.
    public init(capture: CaptureMetadata, analysis: Analysis, judgement: Judgement) {
        self.capture = CaptureSummaryReport(capture, analysis.capture)
        self.server = analysis.server
        let findings = judgement.findings
        // Grouped once (order kept), not filtered once per session.
        let bySession = Dictionary(grouping: findings, by: \.session)
        self.sessions = analysis.sessions.map { s in
            let judged = judgement.verdict(of: s.id)!
            return SessionReport(id: s.id, client: s.client, server: s.server, rolesFrom: s.rolesFrom, protocolLabel: s.protocolLabel,
                                 verdict: judged.verdict, verdictLine: judged.line, furthestStage: s.furthest, stoppedAt: s.stoppedAt,
                                 ladder: s.ladder, findings: bySession[s.id] ?? [], flows: s.flows, evidence: s)
        }
        self.captureFindings = bySession[nil] ?? []
        self.primaryFinding = judgement.primaryFinding
        self.furthestStage = analysis.sessions.first { $0.id == judgement.primarySession }?.furthest
        self.verdict = judgement.verdict
        self.namedVPNs = analysis.otherVPNs
    }

    /// Every finding, capture-wide ones first.
    public var findings: [Finding] { self.captureFindings + self.sessions.flatMap(\.findings) }

    /// 1 exactly when the capture's verdict is failed, else 0 (as `Judgement.exitCode`).
    public var exitCode: Int32 { self.verdict == .failed ? 1 : 0 }

    static func iso8601(_ t: Timestamp) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: t.unixSeconds))
    }
}

/// Reports as JSON: a `ReportDocument`, as `JSONEncoder` writes it with `[.prettyPrinted,
/// .sortedKeys, .withoutEscapingSlashes]` and non-finite numbers as "inf", "-inf", "nan"
/// (capture-relative times, so output diffs cleanly), then a newline. One file or many, the same
/// shape: `{"reports": [...], "schemaVersion": 2}`.
///
/// Written by `JSONOutputEncoder` and streamed: a gateway capture's report is tens of megabytes.
public enum JSONRenderer {
    /// `evidence`: each session's evidence section too (`--evidence`).
    public static func render(_ reports: [Report], evidence: Bool = false, joint: [JointAttempt] = []) -> String {
        var out: [UInt8] = []
        self.write(reports, evidence: evidence, joint: joint) { out.append(contentsOf: $0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hands the JSON text to `sink` in pieces, in order.
    /// `joint`: the captures joined as one attempt (`VantageJoin`), under the document's `joint`.
    public static func write(_ reports: [Report], evidence: Bool = false, joint: [JointAttempt] = [],
                             to sink: (UnsafeRawBufferPointer) -> Void) {
        let encoder = JSONOutputEncoder(prettyPrinted: true, nonConformingFloats: Self.nonConformingFloats)
        do {
            try encoder.encode(ReportDocument(reports, evidence: evidence, joint: joint), to: sink)
        } catch {
            Array("{\"error\": \"\(error)\"}\n".utf8).withUnsafeBytes(sink)
            return
        }
        [UInt8(ascii: "\n")].withUnsafeBytes(sink)
    }

    /// What a non-finite number becomes in every JSON output.
    public static let nonConformingFloats = JSONOutputEncoder.NonConformingFloats.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
}
