/// The start of the datagram an ICMP or ICMPv6 error quotes (RFC 792; RFC 4443 §2.4 (c)): enough to
/// tie the error to the flow that caused it.
///
/// Routers quote at least the IP header and 8 bytes (RFC 792), often more (RFC 1812 §4.3.2.3), and
/// some quote less: every field is optional and holds what the quote contained. A plain value (no
/// heap), decoded leniently: a short or odd quote ends the fields, it never fails the ICMP layer.
public struct ICMPQuote: Hashable, Sendable, Codable {
    /// 4 or 6 (the quote's version nibble); other values stop the decode.
    public var ipVersion: UInt8
    public var source: IPAddress?
    public var destination: IPAddress?
    /// The upper-layer protocol (after IPv6 extension headers when they were quoted).
    public var protocolNumber: IPProtocol?
    /// The quoted datagram's length as its header said (IPv4 total length; IPv6 payload length + 40).
    public var datagramLength: Int?
    /// True when the quoted IPv4 datagram was itself a fragment with a non-zero offset (no
    /// transport header to read).
    public var laterFragment: Bool
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    /// ESP or AH SPI: from an ESP/AH header, or from ESP-in-UDP on port 4500 when the quote goes
    /// 4 bytes beyond the UDP header and they are not the non-ESP marker (RFC 3948 §2.2).
    public var spi: UInt32?
    /// Bytes of the original datagram the ICMP message carried.
    public var quotedLength: Int

    /// Decodes what is there and consumes the whole quote. Never throws.
    public init(from r: inout ByteReader, maxExtensionHeaders: Int) {
        self.ipVersion = 0
        self.laterFragment = false
        self.quotedLength = r.remaining
        var q = r
        do { try self.decode(&q, maxExtensionHeaders: maxExtensionHeaders) } catch {}
        try? r.skip(r.remaining)
    }

    private mutating func decode(_ r: inout ByteReader, maxExtensionHeaders: Int) throws(DecodeError) {
        self.ipVersion = try r.peek(UInt8.self) >> 4
        switch self.ipVersion {
        case 4:
            let headerLength = Int(try r.read(UInt8.self) & 0x0F) * 4
            try r.skip(1)
            self.datagramLength = Int(try r.read(UInt16.self))
            try r.skip(2)
            self.laterFragment = try r.read(UInt16.self) & 0x1FFF != 0
            try r.skip(1)
            self.protocolNumber = IPProtocol(rawValue: try r.read())
            try r.skip(2)
            self.source = try r.readIPv4Address()
            self.destination = try r.readIPv4Address()
            try r.skip(max(0, headerLength - 20))
            if self.laterFragment { return }
        case 6:
            try r.skip(4)
            self.datagramLength = Int(try r.read(UInt16.self)) + 40
            var next = IPProtocol(rawValue: try r.read())
            try r.skip(1)
            self.source = try r.readIPv6Address()
            self.destination = try r.readIPv6Address()
            self.protocolNumber = next
            var count = 0
            while count < maxExtensionHeaders {
                count += 1
                switch next {
                case .hopByHop, .ipv6Routing, .ipv6DestinationOptions:
                    next = try r.skipIPv6ExtensionHeader()
                case .ipv6Fragment:
                    let fragment = try r.readIPv6FragmentHeader()
                    next = fragment.nextHeader
                    self.laterFragment = fragment.offset > 0
                default:
                    count = maxExtensionHeaders
                }
                self.protocolNumber = next
                if self.laterFragment { return }
            }
        default:
            return
        }
        switch self.protocolNumber {
        case .udp?, .tcp?:
            self.sourcePort = try r.read()
            self.destinationPort = try r.read()
            if self.protocolNumber == .udp,
               ProtocolRegistry.udp(self.sourcePort ?? 0, self.destinationPort ?? 0)?.service == .natTraversal {
                try r.skip(4)
                let marker = try r.read(UInt32.self)
                if marker != 0 { self.spi = marker }
            }
        case .esp?:
            self.spi = try r.read()
        case .ah?:
            try r.skip(4)
            self.spi = try r.read()
        default:
            break
        }
    }

    /// `UDP 10.0.0.1:500 > 10.0.0.2:500`, `ESP 10.0.0.1 > 10.0.0.2 spi=0x…`, or as much as was quoted.
    public var summary: String {
        guard let source = self.source, let destination = self.destination else {
            return "quote of \(self.quotedLength) bytes"
        }
        let proto = self.protocolNumber.map { "\($0)" } ?? "IP"
        var s: String
        if let sp = self.sourcePort, let dp = self.destinationPort {
            let (a, b) = self.ipVersion == 6 ? ("[\(source)]", "[\(destination)]") : ("\(source)", "\(destination)")
            s = "\(proto) \(a):\(sp) > \(b):\(dp)"
        } else {
            s = "\(proto) \(source) > \(destination)"
        }
        if let spi = self.spi { s += " spi=0x\(String(spi, radix: 16))" }
        return s
    }
}
