import Capture
import Decoding

/// Packets, bytes and first/last sighting in one direction. A plain value, updated in place.
public struct TrafficCounter: Hashable, Sendable {
    public var packets = 0
    public var bytes = 0
    public var firstFrame = 0
    public var lastFrame = 0
    public var first = Timestamp(seconds: 0, nanoseconds: 0)
    public var last = Timestamp(seconds: 0, nanoseconds: 0)

    public init() {}

    @inline(__always)
    public mutating func add(frame: Int, time: Timestamp, bytes: Int) {
        if self.packets == 0 {
            self.firstFrame = frame
            self.first = time
        }
        self.packets &+= 1
        self.bytes &+= bytes
        self.lastFrame = frame
        self.last = time
    }
}

/// A conversation key whose endpoints are ordered canonically, so A→B and B→A are the same flow.
public struct FlowKey: Hashable, Sendable {
    public var low: Endpoint
    public var high: Endpoint
    public var ipProtocol: IPProtocol

    /// The key and whether `source` is the `low` end (direction 0).
    @inline(__always)
    public static func make(_ source: Endpoint, _ destination: Endpoint, _ proto: IPProtocol) -> (FlowKey, Int) {
        source <= destination
            ? (FlowKey(low: source, high: destination, ipProtocol: proto), 0)
            : (FlowKey(low: destination, high: source, ipProtocol: proto), 1)
    }

    /// True for the protocols and ports a VPN uses (never evicted before other flows).
    public var isVPN: Bool {
        switch self.ipProtocol {
        case .esp, .ah, .gre: return true
        case .udp: return Self.vpnUDPPorts.contains(self.low.port) || Self.vpnUDPPorts.contains(self.high.port)
        case .tcp: return self.low.port == 1723 || self.high.port == 1723
        default: return false
        }
    }
    static let vpnUDPPorts: Set<UInt16> = [500, 4500, 1701]
}

/// Counters for both directions of one flow: `directions[0]` is low → high.
public struct FlowStats: Hashable, Sendable {
    public var directions = (TrafficCounter(), TrafficCounter())
    public init() {}
    public static func == (a: Self, b: Self) -> Bool { a.directions.0 == b.directions.0 && a.directions.1 == b.directions.1 }
    public func hash(into h: inout Hasher) {
        h.combine(self.directions.0)
        h.combine(self.directions.1)
    }
    public var last: Timestamp { max(self.directions.0.last, self.directions.1.last) }
    public var isOneWay: Bool { self.directions.0.packets == 0 || self.directions.1.packets == 0 }
    @inline(__always)
    public mutating func add(direction: Int, frame: Int, time: Timestamp, bytes: Int) {
        if direction == 0 {
            self.directions.0.add(frame: frame, time: time, bytes: bytes)
        } else {
            self.directions.1.add(frame: frame, time: time, bytes: bytes)
        }
    }
}

/// Every flow of the capture, bounded: when `capacity` flows are held, the idle non-VPN flows are
/// evicted first (then the idlest VPN flows), and the table records that it happened.
public struct FlowTable: Sendable {
    public private(set) var flows: [FlowKey: FlowStats]
    public let capacity: Int
    public private(set) var evicted = 0
    public private(set) var firstEvictionFrame: Int?

    public init(capacity: Int) {
        self.capacity = max(16, capacity)
        self.flows = [:]
        self.flows.reserveCapacity(min(self.capacity, 1 << 16))
    }

    @inline(__always)
    public mutating func add(_ source: Endpoint, _ destination: Endpoint, _ proto: IPProtocol, frame: Int,
                             time: Timestamp, bytes: Int) {
        let (key, direction) = FlowKey.make(source, destination, proto)
        if let index = self.flows.index(forKey: key) {
            self.flows.values[index].add(direction: direction, frame: frame, time: time, bytes: bytes)
            return
        }
        if self.flows.count >= self.capacity { self.evict(frame: frame) }
        var stats = FlowStats()
        stats.add(direction: direction, frame: frame, time: time, bytes: bytes)
        self.flows[key] = stats
    }

    /// Removes a quarter of the table, idle non-VPN flows first. Rare (amortised), so it may allocate.
    mutating func evict(frame: Int) {
        if self.firstEvictionFrame == nil { self.firstEvictionFrame = frame }
        let target = max(1, self.capacity / 4)
        var candidates = self.flows.filter { !$0.key.isVPN }.map { ($0.key, $0.value.last) }
        if candidates.count < target {
            candidates += self.flows.filter { $0.key.isVPN }.map { ($0.key, $0.value.last) }
        }
        candidates.sort { $0.1 < $1.1 }
        for (key, _) in candidates.prefix(target) { self.flows.removeValue(forKey: key) }
        self.evicted += min(target, candidates.count)
    }
}
