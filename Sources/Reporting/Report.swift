import Capture
import Decoding
import Diagnosis
import Foundation
import Sessions

/// What the CLI knows about the capture file itself.
public struct CaptureMetadata: Codable, Sendable, Hashable {
    /// File name as given ("-" for standard input).
    public var file: String
    /// "pcap", "pcap-ns", "pcapng", "unknown".
    public var format: String
    public var linkType: LinkType
    /// libpcap's message when the file went bad part-way (the frames before it were analysed).
    public var error: String?
    public init(file: String, format: String, linkType: LinkType, error: String? = nil) {
        self.file = file
        self.format = format
        self.linkType = linkType
        self.error = error
    }
}

/// The report on one capture: stable, capture-relative, encodable.
public struct Report: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public struct CaptureSummary: Codable, Sendable, Hashable {
        public var file: String
        public var format: String
        public var linkType: LinkType
        public var error: String?
        public var packets: Int
        public var bytes: Int
        /// UTC time of the first packet (ISO 8601), for the record; every other time is relative to it.
        public var start: String?
        public var duration: Double
        public var protocols: [String: Int]
        public var decodeStops: [String: Int]
        public var decodeStopExamples: [DecodeStopRecord]
        public var unsupportedLinkTypes: [String]
        public var snaplenCutFrames: Int
        public var snaplen: Int?
        public var flowsEvicted: Int
    }

    public struct SessionReport: Codable, Sendable {
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

    public var schemaVersion: Int
    public var capture: CaptureSummary
    public var server: IPAddress?
    public var sessions: [SessionReport]
    /// Findings about the capture as a whole (no session).
    public var captureFindings: [Finding]
    /// The capture in one word: the verdict of the session the most important finding is about (or of
    /// the first session); without a session, failed when an error finding says why, else incomplete.
    public var verdict: Verdict
    /// The last stage that completed in that session (nil: none did, or no session).
    public var furthestStage: Stage?
    /// The most important finding's rule id (errors first, then `healthy`, warnings, infos).
    public var primaryFinding: RuleID?

    public init(capture: CaptureMetadata, analysis: Analysis, findings: [Finding]) {
        let stats = analysis.capture
        self.schemaVersion = Self.currentSchemaVersion
        self.capture = CaptureSummary(
            file: capture.file, format: capture.format, linkType: capture.linkType, error: capture.error,
            packets: stats.packets, bytes: stats.bytes, start: stats.start.map(Self.iso8601), duration: stats.duration,
            protocols: stats.protocols, decodeStops: stats.decodeStops, decodeStopExamples: stats.decodeStopExamples,
            unsupportedLinkTypes: stats.unsupportedLinkTypes, snaplenCutFrames: stats.snaplenCutFrames,
            snaplen: stats.snaplen, flowsEvicted: stats.flowsEvicted)
        self.server = analysis.server
        let ordered = DiagnosisEngine.ordered(findings)
        self.sessions = analysis.sessions.map { s in
            SessionReport(id: s.id, client: s.client, server: s.server, rolesFrom: s.rolesFrom, protocolLabel: s.protocolLabel,
                          verdict: s.verdict, verdictLine: s.verdictLine, furthestStage: s.furthest, stoppedAt: s.stoppedAt,
                          ladder: s.ladder, findings: ordered.filter { $0.session == s.id }, flows: s.flows, evidence: s)
        }
        self.captureFindings = ordered.filter { $0.session == nil }
        let primary = ordered.first
        let session = analysis.sessions.first { $0.id == primary?.session } ?? analysis.sessions.first
        self.primaryFinding = primary?.rule
        self.furthestStage = session?.furthest
        self.verdict = primary?.session == nil && primary?.severity == .error ? .failed
            : session?.verdict ?? (primary?.severity == .error ? .failed : .incomplete)
    }

    /// Every finding, capture-wide ones first.
    public var findings: [Finding] { self.captureFindings + self.sessions.flatMap(\.findings) }

    /// 1 when any finding is an error, else 0.
    public var exitCode: Int32 { self.findings.contains { $0.severity == .error } ? 1 : 0 }

    static func iso8601(_ t: Timestamp) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: t.unixSeconds))
    }
}

/// Reports as JSON: `[.prettyPrinted, .sortedKeys]`, capture-relative times, so output diffs cleanly.
/// One report encodes as an object, several as an array of objects.
///
/// Written a session at a time: the encoder's whole-document tree of a gateway capture's report
/// is several times the size of its text, so each session is encoded on its own and spliced into
/// the report's shell at its indentation, in place of the shell's empty `sessions` array. The bytes
/// are those of encoding the whole document (strings never hold a raw newline).
public enum JSONRenderer {
    public static func render(_ reports: [Report]) -> String {
        var out = ""
        self.write(reports) { out += $0 }
        return out
    }

    /// Hands the JSON text to `sink` in pieces, in order.
    public static func write(_ reports: [Report], to sink: (String) -> Void) {
        do {
            if reports.count == 1 {
                try self.write(reports[0], indent: "", to: sink)
            } else {
                sink("[\n")
                for (i, report) in reports.enumerated() {
                    if i > 0 { sink(",\n") }
                    sink("  ")
                    try self.write(report, indent: "  ", to: sink)
                }
                sink("\n]")
            }
        } catch {
            sink("{\"error\": \"\(error)\"}\n")
            return
        }
        sink("\n")
    }

    static func encode<T: Encodable>(_ value: T, indent: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(value)
        guard !indent.isEmpty else { return String(decoding: data, as: UTF8.self) }
        // Re-indent on bytes (Foundation's replacingOccurrences costs more than the encoding).
        // Blank lines (inside an empty array) stay blank, as the encoder writes them.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count + data.count / 8)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for i in raw.indices {
                bytes.append(raw[i])
                if raw[i] == UInt8(ascii: "\n"), i + 1 < raw.count, raw[i + 1] != UInt8(ascii: "\n") {
                    bytes.append(contentsOf: indent.utf8)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One report as an object whose first line is already indented by the caller.
    static func write(_ report: Report, indent: String, to sink: (String) -> Void) throws {
        var shell = report
        shell.sessions = []
        let text = try self.encode(shell, indent: indent)
        // The shell's empty array, `[` blank line `]`, is replaced by the sessions; the keys after
        // it in sorted order (`verdict`) follow as encoded.
        let empty = "\n\n" + indent + "  ]"
        guard !report.sessions.isEmpty, let open = text.range(of: "\"sessions\" : [", options: .backwards),
              text[open.upperBound...].hasPrefix(empty) else {
            sink(text)
            return
        }
        sink(String(text[..<open.upperBound]))
        let inner = indent + "    "
        for (i, session) in report.sessions.enumerated() {
            sink(i == 0 ? "\n" + inner : ",\n" + inner)
            sink(try self.encode(session, indent: inner))
        }
        sink("\n" + indent + "  ]")
        sink(String(text[text.index(open.upperBound, offsetBy: empty.count)...]))
    }
}
