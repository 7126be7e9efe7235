import Capture
import Decoding

/// ESP and AH by stream (`ESPStreamKey`), updated in place; when the table is full its idlest
/// quarter goes (`AnalysisLimits.streams`). A session's streams are those on its endpoints
/// (`Attempts.owner`): ESP-in-UDP follows its ports, ESP on IP its host pair.
struct ESPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var streams: [ESPStreamKey: ESPStreamStats] = [:]
    private(set) var dropped = DroppedState()

    init(limits: AnalysisLimits) {
        self.limits = limits
        self.streams.reserveCapacity(1024)
    }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .esp(let e):
            self.add(e, fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: fact.time, bytes: fact.ipLength,
                     isAH: false)
        case .ah(let spi, let sequence):
            self.add(ESPFact(spi: spi, sequence: sequence), fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame,
                     time: fact.time, bytes: fact.ipLength, isAH: true)
        default: break
        }
    }

    @inline(__always)
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double) {
        guard case .esp(let e) = d.kind else { return }
        self.add(e, Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame, time: time,
                 bytes: d.ipLength, isAH: false)
    }

    /// The ports count only for ESP-in-UDP.
    @inline(__always)
    mutating func add(_ e: ESPFact, _ source: Endpoint, _ destination: Endpoint, frame: Int, time: Timestamp,
                      bytes: Int, isAH: Bool) {
        let ports = e.udpEncapsulated ? UInt32(source.port) << 16 | UInt32(destination.port) : 0
        let key = ESPStreamKey(source: source.address, destination: destination.address, spi: e.spi, ports: ports)
        if let index = self.streams.index(forKey: key) {
            self.streams.values[index].add(e, frame: frame, time: time, bytes: bytes)
            return
        }
        if self.streams.count >= self.limits.streams {
            self.dropped.streams += self.streams.evictIdle(max(1, self.limits.streams / 4), lastFrame: \.counter.lastFrame)
        }
        var stats = ESPStreamStats()
        stats.isAH = isAH
        stats.add(e, frame: frame, time: time, bytes: bytes)
        self.streams[key] = stats
    }

    /// Every stream as reported, by first frame (`Attempts` ties ESP on other hosts with them).
    /// By first frame; the places are sorted, not the streams (large).
    func list(start: Timestamp) -> [ESPStream] {
        let list = self.streams.map { key, s in
            ESPStream(source: key.source, destination: key.destination, spi: key.spi, udpEncapsulated: s.udpEncapsulated,
                      sourcePort: UInt16(truncatingIfNeeded: key.ports >> 16), destinationPort: UInt16(truncatingIfNeeded: key.ports),
                      isAH: s.isAH, traffic: Analyzer.summary(s.counter, start: start), firstSequence: s.firstSequence,
                      highestSequence: s.highestSequence, missing: s.missing, gaps: s.gaps, reordered: s.reordered,
                      firstGapFrame: s.firstGapFrame == 0 ? nil : s.firstGapFrame)
        }
        return list.indices.sorted { (list[$0].traffic.firstFrame ?? 0) < (list[$1].traffic.firstFrame ?? 0) }.map { list[$0] }
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for s in self.list(start: scope.start) {
            if let a = scope.attempts.owner(Endpoint(s.source, s.sourcePort), Endpoint(s.destination, s.destinationPort)) {
                sessions[a]?.esp.append(s)
            }
        }
    }
}

/// ESP per SPI: SPIs are one-way, so a stream is (source, destination, SPI), with its UDP ports
/// when encapsulated (two clients behind one NAT differ by them). Plain values, updated in place:
/// no allocation per packet once the stream exists.
public struct ESPStreamKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var spi: UInt32
    /// Source port << 16 | destination port of ESP-in-UDP; 0 for ESP and AH on IP.
    public var ports: UInt32 = 0
    @inline(__always)
    public func _rawHashValue(seed: Int) -> Int {
        KeyHash.hash(self.source, self.destination, UInt64(self.ports) << 32 | UInt64(self.spi), seed: seed)
    }
}

public struct ESPStreamStats: Hashable, Sendable {
    public var counter = TrafficCounter()
    public var udpEncapsulated = false
    /// AH (RFC 4302) rather than ESP: counted the same way.
    public var isAH = false
    public var firstSequence: UInt32 = 0
    public var lastSequence: UInt32 = 0
    public var highestSequence: UInt32 = 0
    /// Sequence numbers skipped (sum of gaps), a loss estimate at the capture point.
    public var missing = 0
    public var gaps = 0
    public var reordered = 0
    /// First frame after which a gap was seen.
    public var firstGapFrame = 0

    @inline(__always)
    mutating func add(_ esp: ESPFact, frame: Int, time: Timestamp, bytes: Int) {
        if self.counter.packets == 0 {
            self.firstSequence = esp.sequence
            self.highestSequence = esp.sequence
            self.udpEncapsulated = esp.udpEncapsulated
        } else if esp.sequence > self.highestSequence {
            let gap = Int(esp.sequence - self.highestSequence) - 1
            // A jump of more than 2^16 is a new SA reusing the SPI or garbage, not loss.
            if gap > 0, gap < 65_536 {
                self.missing += gap
                self.gaps += 1
                if self.firstGapFrame == 0 { self.firstGapFrame = frame }
            }
            self.highestSequence = esp.sequence
        } else {
            self.reordered += 1
        }
        self.lastSequence = esp.sequence
        self.counter.add(frame: frame, time: time, bytes: bytes)
    }
}

