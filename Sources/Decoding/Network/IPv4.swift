/// IPv4 header — RFC 791. Options are kept as their length; the header checksum is not required
/// to match (captures taken on the sending host often carry offloaded, unfilled checksums).
public struct IPv4: Hashable, Sendable, Codable {
    public var headerLength: Int
    public var tos: UInt8
    public var totalLength: Int
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// In bytes (the field × 8).
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var protocolNumber: IPProtocol
    public var checksum: UInt16
    public var source: IPAddress
    public var destination: IPAddress
    /// Bytes of options after the fixed 20-byte header.
    public var optionsLength: Int
    /// Where the payload sits in the frame.
    public var payload: ByteRange

    /// True for any fragment of a fragmented datagram (first, middle or last).
    public var isFragment: Bool { self.moreFragments || self.fragmentOffset > 0 }

    /// Decodes the header and leaves `r` limited to the payload (Ethernet padding beyond the total
    /// length is dropped).
    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .ipv4
        let start = r.offset
        let versionIHL = try r.read(UInt8.self)
        guard versionIHL >> 4 == 4 else {
            throw DecodeError(.badVersion, layer: .ipv4, offset: start, detail: "IP version is not 4")
        }
        self.headerLength = Int(versionIHL & 0x0F) * 4
        guard self.headerLength >= 20 else {
            throw DecodeError(.lengthFieldTooSmall, layer: .ipv4, offset: start, needed: 20, available: self.headerLength,
                              lengthSource: .ipv4HeaderLength)
        }
        self.tos = try r.read()
        self.totalLength = Int(try r.read(UInt16.self))
        guard self.totalLength >= self.headerLength else {
            throw DecodeError(.lengthFieldTooSmall, layer: .ipv4, offset: start + 2, needed: self.headerLength,
                              available: self.totalLength, lengthSource: .ipv4TotalLength)
        }
        self.identification = try r.read()
        let flagsOffset = try r.read(UInt16.self)
        self.dontFragment = flagsOffset & 0x4000 != 0
        self.moreFragments = flagsOffset & 0x2000 != 0
        self.fragmentOffset = Int(flagsOffset & 0x1FFF) * 8
        self.ttl = try r.read()
        self.protocolNumber = IPProtocol(rawValue: try r.read())
        self.checksum = try r.read()
        self.source = try r.readIPv4Address()
        self.destination = try r.readIPv4Address()
        self.optionsLength = self.headerLength - 20
        try r.skip(self.optionsLength)
        r.limit(to: self.totalLength - self.headerLength, source: .ipv4TotalLength)
        self.payload = r.rest
    }

    /// `IP 10.0.0.1 > 10.0.0.2 UDP len=…`, with fragment details when fragmented.
    public var summary: String {
        var s = "IP \(self.source) > \(self.destination) \(self.protocolNumber) ttl=\(self.ttl) len=\(self.totalLength)"
        if self.isFragment {
            s += " frag id=\(self.identification) off=\(self.fragmentOffset)\(self.moreFragments ? " MF" : "")"
        } else if self.dontFragment {
            s += " DF"
        }
        return s
    }
}
