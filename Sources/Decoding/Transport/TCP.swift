/// TCP header flags — RFC 9293 §3.1 (plus ECE/CWR, RFC 3168).
public struct TCPFlags: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = Self(rawValue: 0x001)
    public static let syn = Self(rawValue: 0x002)
    public static let rst = Self(rawValue: 0x004)
    public static let psh = Self(rawValue: 0x008)
    public static let ack = Self(rawValue: 0x010)
    public static let urg = Self(rawValue: 0x020)
    public static let ece = Self(rawValue: 0x040)
    public static let cwr = Self(rawValue: 0x080)

    /// "SYN,ACK" style, for summaries.
    public var summary: String {
        let names: [(Self, String)] = [(.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"),
                                       (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR")]
        return names.filter { self.contains($0.0) }.map(\.1).joined(separator: ",")
    }
}

/// TCP header — RFC 9293 §3.1. Options are skipped (kept as their length); the payload stays in
/// the frame. A minimal decoder: enough for PPTP control (1723) and DNS over TCP (53).
public struct TCP: Hashable, Sendable, Codable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequence: UInt32
    public var acknowledgment: UInt32
    /// Header length in bytes (data offset × 4), options included.
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    public var checksum: UInt16
    public var urgentPointer: UInt16
    public var payload: ByteRange

    /// True when either port is `port`.
    public func either(is port: UInt16) -> Bool { self.sourcePort == port || self.destinationPort == port }

    /// Decodes the header (options skipped) and leaves `r` on the payload.
    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .tcp
        let start = r.offset
        self.sourcePort = try r.read()
        self.destinationPort = try r.read()
        self.sequence = try r.read()
        self.acknowledgment = try r.read()
        let offsetAndFlags = try r.read(UInt16.self)
        self.headerLength = Int(offsetAndFlags >> 12) * 4
        guard self.headerLength >= 20 else {
            throw DecodeError(.lengthFieldTooSmall, layer: .tcp, offset: start + 12, needed: 20,
                              available: self.headerLength, lengthSource: .tcpDataOffset)
        }
        self.flags = TCPFlags(rawValue: offsetAndFlags & 0x01FF)
        self.window = try r.read()
        self.checksum = try r.read()
        self.urgentPointer = try r.read()
        try r.skip(self.headerLength - 20)
        self.payload = r.rest
    }

    public var summary: String {
        "TCP \(self.sourcePort) → \(self.destinationPort) [\(self.flags.summary)] seq=\(self.sequence) len=\(self.payload.count)"
    }
}
