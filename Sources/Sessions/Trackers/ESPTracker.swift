import Capture
import Decoding

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

/// GRE per (source, destination, version, call ID): PPTP's data channel (version 1) or a plain GRE
/// tunnel (version 0), one direction each.
/// GRE in one direction: every packet, and those carrying user data (PPTP: a datagram inside PPP,
/// not LCP and not an acknowledgment alone).
public struct GREStreamStats: Hashable, Sendable {
    public var counter = TrafficCounter()
    public var userData = 0
    public var firstUserDataFrame = 0
    public var firstUserDataTime = Timestamp(seconds: 0, nanoseconds: 0)

    @inline(__always)
    mutating func add(frame: Int, time: Timestamp, bytes: Int, userData: Bool) {
        self.counter.add(frame: frame, time: time, bytes: bytes)
        if userData {
            if self.userData == 0 { (self.firstUserDataFrame, self.firstUserDataTime) = (frame, time) }
            self.userData &+= 1
        }
    }
}

public struct GREStreamKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var version: UInt8
    public var callID: UInt16
    @inline(__always)
    public func _rawHashValue(seed: Int) -> Int {
        KeyHash.hash(self.source, self.destination, UInt64(self.version) << 16 | UInt64(self.callID), seed: seed)
    }
}
