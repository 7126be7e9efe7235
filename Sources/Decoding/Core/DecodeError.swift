/// Why a decoder stopped. A value, never a crash: the dissector turns it into `DecodedPacket.stop`
/// and keeps every layer decoded before it.
///
/// `lengthSource` tells *which* limit was hit (etherparse's `LenSource`): running out of captured
/// bytes (`.captureLength`, the snaplen cut the frame) is a different story from a header whose
/// own length field points past its parent (`.ipv4TotalLength`, `.udpLength`…: malformed).
public struct DecodeError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// Fewer bytes remain than the field needs.
        case truncated
        /// A length field is smaller than the header it must cover.
        case lengthFieldTooSmall
        /// A length field claims more bytes than its parent holds.
        case lengthExceedsParent
        case badVersion
        /// A loop reached its named ceiling in `DecodeLimits`.
        case limitExceeded
        case malformed
    }

    public var code: Code
    public var layer: LayerKind
    /// Absolute offset in the frame (or reassembled datagram) where the problem was found.
    public var offset: Int
    public var needed: Int
    public var available: Int
    public var lengthSource: LengthSource
    /// A fixed explanation; `StaticString` so that throwing never allocates.
    public var detail: StaticString

    public init(_ code: Code, layer: LayerKind, offset: Int, needed: Int = 0, available: Int = 0,
                lengthSource: LengthSource = .captureLength, detail: StaticString = "") {
        self.code = code
        self.layer = layer
        self.offset = offset
        self.needed = needed
        self.available = available
        self.lengthSource = lengthSource
        self.detail = detail
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.layer == b.layer && a.offset == b.offset && a.needed == b.needed
            && a.available == b.available && a.lengthSource == b.lengthSource
    }

    public func hash(into h: inout Hasher) {
        h.combine(self.code)
        h.combine(self.layer)
        h.combine(self.offset)
    }

    public var description: String {
        var s = "\(self.layer.rawValue): \(self.code.rawValue) at offset \(self.offset)"
        if self.code == .truncated || self.code == .lengthExceedsParent {
            s += " (needed \(self.needed), \(self.available) available, limit from \(self.lengthSource.rawValue))"
        }
        if self.detail.utf8CodeUnitCount > 0 { s += ": \(self.detail)" }
        return s
    }

    private enum CodingKeys: String, CodingKey { case code, layer, offset, needed, available, lengthSource, detail }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try c.decode(Code.self, forKey: .code), layer: try c.decode(LayerKind.self, forKey: .layer),
                  offset: try c.decode(Int.self, forKey: .offset), needed: try c.decode(Int.self, forKey: .needed),
                  available: try c.decode(Int.self, forKey: .available),
                  lengthSource: try c.decode(LengthSource.self, forKey: .lengthSource))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.code, forKey: .code)
        try c.encode(self.layer, forKey: .layer)
        try c.encode(self.offset, forKey: .offset)
        try c.encode(self.needed, forKey: .needed)
        try c.encode(self.available, forKey: .available)
        try c.encode(self.lengthSource, forKey: .lengthSource)
        if self.detail.utf8CodeUnitCount > 0 { try c.encode("\(self.detail)", forKey: .detail) }
    }
}

/// Which field imposed the byte limit that was hit.
public enum LengthSource: String, Sendable, Codable {
    case captureLength, linkHeader
    case ipv4HeaderLength, ipv4TotalLength, ipv6PayloadLength, ipv6ExtensionLength
    case udpLength, tcpDataOffset, icmpQuote
    case greHeader, pptpLength, l2tpLength, l2tpAVPLength
    case pppoeLength, pppLength, pppOptionLength
    case ikeLength, ikePayloadLength, ikeAttributeLength
    case dnsLength, dnsName
    case openvpnLength
    case tcpEncapsulationLength
    case reassembly
}

/// The protocols the dissector knows, as they appear in `DecodeError.layer` and in JSON.
public enum LayerKind: String, Sendable, Codable, CaseIterable {
    case link, ethernet, vlan, linuxSLL, linuxSLL2, null, pppoe, ppp
    case ipv4, ipv6, icmp, icmpv6, udp, tcp
    case esp, ah, udpEncapsulation, isakmp, ikev2
    case tcpEncapsulation
    case gre, pptp, l2tp, pppControl, dns
    case wireguard, dtls
    case openvpn
    case tls
}
