/// TCP control bits — RFC 9293 §3.1 (plus ECE/CWR, RFC 3168, and AE, RFC 9768 / former NS).
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
    public static let ae = Self(rawValue: 0x100)

    /// tcpdump's notation: `S`, `F`, `R`, `P`, `U`, `E`, `W`, and `.` for ACK (`[S.]` is a SYN-ACK).
    public var tcpdumpNotation: String {
        var s = ""
        for (flag, letter) in [(Self.syn, "S"), (.fin, "F"), (.rst, "R"), (.psh, "P"), (.urg, "U"), (.ece, "E"),
                               (.cwr, "W"), (.ack, ".")] where self.contains(flag) {
            s += letter
        }
        return s.isEmpty ? "none" : s
    }
}

/// TCP header — RFC 9293 §3.1. Options are skipped (their length is kept); the reader is left on
/// the segment data.
public struct TCP: Hashable, Sendable, Codable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    /// Data offset in bytes (20…60).
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    public var checksum: UInt16
    public var urgentPointer: UInt16
    public var optionsLength: Int { self.headerLength - 20 }
    /// Where the segment data sits in the frame (up to the end of the IP payload).
    public var payload: ByteRange

    public func either(is port: UInt16) -> Bool { self.sourcePort == port || self.destinationPort == port }

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .tcp
        let start = r.offset
        self.sourcePort = try r.read()
        self.destinationPort = try r.read()
        self.sequenceNumber = try r.read()
        self.acknowledgmentNumber = try r.read()
        let offsetFlags = try r.read(UInt16.self)
        self.headerLength = Int(offsetFlags >> 12) * 4
        guard self.headerLength >= 20 else {
            throw DecodeError(.lengthFieldTooSmall, layer: .tcp, offset: start + 12, needed: 20,
                              available: self.headerLength, lengthSource: .tcpDataOffset)
        }
        self.flags = TCPFlags(rawValue: offsetFlags & 0x01FF)
        self.window = try r.read()
        self.checksum = try r.read()
        self.urgentPointer = try r.read()
        try r.skip(self.headerLength - 20)
        self.payload = r.rest
    }

    /// `TCP 1723 > 50000 [S.] seq=… ack=… win=… len=…` (ack only when the ACK bit is set).
    public var summary: String {
        var s = "TCP \(self.sourcePort) > \(self.destinationPort) [\(self.flags.tcpdumpNotation)] seq=\(self.sequenceNumber)"
        if self.flags.contains(.ack) { s += " ack=\(self.acknowledgmentNumber)" }
        return s + " win=\(self.window) len=\(self.payload.count)"
    }
}
