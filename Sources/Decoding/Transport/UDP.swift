/// UDP header — RFC 768.
public struct UDP: Hashable, Sendable, Codable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Header plus payload, as the header says.
    public var length: Int
    public var checksum: UInt16
    public var payload: ByteRange

    /// True when either port is `port`.
    public func either(is port: UInt16) -> Bool { self.sourcePort == port || self.destinationPort == port }

    /// Decodes the header and leaves `r` limited to the payload the length field declares.
    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .udp
        let start = r.offset
        self.sourcePort = try r.read()
        self.destinationPort = try r.read()
        self.length = Int(try r.read(UInt16.self))
        self.checksum = try r.read()
        // Length 0 is legal only for IPv6 jumbograms (RFC 2675); treat it as "to the end".
        if self.length != 0 {
            guard self.length >= 8 else {
                throw DecodeError(.lengthFieldTooSmall, layer: .udp, offset: start + 4, needed: 8, available: self.length,
                                  lengthSource: .udpLength)
            }
            r.limit(to: self.length - 8, source: .udpLength)
        }
        self.payload = r.rest
    }

    public var summary: String { "UDP \(self.sourcePort) > \(self.destinationPort) len=\(self.length)" }
}
