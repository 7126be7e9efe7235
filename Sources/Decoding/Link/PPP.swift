/// PPP framing in front of a PPP packet — RFC 1661 §2, RFC 1662 §3.1 (HDLC-like framing).
///
/// The address/control bytes `FF 03` are optional (address-and-control-field compression, LCP
/// option 8), and the protocol field is one byte when its first byte is odd (protocol-field
/// compression, LCP option 7: "the least significant bit of the least significant octet is 1").
/// The same header follows PPPoE, PPTP's GRE and L2TP data messages, so this type stays generic.
public struct PPPFraming: Hashable, Sendable, Codable {
    /// Whether the `FF 03` address and control bytes were present.
    public var addressControlPresent: Bool
    /// Whether the protocol field was compressed to one byte.
    public var protocolCompressed: Bool
    public var protocolNumber: PPPProtocol

    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .ppp
        // 0xFF is the all-stations address, never a protocol byte (0x00FF is reserved, RFC 1661 §2).
        self.addressControlPresent = try r.peek(UInt8.self) == 0xFF
        if self.addressControlPresent {
            try r.skip(1)
            guard try r.read(UInt8.self) == 0x03 else { throw r.malformed("PPP control field is not 0x03") }
        }
        let first = try r.read(UInt8.self)
        if first & 1 == 1 {
            self.protocolCompressed = true
            self.protocolNumber = PPPProtocol(rawValue: UInt16(first))
        } else {
            self.protocolCompressed = false
            let second = try r.read(UInt8.self)
            guard second & 1 == 1 else { throw r.malformed("PPP protocol field does not end in an odd byte") }
            self.protocolNumber = PPPProtocol(rawValue: UInt16(first) << 8 | UInt16(second))
        }
    }

    public var summary: String { "PPP \(self.protocolNumber)" }
}
