/// PPP frame header — RFC 1661 §2 (and RFC 1662 §3.2 for the FF 03 address/control bytes, which
/// may be omitted when ACFC was negotiated). A 1-byte protocol field (PFC) is recognised by its
/// odd first byte. Data plane: plain values.
public struct PPP: Hashable, Sendable, Codable {
    /// FF 03 was present.
    public var hasAddressControl: Bool
    public var protocolNumber: PPPProtocol
    public var payload: ByteRange

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .ppp
        // RFC 1662 §3.1: a frame starting with 0xFF starts with the address; the control byte must
        // then be 0x03. (tshark skips any second byte; we stop, as 0xFF cannot start a protocol.)
        self.hasAddressControl = try r.peek(UInt8.self) == 0xFF
        if self.hasAddressControl {
            try r.skip(1)
            guard try r.read(UInt8.self) == 0x03 else { throw r.malformed("PPP control field is not 0x03", source: .pppLength) }
        }
        let first = try r.peek(UInt8.self)
        if first & 1 == 1 {
            self.protocolNumber = PPPProtocol(rawValue: UInt16(try r.read(UInt8.self)))
        } else {
            self.protocolNumber = PPPProtocol(rawValue: try r.read(UInt16.self))
        }
        self.payload = r.rest
    }

    public var summary: String { "PPP \(self.protocolNumber)" }
}
