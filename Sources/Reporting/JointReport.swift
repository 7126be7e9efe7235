import Decoding
import Diagnosis
import Sessions

/// A joint report in JSON: captures of one attempt from several vantage points (`JointAttempt`).
public struct JointAttemptReport: Codable, Sendable {
    public struct VantageReport: Codable, Sendable {
        public var file: String
        public var vantage: String
        /// "named" (`--vantage`) or "from TTLs".
        public var orderedBy: String
    }

    public struct ClockReport: Codable, Sendable {
        public var vantage: String
        /// Seconds to add to the client vantage's times to get this one's; absent when no packet was seen at both.
        public var offset: Double?
        /// One-way delay from the client vantage, when packets were matched both ways.
        public var oneWayDelay: Double?
        public var packetsForward: Int
        public var packetsBackward: Int
    }

    public struct NATReport: Codable, Sendable {
        public var role: String
        public var before: EndpointReport
        public var after: EndpointReport
        public var at: String
        public var text: String
    }

    public var vantages: [VantageReport]
    public var matchedPackets: Int
    public var clocks: [ClockReport]
    public var nat: [NATReport]
    public var sessions: [JointSessionReport]
    /// Frames past the per-capture ceiling of the matching (not matched); absent when none.
    public var packetsNotMatched: Int?

    init(_ a: JointAttempt) {
        let names = a.vantages.map(\.name)
        self.vantages = a.vantages.map { VantageReport(file: $0.file, vantage: $0.name, orderedBy: $0.how) }
        self.matchedPackets = a.matchedPackets
        self.clocks = a.clocks.map { ClockReport(vantage: names[$0.vantage], offset: $0.offset, oneWayDelay: $0.oneWayDelay,
                                                 packetsForward: $0.forward, packetsBackward: $0.backward) }
        self.nat = a.nat.map { NATReport(role: $0.role, before: EndpointReport($0.before), after: EndpointReport($0.after), at: $0.at, text: $0.text) }
        self.sessions = a.sessions.map { JointSessionReport($0, vantages: a.vantages) }
        self.packetsNotMatched = a.printsDropped > 0 ? a.printsDropped : nil
    }
}

public struct JointSessionReport: Codable, Sendable {
    public struct Member: Codable, Sendable {
        public var vantage: String
        public var file: String
        public var session: Int
    }

    public struct Segment: Codable, Sendable {
        public var from: String
        public var to: String
    }

    public struct MessageReport: Codable, Sendable {
        public struct Sighting: Codable, Sendable {
            public var vantage: String
            public var frame: Int
        }
        /// "client-to-server" or "server-to-client".
        public var direction: String
        public var label: String
        public var time: Double
        public var seenAt: [Sighting]
        /// The last vantage point that saw it, when it was lost after it.
        public var lostAfter: String?
    }

    public struct FindingReport: Codable, Sendable {
        public struct Frames: Codable, Sendable {
            public var file: String
            public var vantage: String
            public var frames: [Int]
        }
        public var rule: String
        public var severity: Severity
        public var summary: String
        public var lossLocation: LossLocation
        public var segment: String?
        public var frames: [Frames]
        public var advice: [String]
    }

    public var client: IPAddress
    public var server: IPAddress
    public var `protocol`: String
    public var lossLocation: LossLocation
    public var lossSegment: Segment?
    public var members: [Member]
    public var messages: [MessageReport]
    /// Messages past the first `messageLimit`, not listed; absent when none.
    public var messagesNotListed: Int?
    public var findings: [FindingReport]

    /// Messages listed per joint session at most (as `AnalysisLimits.messagesPerSession`).
    static let messageLimit = 1_024

    init(_ s: JointSession, vantages: [JointAttempt.Vantage]) {
        let names = vantages.map(\.name)
        self.client = s.client
        self.server = s.server
        self.protocol = s.protocolLabel
        self.lossLocation = s.lossLocation
        self.lossSegment = s.lossSegment.map { Segment(from: $0.from, to: $0.to) }
        self.members = s.members.enumerated().compactMap { p, id in id.map { Member(vantage: names[p], file: vantages[p].file, session: $0) } }
        self.messages = s.messages.prefix(Self.messageLimit).map { m in
            MessageReport(direction: m.fromClient ? "client-to-server" : "server-to-client", label: m.label, time: m.time,
                          seenAt: m.frames.enumerated().compactMap { p, f in f.map { .init(vantage: names[p], frame: $0) } },
                          lostAfter: m.lostAfter.map { names[$0] })
        }
        self.messagesNotListed = s.messages.count > Self.messageLimit ? s.messages.count - Self.messageLimit : nil
        self.findings = s.findings.map { f in
            FindingReport(rule: f.rule, severity: f.severity, summary: f.summary, lossLocation: f.lossLocation, segment: f.segment,
                          frames: f.frames.map { .init(file: $0.file, vantage: $0.vantage, frames: $0.frames) }, advice: f.advice)
        }
    }
}
