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

    @inline(__always)
    public func _rawHashValue(seed: Int) -> Int {
        KeyHash.hash(self.low.address, self.high.address,
                     UInt64(self.low.port) << 24 | UInt64(self.high.port) << 8 | UInt64(self.ipProtocol.rawValue), seed: seed)
    }

    /// True for the protocols and ports a VPN uses (never evicted before other flows).
    public var isVPN: Bool { ProtocolRegistry.isVPN(self.ipProtocol, self.low.port, self.high.port) }
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
    public var lastFrame: Int { max(self.directions.0.lastFrame, self.directions.1.lastFrame) }
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

/// A non-VPN flow as the table keeps it: packets each way and when it was last seen. Small, as
/// such flows are most of a gateway's table and only counted (flows, one-way flows).
public struct FlowActivity: Hashable, Sendable {
    public var packets: (UInt32, UInt32) = (0, 0)
    public var lastFrame = 0
    public static func == (a: Self, b: Self) -> Bool { a.packets == b.packets && a.lastFrame == b.lastFrame }
    public func hash(into h: inout Hasher) {
        h.combine(self.packets.0)
        h.combine(self.packets.1)
        h.combine(self.lastFrame)
    }
    public var isOneWay: Bool { self.packets.0 == 0 || self.packets.1 == 0 }
}

/// Every flow of the capture, bounded: when `capacity` flows are held, the idle non-VPN flows are
/// evicted first (then the idlest VPN flows), and the table records that it happened. VPN flows keep
/// full counters (they are reported); the others only their activity.
public struct FlowTable: Sendable {
    public private(set) var vpn: [FlowKey: FlowStats] = [:]
    private(set) var other: OtherFlows
    public let capacity: Int
    public private(set) var evicted = 0
    public private(set) var firstEvictionFrame: Int?

    public init(capacity: Int) {
        self.capacity = max(16, capacity)
        self.other = OtherFlows(capacity: self.capacity)
    }

    public var count: Int { self.vpn.count + self.other.count }
    public var oneWayCount: Int {
        var count = self.vpn.values.lazy.filter(\.isOneWay).count
        self.other.forEach { _, activity in if activity.isOneWay { count += 1 } }
        return count
    }

    /// `isVPN`: the packet is VPN traffic by its meaning (WireGuard on any port), whatever its ports.
    @inline(__always)
    public mutating func add(_ source: Endpoint, _ destination: Endpoint, _ proto: IPProtocol, isVPN: Bool = false, frame: Int,
                             time: Timestamp, bytes: Int) {
        let (key, direction) = FlowKey.make(source, destination, proto)
        if isVPN || key.isVPN {
            if let index = self.vpn.index(forKey: key) {
                self.vpn.values[index].add(direction: direction, frame: frame, time: time, bytes: bytes)
                return
            }
            if self.count >= self.capacity { self.evict(frame: frame) }
            var stats = FlowStats()
            stats.add(direction: direction, frame: frame, time: time, bytes: bytes)
            self.vpn[key] = stats
        } else {
            let hash = self.other.hash(key)
            if self.other.count(key, hash: hash, direction: direction, frame: frame) { return }
            if self.count >= self.capacity { self.evict(frame: frame) }
            var activity = FlowActivity()
            activity.count(direction: direction, frame: frame)
            self.other.insert(key, hash: hash, activity: activity)
        }
    }

    /// Removes a quarter of the table, idle non-VPN flows first. Rare (amortised), so it may allocate.
    mutating func evict(frame: Int) {
        if self.firstEvictionFrame == nil { self.firstEvictionFrame = frame }
        let target = max(1, self.capacity / 4)
        let fromOther = self.other.evictIdle(target)
        self.evicted += fromOther
        if fromOther < target { self.evicted += self.vpn.evictIdle(target - fromOther, lastFrame: \.lastFrame) }
    }
}

extension FlowActivity {
    @inline(__always)
    mutating func count(direction: Int, frame: Int) {
        if direction == 0 { self.packets.0 &+= 1 } else { self.packets.1 &+= 1 }
        self.lastFrame = frame
    }
}
