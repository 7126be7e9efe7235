/// What a UDP 4500 datagram carries — RFC 3948 §2 (order as in tcpdump's
/// `isakmp_rfc3948_print`): a 1-byte 0xFF payload is a NAT keepalive; four zero bytes (the
/// non-ESP marker; SPI 0 is never ESP) precede an IKE message; anything else is ESP.
///
/// Data plane: a plain value. Only keepalives and markers become a layer: ESP-in-UDP goes
/// straight to the ESP decoder.
public struct UDPEncapsulation: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// RFC 3948 §2.3.
        case natKeepalive
        /// RFC 3948 §2.2: IKE follows.
        case nonESPMarker
    }

    public var kind: Kind

    /// Consumes the keepalive byte or the marker; returns nil (consuming nothing) for ESP.
    public init?(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .udpEncapsulation
        if r.remaining == 1, try r.peek(UInt8.self) == 0xFF {
            try r.skip(1)
            self.kind = .natKeepalive
        } else if r.remaining >= 4, try r.peek(UInt32.self) == 0 {
            try r.skip(4)
            self.kind = .nonESPMarker
        } else {
            return nil
        }
    }

    public var summary: String {
        switch self.kind {
        case .natKeepalive: "NAT-keepalive"
        case .nonESPMarker: "non-ESP marker"
        }
    }
}
