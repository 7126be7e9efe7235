/// One piece of an IKE/ESP-over-TCP stream — RFC 8229 §3 (restated unchanged by RFC 9329): the
/// initiator opens the stream with the 6-byte prefix "IKETCP"; then every message is a 2-byte
/// length that counts itself, followed by either four zero bytes (the non-ESP marker) and an IKE
/// message, or an ESP packet (whose SPI is never 0). No NAT-keepalives are sent over TCP.
///
/// Recognised by the prefix on any TCP port and by its framing on TCP 4500 (`ProtocolRegistry`).
/// The dissector decodes the messages wholly inside one segment; the others come whole out of
/// `TCPStreams` (`.ikeTCP` framing). Data plane: a plain value.
public struct TCPEncapsulation: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// "IKETCP": the initiator's first bytes on the connection.
        case streamPrefix
        /// The length and the non-ESP marker: an IKE message follows.
        case nonESPMarker
        /// The length: an ESP packet follows.
        case esp
    }

    public var kind: Kind
    /// The length field (it counts its own two bytes); 6 for the stream prefix.
    public var length: Int

    /// "IKETCP".
    public static let streamPrefix: [UInt8] = [0x49, 0x4B, 0x45, 0x54, 0x43, 0x50]
    /// The shortest message: length, then an ESP SPI and sequence number.
    public static let minimumLength = 2 + 8
    /// The shortest IKE message: length, marker, IKE header.
    public static let minimumIKELength = 2 + 4 + 28

    /// Consumes the prefix, or the length and (for IKE) the marker, leaving the reader on the IKE
    /// message or ESP packet. Nil (consuming nothing) when `r` does not start with a whole message:
    /// one split over segments, a segment starting mid-message, or a length no message can have.
    public init?(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .tcpEncapsulation
        if Self.startsWithPrefix(r) {
            try r.skip(Self.streamPrefix.count)
            (self.kind, self.length) = (.streamPrefix, Self.streamPrefix.count)
            return
        }
        guard r.remaining >= Self.minimumLength, let kind = Self.kind(length: Int(try r.peek(UInt16.self)), r) else { return nil }
        let length = Int(try r.peek(UInt16.self))
        try r.skip(kind == .nonESPMarker ? 6 : 2)
        (self.kind, self.length) = (kind, length)
    }

    /// What a whole message of `length` at `r`'s start is; nil when it is not whole or not one: an
    /// IKE message's own length field must agree, an ESP SPI must not be reserved (1–255, RFC 4303).
    static func kind(length: Int, _ r: ByteReader) -> Kind? {
        guard length >= Self.minimumLength, length <= r.remaining, let word = try? r.peek(UInt32.self, at: 2) else { return nil }
        if word == 0 {
            guard length >= Self.minimumIKELength, (try? r.peek(UInt32.self, at: 6 + 24)) == UInt32(length - 6) else { return nil }
            return .nonESPMarker
        }
        return word > 255 ? .esp : nil
    }

    /// Whether `r` starts with the whole stream prefix (two integer reads: the generic
    /// `ByteReader.starts(with:)` allocates in an unoptimised build, and every TCP segment is asked).
    @inline(__always)
    public static func startsWithPrefix(_ r: ByteReader) -> Bool {
        (try? r.peek(UInt32.self)) == 0x494B_4554 && (try? r.peek(UInt16.self, at: 4)) == 0x4350
    }

    /// Whether `bytes` starts with the stream prefix (all of it, or as much as there is).
    public static func startsWithPrefix(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && zip(bytes, Self.streamPrefix).allSatisfy { $0 == $1 }
    }

    public var summary: String {
        switch self.kind {
        case .streamPrefix: "IKETCP stream prefix"
        case .nonESPMarker: "TCP-encapsulated length=\(self.length) non-ESP marker"
        case .esp: "TCP-encapsulated length=\(self.length)"
        }
    }
}

extension DecodedLayer {
    /// The kind of a `.tcpEncapsulation` layer; nil for other layers.
    public var tcpEncapsulationKind: TCPEncapsulation.Kind? {
        if case .tcpEncapsulation(let h) = self { h.kind } else { nil }
    }
}
