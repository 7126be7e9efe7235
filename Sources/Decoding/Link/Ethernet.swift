/// A 48-bit MAC address held inline.
public struct MACAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String {
        (0..<6).map { i in
            let byte = UInt8(truncatingIfNeeded: self.rawValue >> UInt64((5 - i) * 8))
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined(separator: ":")
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(self.description)
    }
}

extension ByteReader {
    @inline(__always)
    public mutating func readMACAddress() throws(DecodeError) -> MACAddress {
        let hi = UInt64(try self.read(UInt16.self))
        return MACAddress(rawValue: hi << 32 | UInt64(try self.read(UInt32.self)))
    }
}

/// Ethernet II header — IEEE 802.3. An 802.3 length field (≤ 1500) instead of an EtherType is
/// kept as `etherType` with its raw value; the dispatcher does not decode LLC further.
public struct Ethernet: Hashable, Sendable, Codable {
    public var destination: MACAddress
    public var source: MACAddress
    public var etherType: EtherType

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .ethernet
        self.destination = try r.readMACAddress()
        self.source = try r.readMACAddress()
        self.etherType = EtherType(rawValue: try r.read(UInt16.self))
    }

    public var summary: String { "Ethernet \(self.source) > \(self.destination) type \(self.etherType)" }
}

/// An 802.1Q or 802.1ad tag (the TPID was read by the previous layer as its EtherType).
public struct VLANTag: Hashable, Sendable, Codable {
    public var tpid: EtherType
    public var priority: UInt8
    public var dropEligible: Bool
    public var id: UInt16
    /// The EtherType after the tag.
    public var etherType: EtherType

    public init(from r: inout ByteReader, tpid: EtherType) throws(DecodeError) {
        r.layer = .vlan
        self.tpid = tpid
        let tci = try r.read(UInt16.self)
        self.priority = UInt8(tci >> 13)
        self.dropEligible = tci & 0x1000 != 0
        self.id = tci & 0x0FFF
        self.etherType = EtherType(rawValue: try r.read(UInt16.self))
    }

    public var summary: String { "\(self.tpid) vlan \(self.id) pri \(self.priority) type \(self.etherType)" }
}
