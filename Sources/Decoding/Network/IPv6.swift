/// Which extension headers an IPv6 packet carried (our own summary of the chain, not a wire value).
public struct IPv6ExtensionHeaders: OptionSet, Hashable, Sendable, Codable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let hopByHop = Self(rawValue: 1 << 0)
    public static let routing = Self(rawValue: 1 << 1)
    public static let fragment = Self(rawValue: 1 << 2)
    public static let destinationOptions = Self(rawValue: 1 << 3)
    /// Mobility, HIP, Shim6 or an experimental header (RFC 7045 §4): skipped with the generic format.
    public static let other = Self(rawValue: 1 << 4)
}

/// The IPv6 Fragment header — RFC 8200 §4.5.
public struct IPv6Fragment: Hashable, Sendable, Codable {
    /// The protocol of the fragmentable part (the reassembled datagram's payload).
    public var nextHeader: IPProtocol
    /// In bytes (the field × 8).
    public var offset: Int
    public var moreFragments: Bool
    public var identification: UInt32

    /// An "atomic fragment" (offset 0, M = 0; RFC 6946) is a whole datagram.
    public var isFragment: Bool { self.offset > 0 || self.moreFragments }
}

/// IPv6 header and its extension-header chain — RFC 8200 §3–4.
///
/// `decodeExtensionHeaders` walks hop-by-hop, routing, destination options, fragment (and the generic-format
/// mobility/HIP/Shim6/experimental headers), at most `maxExtensionHeaders` of them, and leaves the
/// reader on the upper-layer header (`upperProtocol`). A non-atomic fragment header ends the walk:
/// what follows is fragment data, and `payload` is that data.
public struct IPv6: Hashable, Sendable, Codable {
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    /// As the header says; 0 with a hop-by-hop header means a jumbogram (RFC 2675).
    public var payloadLength: Int
    /// The fixed header's Next Header field (first extension header, or the upper layer).
    public var nextHeader: IPProtocol
    public var hopLimit: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    public var extensionHeaders: IPv6ExtensionHeaders
    /// Bytes of extension headers after the fixed 40-byte header.
    public var extensionLength: Int
    public var fragment: IPv6Fragment?
    /// The protocol of `payload`: the last Next Header of the chain.
    public var upperProtocol: IPProtocol
    /// Where the upper-layer header (or fragment data) sits in the frame.
    public var payload: ByteRange

    public var isFragment: Bool { self.fragment?.isFragment ?? false }

    /// Decodes the fixed 40-byte header and limits `r` to the payload length. The extension chain
    /// is walked separately (`decodeExtensionHeaders`), so a damaged chain keeps the addresses.
    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .ipv6
        let start = r.offset
        let word = try r.read(UInt32.self)
        guard word >> 28 == 6 else {
            throw DecodeError(.badVersion, layer: .ipv6, offset: start, detail: "IP version is not 6")
        }
        self.trafficClass = UInt8(truncatingIfNeeded: word >> 20)
        self.flowLabel = word & 0xF_FFFF
        self.payloadLength = Int(try r.read(UInt16.self))
        self.nextHeader = IPProtocol(rawValue: try r.read())
        self.hopLimit = try r.read()
        self.source = try r.readIPv6Address()
        self.destination = try r.readIPv6Address()
        if self.payloadLength != 0 || self.nextHeader != .hopByHop {
            r.limit(to: self.payloadLength, source: .ipv6PayloadLength)
        }
        self.extensionHeaders = []
        self.extensionLength = 0
        self.fragment = nil
        self.upperProtocol = self.nextHeader
        self.payload = r.rest
    }

    /// Walks the extension headers after the fixed header, at most `maxExtensionHeaders`, leaving
    /// `r` on the upper-layer header (or on the fragment data after a non-atomic Fragment header).
    /// On a throw, the fields describe the chain up to the last complete header.
    public mutating func decodeExtensionHeaders(from r: inout ByteReader, maxExtensionHeaders: Int) throws(DecodeError) {
        r.layer = .ipv6
        var count = 0
        let chainStart = r.offset
        walk: while true {
            let kind: IPv6ExtensionHeaders
            switch self.upperProtocol.rawValue {
            case IPProtocol.hopByHop.rawValue: kind = .hopByHop
            case IPProtocol.ipv6Routing.rawValue: kind = .routing
            case IPProtocol.ipv6DestinationOptions.rawValue: kind = .destinationOptions
            case IPProtocol.ipv6Fragment.rawValue: kind = .fragment
            // Mobility, HIP, Shim6, experimental: RFC 7045 §4 generic format.
            case 135, 139, 140, 253, 254: kind = .other
            default: break walk
            }
            guard count < maxExtensionHeaders else { throw r.limitExceeded("too many IPv6 extension headers") }
            count += 1
            let next: IPProtocol
            if kind == .fragment {
                let header = try r.readIPv6FragmentHeader()
                self.fragment = header
                next = header.nextHeader
            } else {
                next = try r.skipIPv6ExtensionHeader()
            }
            self.extensionHeaders.insert(kind)
            self.extensionLength = r.offset - chainStart
            self.upperProtocol = next
            self.payload = r.rest
            if self.isFragment { break walk }
        }
    }

    /// `IP6 2001:db8::1 > 2001:db8::2 UDP hlim=64 len=…`, with fragment details when fragmented.
    public var summary: String {
        var s = "IP6 \(self.source) > \(self.destination) \(self.upperProtocol) hlim=\(self.hopLimit) len=\(self.payloadLength)"
        if let f = self.fragment {
            s += " frag id=0x\(String(f.identification, radix: 16)) off=\(f.offset)\(f.moreFragments ? " MF" : "")"
        }
        return s
    }
}

extension ByteReader {
    /// Skips one generic-format IPv6 extension header (Next Header, Hdr Ext Len in 8-octet units
    /// not counting the first 8; RFC 8200 §4.3) and returns its Next Header.
    mutating func skipIPv6ExtensionHeader() throws(DecodeError) -> IPProtocol {
        let next = IPProtocol(rawValue: try self.read(UInt8.self))
        let length = (Int(try self.read(UInt8.self)) + 1) * 8
        try self.skip(length - 2)
        return next
    }

    /// Reads the 8-byte Fragment header (RFC 8200 §4.5).
    mutating func readIPv6FragmentHeader() throws(DecodeError) -> IPv6Fragment {
        let next = IPProtocol(rawValue: try self.read(UInt8.self))
        try self.skip(1)  // reserved
        let offsetFlags = try self.read(UInt16.self)
        return IPv6Fragment(nextHeader: next, offset: Int(offsetFlags & 0xFFF8), moreFragments: offsetFlags & 1 != 0,
                            identification: try self.read(UInt32.self))
    }
}
