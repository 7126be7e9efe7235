import Capture
import Decoding

/// Consumes a capture's packets in order and derives the evidence of every VPN attempt.
///
/// One per capture file. Data-plane packets (ESP, GRE, bulk traffic) update counters in tables
/// keyed by small values, in place: no heap allocation per packet once their stream exists.
public struct Analyzer {
    public let options: AnalysisOptions

    var stats = CaptureStatistics()
    /// Per-packet counts by case index (no hashing per layer); named by `finish()`.
    var layerCounts = [Int](repeating: 0, count: 256)
    var stopCounts = [Int](repeating: 0, count: 256)
    let limits: AnalysisLimits
    var dropped = DroppedState()
    var flows: FlowTable
    /// Every protocol's state (`Trackers`): each fact goes to all of them.
    var trackers: Trackers
    /// PPTP's TCP 1723 and OpenVPN over TCP reassembled, for messages split over segments
    /// (Analyzer+TCPStreams.swift).
    var tcpStreams = TCPStreams()
    /// Connections on ports other than TCP 4500 that opened with RFC 8229's prefix: the header-byte
    /// path leaves them to the decoder (Analyzer+IKETCP.swift).
    var prefixedStreams = PrefixedStreams()
    var pairs: [HostPair: PairState] = [:]
    var pairOrder: [HostPair] = []
    var serverPackets = 0
    var decryptedFrames: [Int] = []
    /// The timestamp of the frame before (`noteTimeWentBack`); the capture's end is the latest.
    var previousTime = Timestamp(seconds: 0, nanoseconds: 0)

    /// The span of one pair of hosts that exchanged VPN traffic (the trackers hold its evidence).
    struct PairState {
        var firstFrame: Int
        var lastFrame: Int
        var start: Double
        var end: Double
        /// This pair's packets came out of ESP decrypted with the user's keys (L2TP/IPsec's inner hosts).
        var insideESP = false

        /// One access to the table's entry per packet, not one per field.
        @inline(__always)
        mutating func extend(frame: Int, time: Double) {
            self.lastFrame = frame
            self.end = time
        }
    }

    public init(options: AnalysisOptions) {
        self.options = options
        self.limits = options.limits
        self.flows = FlowTable(capacity: options.flowTableCapacity)
        self.trackers = Trackers(limits: options.limits)
        self.stats.flowTableCapacity = self.flows.capacity
    }

    // MARK: - Input

    /// What `add(_:decoder:into:)` did with a frame.
    public enum Reading {
        /// Counted from its header bytes (`packet` was not touched).
        case dataPlane(source: IPAddress, destination: IPAddress)
        /// Decoded into `packet`, then added.
        case decoded
    }

    /// Every frame, in capture order: a data-plane packet (ESP, NAT-T ESP, PPTP GRE data, bulk
    /// TCP/UDP) is counted straight from its header bytes, without decoding or allocating; any other
    /// is decoded with `decoder` into `packet` (reused) and added.
    @inline(__always)
    public mutating func add(_ frame: RawFrame, decoder: inout PacketDecoder, into packet: inout DecodedPacket) -> Reading {
        // With keys (`decrypter`) ESP is decoded, to be decrypted, instead of counted from its header.
        guard decoder.decrypter == nil,
              let reading = Classifier.wire(frame, limits: decoder.dissector.limits, prefixed: &self.prefixedStreams) else {
            decoder.decode(frame, into: &packet)
            self.add(packet, bytes: frame.bytes)
            return .decoded
        }
        self.add(reading, frame: frame.info)
        return .dataPlane(source: reading.fact.source, destination: reading.fact.destination)
    }

    /// A data-plane frame by its reading (see `Classifier.wire`), in capture order with the others.
    @inline(__always)
    public mutating func add(_ reading: WireReading, frame info: FrameInfo) {
        self.count(info)
        reading.layers.forEach { self.layerCounts[caseIndex($0)] &+= 1 }
        if let stop = reading.stop { self.noteStop(stop, frame: info.number) }
        self.record(reading.fact, frame: info.number, time: info.timestamp)
    }

    /// The IKE message of `frame`, when it is the last one added, as recorded: its step in the
    /// exchange and the frame it repeats. `packets` labels its lines with it, in one pass.
    public func lastIKEMessage(frame: Int) -> IKEMessageRecord? {
        self.trackers.ike.last?.frame == frame ? self.trackers.ike.last : nil
    }

    /// The IKE messages and ESP packets of an RFC 8229 stream that `frame` completed but could not
    /// show itself (split over segments, or off TCP 4500 after the prefix), when it is the last frame added: each one's first frame
    /// and summary. `packets` lists them under the frame's line.
    public func reassembledMessages(frame: Int) -> [(firstFrame: Int, summary: String)] {
        self.trackers.ikeTCP.reassembled.frame == frame ? self.trackers.ikeTCP.reassembled.messages : []
    }

    /// Every decoded frame, in capture order, with the bytes it was decoded from (a PPTP message split
    /// over TCP segments is read from them).
    public mutating func add(_ packet: DecodedPacket, bytes: UnsafeRawBufferPointer) {
        let frame = packet.frame
        self.count(frame)
        // One pass: each layer's kind counted, and the outermost IP header found (reading a layer
        // copies it out of the array; once is enough).
        var ipIndex = packet.layers.count
        var mayBeDecrypted = false  // only IKE and ESP are (`noteDecrypted`)
        for i in packet.layers.indices {
            let kind = packet.layers[i].kind
            self.layerCounts[caseIndex(kind)] &+= 1
            if ipIndex == packet.layers.count, kind == .ipv4 || kind == .ipv6 { ipIndex = i }
            if kind == .isakmp || kind == .ikev2 || kind == .esp { mayBeDecrypted = true }
        }
        if let stop = packet.stop { self.noteStop(stop, frame: frame.number) }
        guard let fact = Classifier.fact(from: packet, ipAt: ipIndex) else { return }
        if packet.stop?.reason == .truncated, fact.isVPN, self.stats.truncatedVPNFrames.count < 50 {
            self.stats.truncatedVPNFrames.append(frame.number)
        }
        self.record(fact)
        if mayBeDecrypted { self.noteDecrypted(packet) }
        if fact.tcp != nil, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .pptpControl {
            self.readPPTPStream(packet, fact, bytes: bytes)
        }
        if fact.tcp != nil, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .openvpn {
            self.readOpenVPNStream(packet, fact, bytes: bytes)
        }
        if fact.tcp != nil { self.readIKETCPStream(packet, fact, bytes: bytes) }
        // What a plain GRE tunnel carries is analysed as its own packet (GRE in GRE: each level).
        var tunnel = HostPair(fact.source, fact.destination), next = Classifier.carried(by: fact, in: packet, ipAt: ipIndex)
        while let i = next, let inner = Classifier.fact(from: packet, ipAt: i) {
            self.record(inner, carriedIn: tunnel)
            if case .esp = fact.kind { self.pairs[HostPair(inner.source, inner.destination)]?.insideESP = true }
            tunnel = HostPair(inner.source, inner.destination)
            next = Classifier.carried(by: inner, in: packet, ipAt: i)
        }
    }

    @inline(__always)
    mutating func count(_ frame: FrameInfo) {
        self.stats.packets &+= 1
        self.stats.bytes &+= frame.originalLength
        self.stats.capturedBytes &+= frame.capturedLength
        if self.stats.start == nil { self.stats.start = frame.timestamp }
        if frame.timestamp < self.previousTime { self.noteTimeWentBack(frame) }
        self.previousTime = frame.timestamp
        if self.stats.end.map({ frame.timestamp > $0 }) ?? true { self.stats.end = frame.timestamp }
        if frame.isTruncatedBySnaplen { self.noteSnaplenCut(frame) }
    }

    /// One packet known only by its fact (tests build these directly): counts it, then records it.
    public mutating func add(fact: PacketFact) {
        self.count(FrameInfo(number: fact.frame, timestamp: fact.time, capturedLength: fact.capturedLength,
                             originalLength: fact.originalLength, linkType: .ethernet))
        self.record(fact)
    }

    mutating func noteTimeWentBack(_ frame: FrameInfo) {
        let step = self.previousTime.seconds(since: frame.timestamp)
        guard var back = self.stats.timeWentBack else {
            self.stats.timeWentBack = .init(count: 1, firstFrame: frame.number, largestStep: step, largestStepFrame: frame.number)
            return
        }
        back.count += 1
        if step > back.largestStep { (back.largestStep, back.largestStepFrame) = (step, frame.number) }
        self.stats.timeWentBack = back
    }

    mutating func noteSnaplenCut(_ frame: FrameInfo) {
        self.stats.snaplenCutFrames += 1
        if self.stats.firstSnaplenCutFrames.count < 10 { self.stats.firstSnaplenCutFrames.append(frame.number) }
        self.stats.snaplen = max(self.stats.snaplen ?? 0, frame.capturedLength)
    }

    mutating func noteStop(_ stop: DecodeStop, frame: Int) {
        self.stopCounts[caseIndex(stop.reason)] &+= 1
        if self.stats.decodeStopExamples.count < 20 {
            self.stats.decodeStopExamples.append(DecodeStopRecord(frame: frame, reason: stop.reason, layer: stop.layer,
                                                                  detail: stop.detail))
        }
        if stop.reason == .unsupported, stop.layer == .link, let detail = stop.detail,
           !self.stats.unsupportedLinkTypes.contains(detail) {
            self.stats.unsupportedLinkTypes.append(detail)
        }
    }

    /// The data-plane fast path: the evidence `record(_: PacketFact)` derives from the same packet's
    /// `.esp`, `.gre` or `.other` fact, through the same trackers.
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp) {
        if let server = self.options.server, d.source != server, d.destination != server { return }
        let isVPN: Bool = switch d.kind {
        case .esp, .gre, .wireguard, .openvpnData: true
        case .other, .tlsData: ProtocolRegistry.isVPN(d.ipProtocol, d.sourcePort, d.destinationPort)
        }
        self.countTraffic(Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), d.ipProtocol,
                          isVPN: isVPN, frame: frame, time: time, bytes: d.ipLength)
        var visit = DataPlaneVisit(fact: d, frame: frame, time: time, seconds: time.seconds(since: self.stats.start!))
        self.trackers.each(&visit)
    }

    /// A packet to or from the server (any packet without `--server`): its flow, the server's
    /// count, and the host pair of VPN traffic.
    @inline(__always)
    mutating func countTraffic(_ source: Endpoint, _ destination: Endpoint, _ ipProtocol: IPProtocol, isVPN: Bool,
                               frame: Int, time: Timestamp, bytes: Int) {
        self.flows.add(source, destination, ipProtocol, isVPN: isVPN, frame: frame, time: time, bytes: bytes)
        if self.options.server != nil || isVPN { self.serverPackets &+= 1 }
        if isVPN { self.touchPair(source.address, destination.address, frame: frame, time: time.seconds(since: self.stats.start!)) }
    }

    /// Derives the evidence of one packet's fact (`carriedIn`: the plain GRE tunnel it came out of).
    mutating func record(_ fact: PacketFact, carriedIn tunnel: HostPair? = nil) {
        if self.stats.start == nil { self.stats.start = fact.time }
        let time = fact.time.seconds(since: self.stats.start!)
        if let server = self.options.server, fact.source != server, fact.destination != server {
            // Off-server traffic still matters when it resolves the server's name or reports an
            // error about a packet to it.
            return self.visitTrackers(fact, self.context(time, tunnel), offServer: true)
        }
        self.countTraffic(fact.sourceEndpoint, fact.destinationEndpoint, fact.ipProtocol, isVPN: fact.isVPN,
                          frame: fact.frame, time: fact.time, bytes: fact.ipLength)
        // An echo with the server given tells of its reachability: its pair gets a span.
        if case .icmpEcho = fact.kind, let server = self.options.server, self.pairs[HostPair(fact.source, fact.destination)] == nil,
           HostPair(fact.source, fact.destination).contains(server) {
            self.touchPair(fact.source, fact.destination, frame: fact.frame, time: time)
        }
        self.visitTrackers(fact, self.context(time, tunnel), offServer: false)
    }

    /// The fact to every tracker, lent by address: a `FactVisit` holding a copy of it cost a copy
    /// and a destroy of the whole fact each packet.
    private mutating func visitTrackers(_ fact: PacketFact, _ context: TrackerContext, offServer: Bool) {
        withUnsafePointer(to: fact) { fact in
            var visit = FactVisit(fact: fact, context: context, offServer: offServer)
            self.trackers.each(&visit)
        }
    }

    func context(_ time: Double, _ tunnel: HostPair?) -> TrackerContext {
        TrackerContext(time: time, pairs: self.pairs, server: self.options.server, tunnel: tunnel)
    }

    // MARK: - Per protocol

    mutating func touchPair(_ source: IPAddress, _ destination: IPAddress, frame: Int, time: Double) {
        // Traffic to a group (OSPFv3's AH to ff02::5, group SAs) is no client–server attempt: it is
        // one-way by nature, and no session is made of it.
        guard !destination.isGroup else { return }
        let pair = HostPair(source, destination)
        if let index = self.pairs.index(forKey: pair) {
            self.pairs.values[index].extend(frame: frame, time: time)
        } else if self.pairs.count < self.limits.hostPairs {
            self.pairs[pair] = PairState(firstFrame: frame, lastFrame: frame, start: time, end: time)
            self.pairOrder.append(pair)
        } else {
            self.dropped.hostPairs &+= 1
        }
    }

    /// Frames whose control payloads were decrypted with the user's keys (IKE, or L2TP/PPP control
    /// inside ESP): the findings citing them are certain. Bounded like the other frame lists.
    mutating func noteDecrypted(_ packet: DecodedPacket) {
        guard self.decryptedFrames.count < 4_096 else { return }
        var insideESP = false
        // Index loop: iterating `layers` itself allocates in an unoptimised build (the allocation guard).
        var i = 0
        while i < packet.layers.count {
            defer { i += 1 }
            let decrypted: Bool
            switch packet.layers[i] {
            case .ikev2(let m): decrypted = m.decryptedPayloads != nil
            case .isakmp(let m): decrypted = m.decrypted == true
            case .esp(let e): insideESP = e.decrypted == true; decrypted = false
            case .l2tpControl, .pppControl, .icmp: decrypted = insideESP
            default: decrypted = false
            }
            if decrypted { return self.decryptedFrames.append(packet.frame.number) }
        }
    }
}

/// A decoded packet's fact to each tracker (the fact lent for the visit, `Analyzer.visitTrackers`).
struct FactVisit: TrackerVisitor {
    let fact: UnsafePointer<PacketFact>
    let context: TrackerContext
    let offServer: Bool
    @inline(__always)
    mutating func visit<T: Tracker>(_ tracker: inout T) {
        if self.offServer {
            tracker.recordOffServer(self.fact.pointee, self.context)
        } else {
            tracker.record(self.fact.pointee, self.context)
        }
    }
}

/// A data-plane packet to each tracker (those without a data plane ignore it).
struct DataPlaneVisit: TrackerVisitor {
    let fact: DataPlaneFact
    let frame: Int
    let time: Timestamp
    let seconds: Double
    @inline(__always)
    mutating func visit<T: Tracker>(_ tracker: inout T) {
        tracker.record(self.fact, frame: self.frame, time: self.time, seconds: self.seconds)
    }
}

extension PacketFact {
    /// True when the packet belongs to a VPN protocol (IKE, ESP, AH, GRE, L2TP, PPTP, NAT-T, WireGuard).
    public var isVPN: Bool {
        switch self.kind {
        case .ike, .esp, .ah, .natKeepalive, .gre, .pptp, .l2tpControl, .l2tpData, .pppControl, .wireguard, .openvpn, .ikeTCP: return true
        case .dns, .icmpError, .icmpEcho, .ipFragment, .dtls, .tls: return false
        // No VPN meaning of its own: VPN traffic by its IP protocol or ports.
        case .other: return ProtocolRegistry.isVPN(self.ipProtocol, self.sourcePort, self.destinationPort)
        }
    }
}

/// The case index of a payload-free enum (its one-byte in-memory form): counts by case without hashing.
@inline(__always)
func caseIndex<E>(_ value: E) -> Int {
    precondition(MemoryLayout<E>.size == 1)
    return withUnsafeBytes(of: value) { Int($0[0]) }
}
