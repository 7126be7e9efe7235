import Capture

/// One payload of an IKE message as it sits in the chain (IKEv1: RFC 2408 §3.2; IKEv2: RFC 7296
/// §3.2): type, the next-payload field, and an owned copy of the body. Typed views (notify, SA,
/// vendor ID…) are decoded from `body` on demand, so a malformed body never hides the rest of
/// the chain (the swift-certificates `Extension` pattern).
public struct IKEPayload<PayloadType: WireValue>: Hashable, Sendable, Codable where PayloadType.RawValue == UInt8 {
    public var type: PayloadType
    /// The payload's own next-payload field. For IKEv2 SK/SKF it names the first *encrypted* payload.
    public var nextPayload: PayloadType
    /// IKEv2 critical bit (reserved, normally clear, in IKEv1).
    public var critical: Bool
    /// Payload length from its header, header included.
    public var length: Int
    /// Absolute offset of the payload header in the frame.
    public var offset: Int
    /// The body after the 4-byte generic header (for IKEv2 SK: empty; SKF: the 4-byte fragment
    /// header only — ciphertext is not kept).
    public var body: [UInt8]

    static var headerSize: Int { 4 }

    /// Runs `decode` over `body` with a checked reader (typed views).
    public func decodeBody<T>(layer: LayerKind, _ decode: (inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) -> T {
        let result: Result<T, DecodeError> = self.body.withUnsafeBytes { buffer in
            var r = ByteReader(buffer, layer: layer)
            r.lengthSource = .ikePayloadLength
            return Result { () throws(DecodeError) -> T in try decode(&r) }
        }
        return try result.get()
    }
}

/// Reads a proposal or transform substructure header — next/"last or more" byte, reserved,
/// length ≥ 4 (RFC 2408 §3.5–3.6, RFC 7296 §3.3.1) — and returns that byte and a reader over the
/// body.
func readIKESubstructure(_ r: inout ByteReader) throws(DecodeError) -> (next: UInt8, reader: ByteReader) {
    let start = r.offset
    let next = try r.read(UInt8.self)
    try r.skip(1)
    let length = Int(try r.read(UInt16.self))
    guard length >= 4 else {
        throw DecodeError(.lengthFieldTooSmall, layer: r.layer, offset: start + 2, needed: 4, available: length,
                          lengthSource: .ikePayloadLength)
    }
    return (next, try r.sub(exactly: length - 4, source: .ikePayloadLength))
}

/// Reads proposal substructures until one says it is the last (its first byte is not `more`:
/// 2 in both versions), bounded by `maxIKEProposals`.
func readIKEProposals<P>(_ r: inout ByteReader, limits: DecodeLimits,
                         _ proposal: (UInt8, inout ByteReader) throws(DecodeError) -> P) throws(DecodeError) -> [P] {
    var out: [P] = []
    var more = true
    while more, !r.isEmpty {
        guard out.count < limits.maxIKEProposals else { throw r.limitExceeded("too many proposals") }
        var body = try readIKESubstructure(&r)
        out.append(try proposal(body.next, &body.reader))
        more = body.next == 2
    }
    return out
}

/// A proposal's body — number, protocol, SPI size, transform count, SPI, transforms (RFC 2408
/// §3.5, RFC 7296 §3.3.1) — with each transform's first byte, the protocol ID and the transform
/// body handed to `transform`.
struct IKEProposalFields<T> {
    var number: UInt8
    var protocolID: UInt8
    var spi: [UInt8]
    var transforms: [T] = []

    init(_ r: inout ByteReader, limits: DecodeLimits,
         transform: (UInt8, UInt8, inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) {
        self.number = try r.read()
        self.protocolID = try r.read()
        let spiSize = Int(try r.read(UInt8.self))
        let count = Int(try r.read(UInt8.self))
        self.spi = try r.readBytes(spiSize)
        for _ in 0..<count where !r.isEmpty {
            guard self.transforms.count < limits.maxIKETransforms else { throw r.limitExceeded("too many transforms") }
            var body = try readIKESubstructure(&r)
            self.transforms.append(try transform(body.next, self.protocolID, &body.reader))
        }
    }
}

/// The fixed 28-byte header shared by ISAKMP and IKEv2 (RFC 2408 §3.1, RFC 7296 §3.1). Checks
/// the message length and limits `r` to the message body.
struct IKEHeaderFields {
    static let size = 28
    var initiatorSPI: UInt64
    var responderSPI: UInt64
    var nextPayload: UInt8
    var version: UInt8
    var exchangeType: UInt8
    var flags: UInt8
    var messageID: UInt32
    var length: Int

    init(_ r: inout ByteReader) throws(DecodeError) {
        let start = r.offset
        self.initiatorSPI = try r.read()
        self.responderSPI = try r.read()
        self.nextPayload = try r.read()
        self.version = try r.read()
        self.exchangeType = try r.read()
        self.flags = try r.read()
        self.messageID = try r.read()
        self.length = Int(try r.read(UInt32.self))
        guard self.length >= Self.size else {
            throw DecodeError(.lengthFieldTooSmall, layer: r.layer, offset: start + 24, needed: Self.size,
                              available: self.length, lengthSource: .ikeLength)
        }
        r.limit(to: self.length - Self.size, source: .ikeLength)
    }
}

/// What is left of a chain that could not be read to its end: the payloads read so far plus the
/// error (kept with the message so the layer survives; Dispatch reports the error as the stop).
struct IKEPayloadChain<PayloadType: WireValue> where PayloadType.RawValue == UInt8 {
    var payloads: [IKEPayload<PayloadType>] = []
    var error: DecodeError?

    /// Reads the payload chain starting with `first`, following next-payload fields (never "last
    /// substruc", tcpdump CVE-2017-5205). Each pass consumes ≥ 4 bytes; a length below 4 stops the
    /// chain (tcpdump CVE-2017-12990). Payloads for which `opaque` is true end the chain with
    /// only `keep` bytes of body copied.
    init(first: PayloadType, _ r: inout ByteReader, limits: DecodeLimits,
         opaque: (PayloadType) -> Bool = { _ in false }, keep: (PayloadType) -> Int = { _ in 0 }) {
        var type = first
        do throws(DecodeError) {
            while type.rawValue != 0 {
                guard self.payloads.count < limits.maxIKEPayloads else { throw r.limitExceeded("too many IKE payloads") }
                let offset = r.offset
                let next = PayloadType(rawValue: try r.read(UInt8.self))
                let flags = try r.read(UInt8.self)
                let length = Int(try r.read(UInt16.self))
                guard length >= IKEPayload<PayloadType>.headerSize else {
                    throw DecodeError(.lengthFieldTooSmall, layer: r.layer, offset: offset + 2, needed: 4, available: length,
                                      lengthSource: .ikePayloadLength)
                }
                var body = try r.sub(exactly: length - 4, source: .ikePayloadLength)
                let isOpaque = opaque(type)
                let bytes = isOpaque ? try body.readBytes(min(keep(type), body.remaining)) : body.readRemainingBytes()
                self.payloads.append(IKEPayload(type: type, nextPayload: next, critical: flags & 0x80 != 0, length: length,
                                                offset: offset, body: bytes))
                if isOpaque { break }
                type = next
            }
        } catch {
            self.error = error
        }
    }
}

/// A data attribute: TV (AF bit set, 2-byte value) or TLV — RFC 2408 §3.3; the same encoding
/// serves IKEv1 SA attributes, Mode-Config attributes and IKEv2 transform attributes. IKEv2
/// configuration attributes are always TLV (RFC 7296 §3.15.1).
public struct IKEAttribute<AttributeType: WireValue>: Hashable, Sendable, Codable where AttributeType.RawValue == UInt16 {
    public var type: AttributeType
    /// True for the short Type/Value form.
    public var isTV: Bool
    public var value: [UInt8]

    /// The value as an unsigned integer when it fits in 8 bytes (life durations may be 4 or 8).
    public var integer: UInt64? {
        guard !self.value.isEmpty, self.value.count <= 8 else { return nil }
        return self.value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads attributes until `r` is empty (each pass consumes ≥ 2 bytes).
    static func readAll(_ r: inout ByteReader, limit: Int, allowTV: Bool = true) throws(DecodeError) -> [Self] {
        var out: [Self] = []
        while !r.isEmpty {
            guard out.count < limit else { throw r.limitExceeded("too many IKE attributes") }
            let word = try r.read(UInt16.self)
            if allowTV, word & 0x8000 != 0 {
                out.append(Self(type: AttributeType(rawValue: word & 0x7FFF), isTV: true, value: try r.readBytes(2)))
            } else {
                let length = Int(try r.read(UInt16.self))
                var value = try r.sub(exactly: length, source: .ikeAttributeLength)
                out.append(Self(type: AttributeType(rawValue: word & 0x7FFF), isTV: false, value: value.readRemainingBytes()))
            }
        }
        return out
    }
}

extension Array {
    /// The first attribute of `type`, as an integer.
    func integer<A>(_ type: A) -> UInt64? where Element == IKEAttribute<A> {
        self.first { $0.type == type }?.integer
    }
}

/// Identification data — shared by IKEv1 ID (RFC 2407 §4.6.2) and IKEv2 IDi/IDr (RFC 7296 §3.5),
/// and by NAT-OA. Sizes are checked per type: an IPv6 subnet is address + mask = 32 bytes
/// (tcpdump CVE-2017-13689).
public enum IKEIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    case address(IPAddress)
    case subnet(IPAddress, mask: IPAddress)
    case range(IPAddress, IPAddress)
    /// FQDN or USER_FQDN (RFC 822), as sent.
    case name(String)
    /// DER DN/GN, KEY_ID and anything else, raw.
    case bytes([UInt8])

    init(type: IKEIDType, _ r: inout ByteReader) throws(DecodeError) {
        switch type {
        case .ipv4Address: self = .address(try r.readIPv4Address())
        case .ipv6Address: self = .address(try r.readIPv6Address())
        case .ipv4Subnet: self = .subnet(try r.readIPv4Address(), mask: try r.readIPv4Address())
        case .ipv6Subnet: self = .subnet(try r.readIPv6Address(), mask: try r.readIPv6Address())
        case .ipv4Range: self = .range(try r.readIPv4Address(), try r.readIPv4Address())
        case .ipv6Range: self = .range(try r.readIPv6Address(), try r.readIPv6Address())
        case .fqdn, .userFQDN: self = .name(String(decoding: r.readRemainingBytes(), as: UTF8.self))
        default: self = .bytes(r.readRemainingBytes())
        }
    }

    public var description: String {
        switch self {
        case .address(let a): "\(a)"
        case .subnet(let a, let m): "\(a)/\(m)"
        case .range(let a, let b): "\(a)-\(b)"
        case .name(let s): s
        case .bytes(let b): "\(b.count) bytes"
        }
    }
}

/// A vendor ID payload's bytes, with the name of the implementation or feature it announces.
public struct IKEVendorID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// The known vendor ID this one matches (longest prefix), if any.
    public var known: KnownVendorID? { KnownVendorID.match(self.bytes) }
    public var description: String { self.known?.description(for: self.bytes) ?? "unknown(\(self.bytes.hexString))" }
}

/// The common tail of IKEv1 and IKEv2 notify payloads: protocol, SPI size, type, SPI, data.
struct IKENotifyFields {
    var protocolID: UInt8
    var type: UInt16
    var spi: [UInt8]
    var data: [UInt8]
    init(_ r: inout ByteReader) throws(DecodeError) {
        self.protocolID = try r.read()
        let spiSize = Int(try r.read(UInt8.self))
        self.type = try r.read()
        self.spi = try r.readBytes(spiSize)
        self.data = r.readRemainingBytes()
    }
}

/// The common tail of IKEv1 and IKEv2 delete payloads: protocol, SPI size, count, SPIs.
struct IKEDeleteFields {
    var protocolID: UInt8
    var spis: [[UInt8]]
    init(_ r: inout ByteReader, limits: DecodeLimits) throws(DecodeError) {
        self.protocolID = try r.read()
        let spiSize = Int(try r.read(UInt8.self))
        let count = Int(try r.read(UInt16.self))
        self.spis = []
        guard spiSize > 0 else { return }   // IKE SA delete (IKEv2): no SPIs follow
        guard count <= limits.maxIKEDeleteSPIs else { throw r.limitExceeded("too many SPIs in delete payload") }
        for _ in 0..<count { self.spis.append(try r.readBytes(spiSize)) }
    }
}

extension Collection<UInt8> {
    /// Lower-case hex, no separators (as tshark prints bytes fields).
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(self.count * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// "SA, VID×3, NAT-D×2": consecutive repeats folded, for summaries.
func foldedList(_ names: [String]) -> String {
    var parts: [String] = []
    var i = 0
    while i < names.count {
        var j = i
        while j < names.count, names[j] == names[i] { j += 1 }
        parts.append(j - i > 1 ? "\(names[i])×\(j - i)" : names[i])
        i = j
    }
    return parts.joined(separator: ", ")
}
