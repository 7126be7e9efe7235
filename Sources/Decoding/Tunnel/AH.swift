/// Authentication Header — RFC 4302 §2. Data plane: plain values only. The payload is not
/// encrypted, so decoding continues with `nextHeader`.
public struct AH: Hashable, Sendable, Codable {
    public var nextHeader: IPProtocol
    /// Header length in bytes: (payload length field + 2) × 4.
    public var headerLength: Int
    public var spi: UInt32
    public var sequence: UInt32
    /// Integrity check value length (header length − 12).
    public var icvLength: Int

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .ah
        let start = r.offset
        self.nextHeader = IPProtocol(rawValue: try r.read())
        let lengthField = Int(try r.read(UInt8.self))
        self.headerLength = (lengthField + 2) * 4
        guard self.headerLength >= 12 else {   // payload length 1 is impossible: the fixed part is 12 bytes
            throw DecodeError(.lengthFieldTooSmall, layer: .ah, offset: start + 1, needed: 12, available: self.headerLength)
        }
        try r.skip(2)
        self.spi = try r.read()
        self.sequence = try r.read()
        self.icvLength = self.headerLength - 12
        try r.skip(self.icvLength)
    }

    public var summary: String { "AH spi=0x\(hex32(self.spi)) seq=\(self.sequence) next=\(self.nextHeader)" }
}
