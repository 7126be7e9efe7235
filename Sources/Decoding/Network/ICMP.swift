import Capture

/// ICMP message type — RFC 792; IANA "ICMP Type Numbers".
public struct ICMPv4Type: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let echoReply = Self(rawValue: 0)
    public static let destinationUnreachable = Self(rawValue: 3)
    public static let sourceQuench = Self(rawValue: 4)
    public static let redirect = Self(rawValue: 5)
    public static let echoRequest = Self(rawValue: 8)
    public static let timeExceeded = Self(rawValue: 11)
    public static let parameterProblem = Self(rawValue: 12)

    /// Error messages quote the datagram that caused them.
    public var isError: Bool {
        switch self.rawValue { case 3, 4, 5, 11, 12: true; default: false }
    }

    public static let names: [UInt8: String] = [
        0: "echo reply", 3: "destination unreachable", 4: "source quench", 5: "redirect", 8: "echo request",
        9: "router advertisement", 10: "router solicitation", 11: "time exceeded", 12: "parameter problem",
        13: "timestamp request", 14: "timestamp reply",
    ]
}

/// Code of an ICMP Destination Unreachable — RFC 792, RFC 1191 (fragmentation needed, with the
/// next-hop MTU), RFC 1812 §5.2.7.1 (administratively prohibited).
public struct ICMPv4UnreachableCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let network = Self(rawValue: 0)
    public static let host = Self(rawValue: 1)
    public static let `protocol` = Self(rawValue: 2)
    public static let port = Self(rawValue: 3)
    public static let fragmentationNeeded = Self(rawValue: 4)
    public static let networkProhibited = Self(rawValue: 9)
    public static let hostProhibited = Self(rawValue: 10)
    public static let communicationProhibited = Self(rawValue: 13)

    /// Codes 9, 10 and 13: a filter (firewall, ACL) refused the packet.
    public var isAdministrativelyProhibited: Bool {
        switch self.rawValue { case 9, 10, 13: true; default: false }
    }

    public static let names: [UInt8: String] = [
        0: "net unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
        4: "fragmentation needed", 5: "source route failed", 6: "destination network unknown",
        7: "destination host unknown", 8: "source host isolated", 9: "network administratively prohibited",
        10: "host administratively prohibited", 11: "network unreachable for TOS", 12: "host unreachable for TOS",
        13: "communication administratively prohibited", 14: "host precedence violation", 15: "precedence cutoff",
    ]
}

/// What ICMP and ICMPv6 messages share (RFC 792, RFC 4443 §2.1): type, code, checksum, then a
/// 32-bit word whose meaning depends on the type.
public protocol ICMPMessage {
    var rest: UInt32 { get }
    var isEcho: Bool { get }
}

extension ICMPMessage {
    /// Echo request/reply identifier and sequence number (RFC 792; RFC 4443 §4.1).
    public var echoIdentifier: UInt16? { self.isEcho ? UInt16(truncatingIfNeeded: self.rest >> 16) : nil }
    public var echoSequence: UInt16? { self.isEcho ? UInt16(truncatingIfNeeded: self.rest) : nil }
}

/// ICMP message — RFC 792. The second 32-bit word is kept raw (`rest`) and read through the
/// accessors that apply to the type; error messages carry an `ICMPQuote` of the offending datagram.
public struct ICMPv4: ICMPMessage, Hashable, Sendable, Codable {
    public var type: ICMPv4Type
    public var code: UInt8
    public var checksum: UInt16
    /// The "rest of header" word: identifier/sequence, next-hop MTU, pointer, gateway…
    public var rest: UInt32
    /// The quoted datagram, for error types.
    public var quote: ICMPQuote?
    /// The message body after the 8-byte header (echo data, or the quote).
    public var payload: ByteRange

    public init(from r: inout ByteReader, maxExtensionHeaders: Int) throws(DecodeError) {
        r.layer = .icmp
        self.type = ICMPv4Type(rawValue: try r.read())
        self.code = try r.read()
        self.checksum = try r.read()
        self.rest = try r.read()
        self.payload = r.rest
        self.quote = self.type.isError ? ICMPQuote(from: &r, maxExtensionHeaders: maxExtensionHeaders) : nil
    }

    /// The code of a Destination Unreachable.
    public var unreachableCode: ICMPv4UnreachableCode? {
        self.type == .destinationUnreachable ? ICMPv4UnreachableCode(rawValue: self.code) : nil
    }
    public var isEcho: Bool { self.type == .echoRequest || self.type == .echoReply }
    /// The next-hop MTU of a "fragmentation needed" (RFC 1191 §4); 0 from pre-RFC 1191 routers.
    public var nextHopMTU: UInt16? {
        self.unreachableCode == .fragmentationNeeded ? UInt16(truncatingIfNeeded: self.rest) : nil
    }

    /// `ICMP port unreachable (UDP 10.0.0.1:500 > 10.0.0.2:500)`, `ICMP echo request id=1 seq=2`.
    public var summary: String {
        var s = "ICMP "
        if let code = self.unreachableCode {
            s += code.description
            if let mtu = self.nextHopMTU { s += " mtu=\(mtu)" }
        } else if self.type == .timeExceeded {
            s += self.code == 1 ? "fragment reassembly time exceeded" : "time exceeded in transit"
        } else {
            s += self.type.description
            if self.code != 0 { s += " code=\(self.code)" }
        }
        if let id = self.echoIdentifier, let seq = self.echoSequence { s += " id=\(id) seq=\(seq)" }
        if let quote = self.quote { s += " (\(quote.summary))" }
        return s
    }
}
