/// ESP header — RFC 4303 §2. Data plane: plain values only. The rest (IV, ciphertext, padding,
/// ICV) stays encrypted and is not decoded.
public struct ESP: Hashable, Sendable, Codable {
    public var spi: UInt32
    public var sequence: UInt32
    /// Bytes after the 8-byte header (IV + ciphertext + trailer + ICV).
    public var payloadLength: Int
    public var payload: ByteRange
    /// True when the payload was decrypted with the user's keys (the inner packet's layers follow).
    public var decrypted: Bool?

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .esp
        self.spi = try r.read()
        self.sequence = try r.read()
        self.payload = r.rest
        self.payloadLength = r.remaining
    }

    public var summary: String { "ESP spi=0x\(hex32(self.spi)) seq=\(self.sequence)\(self.decrypted == true ? " decrypted" : "")" }
}

/// Eight lower-case hex digits.
func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}
