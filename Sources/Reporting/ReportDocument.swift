import Capture
import Decoding
import Diagnosis
import Sessions

// The JSON report, schema version 2 (`Schemas/report-v2.schema.json` documents every field).
//
// These types are the report's own: built from the internal model (`Report`, and through it the
// `Analysis` and the trackers' records) by `ReportDocument.init(_:evidence:)` and the `init`s it
// calls, so the analysis can change without changing what scripts read. No number in them can
// exceed 2^53: 64-bit identifiers are hex strings (`HexIdentifier.text`).
//
// Leaf vocabulary is shared with the model and encodes as text or {name, value}: addresses
// (`IPAddress`, a string), wire values (`IPProtocol`, `LinkType`, `PPPProtocol`…) and our closed
// enums (`Verdict`, `Stage`, `StageStatus`, `Severity`, `Confidence`, `RuleID`).

/// What `analyze --json` prints: one document whatever the number of captures.
public struct ReportDocument: Codable, Sendable {
    public static let currentSchemaVersion = 2

    public var schemaVersion: Int
    /// One report per capture file, in the order given.
    public var reports: [CaptureReport]
    /// Captures of one attempt from several vantage points, joined (absent when none were).
    public var joint: [JointAttemptReport]?

    /// The document for `reports`; `evidence` adds each session's evidence section (`--evidence`).
    public init(_ reports: [Report], evidence: Bool, joint: [JointAttempt] = []) {
        self.schemaVersion = Self.currentSchemaVersion
        self.reports = reports.map { CaptureReport($0, evidence: evidence) }
        self.joint = joint.isEmpty ? nil : joint.map(JointAttemptReport.init)
    }
}

/// The report on one capture.
public struct CaptureReport: Codable, Sendable {
    public var capture: CaptureSummaryReport
    /// `--server`, when given.
    public var server: IPAddress?
    public var sessions: [SessionReport]
    /// Findings about the capture as a whole (no session).
    public var captureFindings: [FindingReport]
    public var verdict: Verdict
    public var furthestStage: Stage?
    public var primaryFinding: RuleID?
    /// The VPNs named but not diagnosed (absent when none).
    public var namedVPNs: [NamedVPNReport]?

    init(_ r: Report, evidence: Bool) {
        self.capture = r.capture
        self.server = r.server
        self.sessions = r.sessions.map { SessionReport($0, evidence: evidence) }
        self.captureFindings = r.captureFindings.map(FindingReport.init)
        // The capture's judgement, as `Report` made it.
        self.verdict = r.verdict
        self.furthestStage = r.furthestStage
        self.primaryFinding = r.primaryFinding
        self.namedVPNs = r.namedVPNs.isEmpty ? nil : r.namedVPNs.map(NamedVPNReport.init)
    }
}

/// The capture file and its quality.
public struct CaptureSummaryReport: Codable, Sendable {
    public struct DecodeStop: Codable, Sendable {
        public var frame: Int
        public var reason: String
        public var layer: String
        public var detail: String?
    }

    public var file: String
    public var format: String
    public var linkType: LinkType
    public var error: String?
    /// true when Ctrl-C or SIGTERM stopped the read: the report covers the frames before it
    /// (absent otherwise).
    public var interrupted: Bool?
    public var packets: Int
    public var bytes: Int
    public var start: String?
    public var duration: Double
    public var protocols: [String: Int]
    public var decodeStops: [String: Int]
    public var decodeStopExamples: [DecodeStop]
    public var unsupportedLinkTypes: [String]
    public var snaplenCutFrames: Int
    public var snaplen: Int?
    public var flowsEvicted: Int
    /// Packets whose timestamp is earlier than the one before them (absent when none).
    public var timeStepsBack: Int?

    init(_ c: CaptureMetadata, _ stats: CaptureStatistics) {
        self.file = c.file
        self.format = c.format
        self.linkType = c.linkType
        self.error = c.error
        self.interrupted = c.interrupted ? true : nil
        self.packets = stats.packets
        self.bytes = stats.bytes
        self.start = stats.start.map(Report.iso8601)
        self.duration = stats.duration
        self.protocols = stats.protocols
        self.decodeStops = stats.decodeStops
        self.decodeStopExamples = stats.decodeStopExamples.map {
            DecodeStop(frame: $0.frame, reason: $0.reason.rawValue, layer: $0.layer.rawValue, detail: $0.detail)
        }
        self.unsupportedLinkTypes = stats.unsupportedLinkTypes
        self.snaplenCutFrames = stats.snaplenCutFrames
        self.snaplen = stats.snaplen
        self.flowsEvicted = stats.flowsEvicted
        self.timeStepsBack = stats.timeWentBack?.count
    }
}

/// One VPN attempt.
public struct SessionReport: Codable, Sendable {
    public var id: Int
    /// Stable lower-case protocol: ikev1, ikev2, l2tp-ipsec, pptp, l2tp, gre, ipsec.
    public var `protocol`: String
    /// The protocol as the text report shows it ("IKEv1 Aggressive Mode", "L2TP (no IPsec)"…).
    public var protocolLabel: String
    public var client: IPAddress
    public var server: IPAddress
    public var rolesFrom: String
    public var verdict: Verdict
    public var verdictLine: String
    public var furthestStage: Stage?
    public var stoppedAt: Stage?
    public var firstFrame: Int
    public var lastFrame: Int
    public var start: Double
    public var end: Double
    public var ladder: [StageReport]
    public var findings: [FindingReport]
    public var flows: [FlowReport]
    /// Only with `--evidence`.
    public var evidence: EvidenceReport?

    init(_ s: Report.SessionReport, evidence: Bool) {
        let e = s.evidence
        self.id = s.id
        self.protocol = Self.protocolValue(e)
        self.protocolLabel = s.protocolLabel
        self.client = s.client
        self.server = s.server
        self.rolesFrom = s.rolesFrom
        // The session's judgement, as `Report` made it.
        self.verdict = s.verdict
        self.verdictLine = s.verdictLine
        self.furthestStage = s.furthestStage
        self.stoppedAt = s.stoppedAt
        self.firstFrame = e.firstFrame
        self.lastFrame = e.lastFrame
        self.start = e.start
        self.end = e.end
        self.ladder = s.ladder.map(StageReport.init)
        self.findings = s.findings.map(FindingReport.init)
        self.flows = s.flows.map(FlowReport.init)
        self.evidence = evidence ? EvidenceReport(e) : nil
    }

    /// The session's stable protocol value (`VPNProtocol`'s raw value); "unknown" when only VPN
    /// ports were seen and nothing tells which VPN it is.
    static func protocolValue(_ s: Session) -> String { s.vpnProtocol?.rawValue ?? "unknown" }
}

/// One rung of the stage ladder.
public struct StageReport: Codable, Sendable {
    public var stage: Stage
    public var status: StageStatus
    public var label: String
    public var frames: [Int]
    public var start: Double?
    public var end: Double?
    public var detail: String?

    init(_ r: StageResult) {
        self.stage = r.stage
        self.status = r.status
        self.label = r.label
        self.frames = r.frames
        self.start = r.start
        self.end = r.end
        self.detail = r.detail
    }
}

/// What a rule concluded, with the facts it rests on.
public struct FindingReport: Codable, Sendable {
    public struct Fact: Codable, Sendable {
        public var text: String
        public var frames: [Int]
        public var time: Double?
    }

    public var rule: RuleID
    public var severity: Severity
    public var stage: Stage?
    public var session: Int?
    public var summary: String
    public var evidence: [Fact]
    public var explanation: String
    public var advice: [String]
    public var confidence: Confidence?

    init(_ f: Finding) {
        self.rule = f.rule
        self.severity = f.severity
        self.stage = f.stage
        self.session = f.session
        self.summary = f.summary
        self.evidence = f.evidence.map { Fact(text: $0.text, frames: $0.frames, time: $0.time) }
        self.explanation = f.explanation
        self.advice = f.advice
        self.confidence = f.confidence
    }
}

/// An address and port (0 for protocols without ports: ESP, GRE).
public struct EndpointReport: Codable, Sendable {
    public var address: IPAddress
    public var port: UInt16

    init(_ e: Endpoint) {
        self.address = e.address
        self.port = e.port
    }
}

/// Packets and bytes one way, capture-relative.
public struct TrafficReport: Codable, Sendable {
    public var packets: Int
    public var bytes: Int
    public var firstFrame: Int?
    public var lastFrame: Int?
    public var start: Double?
    public var end: Double?

    init(_ c: CounterSummary) {
        self.packets = c.packets
        self.bytes = c.bytes
        self.firstFrame = c.firstFrame
        self.lastFrame = c.lastFrame
        self.start = c.start
        self.end = c.end
    }
}

/// One flow of the session, both directions.
public struct FlowReport: Codable, Sendable {
    public var label: String
    public var ipProtocol: IPProtocol
    public var a: EndpointReport
    public var b: EndpointReport
    public var aToB: TrafficReport
    public var bToA: TrafficReport

    init(_ f: FlowSummary) {
        self.label = f.label
        self.ipProtocol = f.ipProtocol
        self.a = EndpointReport(f.a)
        self.b = EndpointReport(f.b)
        self.aToB = TrafficReport(f.aToB)
        self.bToA = TrafficReport(f.bToA)
    }
}
