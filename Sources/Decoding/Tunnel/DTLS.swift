/// A DTLS record header (RFC 6347 §4.1), read only to name the TLS/DTLS VPNs vpndoctor does not
/// diagnose: Cisco AnyConnect and OpenConnect carry their tunnel in DTLS on UDP 443 beside a TLS
/// connection to the same server. Recognised by its bytes (a content type 20–23 and a DTLS version)
/// on UDP 443 only, so QUIC (its first byte 0x40 or above) and anything else there is left alone.
public struct DTLSRecord: Hashable, Sendable, Codable {
    public var contentType: UInt8
    public var version: UInt16
    public var epoch: UInt16
    /// The record's declared length (the first record of the datagram).
    public var length: Int

    /// The port DTLS VPNs use, the only one it is looked for on.
    public static let port: UInt16 = 443

    /// True when a datagram whose first bytes read `type` and `version` starts like a DTLS record:
    /// the one recognition rule (the decoder and `Classifier.wire` both ask it).
    @inline(__always)
    public static func recognises(type: UInt8, version: UInt16, length: Int) -> Bool {
        length >= 13 && (20...23).contains(type) && [0x0100, 0xFEFF, 0xFEFD, 0xFEFC].contains(version)
    }

    /// Decodes the first record header of a datagram of `length` bytes; nil, consuming nothing, when it
    /// does not start like one.
    public init?(from r: inout ByteReader, length: Int) throws(DecodeError) {
        guard r.remaining >= 3 else {
            if length >= 13, r.remaining < length { throw r.truncated(3) }  // cut by the snaplen (see WireGuard)
            return nil
        }
        guard Self.recognises(type: try r.peek(UInt8.self), version: try r.peek(UInt16.self, at: 1), length: length) else { return nil }
        r.layer = .dtls
        self.contentType = try r.read()
        self.version = try r.read()
        self.epoch = try r.read()
        try r.skip(6)  // sequence number
        self.length = Int(try r.read(UInt16.self))
    }

    /// Cisco's pre-standard DTLS 1.0 (OpenSSL's DTLS1_BAD_VER, 0x0100): only AnyConnect and
    /// OpenConnect speak it.
    public var isCiscoPreStandard: Bool { self.version == 0x0100 }

    public var summary: String {
        "DTLS record type=\(self.contentType) version=0x\(String(self.version, radix: 16)) epoch=\(self.epoch) len=\(self.length)"
    }
}
