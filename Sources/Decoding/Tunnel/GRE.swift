/// GRE header — RFC 2784 with the key and sequence extensions of RFC 2890 (version 0), and the
/// enhanced GRE of PPTP, RFC 2637 §4.1 (version 1: payload length, call ID, optional sequence and
/// acknowledgment). A data-plane layer: plain values only, the payload stays in the frame.
///
/// RFC 1701 routing (R bit) is still decoded: its Source Route Entries are skipped, bounded by
/// `DecodeLimits.maxGRERoutingEntries`.
public struct GRE: Hashable, Sendable, Codable {
    /// The first 16 bits as on the wire (tshark's `gre.flags_and_version`).
    public var flagsAndVersion: UInt16
    /// The protocol of the payload (0x880B PPP for PPTP).
    public var protocolType: EtherType
    /// Version 0 with C (or R) set.
    public var checksum: UInt16?
    /// Version 0 with K set.
    public var key: UInt32?
    /// Version 1: length of the payload after the GRE header.
    public var payloadLength: UInt16?
    /// Version 1: the peer's PPTP call ID this packet belongs to.
    public var callID: UInt16?
    public var sequence: UInt32?
    /// Version 1 with A set: highest sequence number received.
    public var acknowledgment: UInt32?
    public var payload: ByteRange

    public static let checksumBit: UInt16 = 0x8000
    public static let routingBit: UInt16 = 0x4000
    public static let keyBit: UInt16 = 0x2000
    public static let sequenceBit: UInt16 = 0x1000
    /// Version 1 only — RFC 2637 §4.1.
    public static let acknowledgmentBit: UInt16 = 0x0080

    public var version: UInt8 { UInt8(self.flagsAndVersion & 0x0007) }

    /// Decodes the header and leaves `r` on the payload (limited to `payloadLength` for version 1).
    public init(from r: inout ByteReader, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .gre
        let start = r.offset
        let flags = try r.read(UInt16.self)
        self.flagsAndVersion = flags
        self.protocolType = EtherType(rawValue: try r.read(UInt16.self))
        self.checksum = nil
        self.key = nil
        self.payloadLength = nil
        self.callID = nil
        self.sequence = nil
        self.acknowledgment = nil
        switch flags & 0x0007 {
        case 0:
            // RFC 1701 §2.1: checksum and offset are present when either C or R is set.
            if flags & (Self.checksumBit | Self.routingBit) != 0 {
                self.checksum = try r.read()
                try r.skip(2)  // offset
            }
            if flags & Self.keyBit != 0 { self.key = try r.read() }
            if flags & Self.sequenceBit != 0 { self.sequence = try r.read() }
            if flags & Self.routingBit != 0 { try Self.skipRouting(&r, limits: limits) }
        case 1:
            guard flags & Self.keyBit != 0 else {
                throw DecodeError(.malformed, layer: .gre, offset: start, lengthSource: .greHeader,
                                  detail: "enhanced GRE (v1) without the key field")
            }
            let length = try r.read(UInt16.self)
            self.payloadLength = length
            self.callID = try r.read()
            if flags & Self.sequenceBit != 0 { self.sequence = try r.read() }
            if flags & Self.acknowledgmentBit != 0 { self.acknowledgment = try r.read() }
            r.limit(to: Int(length), source: .greHeader)
        default:
            throw DecodeError(.badVersion, layer: .gre, offset: start, detail: "GRE version is not 0 or 1")
        }
        self.payload = r.rest
    }

    /// Skips RFC 1701 Source Route Entries up to the NULL entry (address family 0, length 0).
    private static func skipRouting(_ r: inout ByteReader, limits: DecodeLimits) throws(DecodeError) {
        for _ in 0..<limits.maxGRERoutingEntries {
            let family = try r.read(UInt16.self)
            try r.skip(1)  // SRE offset
            let length = Int(try r.read(UInt8.self))
            if family == 0, length == 0 { return }
            try r.skip(length)
        }
        throw r.limitExceeded("too many GRE source route entries")
    }

    public var summary: String {
        var s = "GRE v\(self.version)"
        if let callID { s += " call=\(callID)" }
        if let key { s += " key=0x\(String(key, radix: 16))" }
        if let sequence { s += " seq=\(sequence)" }
        if let acknowledgment { s += " ack=\(acknowledgment)" }
        if self.payloadLength == 0 { return s + " (ack only)" }
        return s + " \(self.protocolType)"
    }
}
