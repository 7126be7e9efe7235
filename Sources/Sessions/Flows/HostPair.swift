import Decoding

/// Two hosts, ordered canonically: the key of a session before client and server are known.
public struct HostPair: Hashable, Sendable, Codable {
    public var low: IPAddress
    public var high: IPAddress
    public init(_ a: IPAddress, _ b: IPAddress) {
        if a <= b { self.low = a; self.high = b } else { self.low = b; self.high = a }
    }
    public func other(than a: IPAddress) -> IPAddress { a == self.low ? self.high : self.low }
    public func contains(_ a: IPAddress) -> Bool { a == self.low || a == self.high }
    @inline(__always)
    public func _rawHashValue(seed: Int) -> Int { KeyHash.hash(self.low, self.high, 0, seed: seed) }
}

/// Two endpoints (address and port), ordered canonically: a UDP or TCP conversation either way, the
/// key that ties an IKE SA, the ESP-in-UDP beside it and its flows to one client behind a NAT.
public struct EndpointPair: Hashable, Sendable, Codable {
    public var low: Endpoint
    public var high: Endpoint
    public init(_ a: Endpoint, _ b: Endpoint) {
        if a <= b { self.low = a; self.high = b } else { self.low = b; self.high = a }
    }
    public var hosts: HostPair { HostPair(self.low.address, self.high.address) }
}
