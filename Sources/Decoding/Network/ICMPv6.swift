import Capture

/// ICMPv6 message type — RFC 4443; IANA "ICMPv6 Type Numbers". Types below 128 are errors.
public struct ICMPv6Type: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let destinationUnreachable = Self(rawValue: 1)
    public static let packetTooBig = Self(rawValue: 2)
    public static let timeExceeded = Self(rawValue: 3)
    public static let parameterProblem = Self(rawValue: 4)
    public static let echoRequest = Self(rawValue: 128)
    public static let echoReply = Self(rawValue: 129)

    /// RFC 4443 §2.1: "error messages are identified as such by a zero in the high-order bit".
    public var isError: Bool { self.rawValue < 128 }

    public static let names: [UInt8: String] = [
        1: "destination unreachable", 2: "packet too big", 3: "time exceeded", 4: "parameter problem",
        128: "echo request", 129: "echo reply", 130: "multicast listener query", 131: "multicast listener report",
        132: "multicast listener done", 133: "router solicitation", 134: "router advertisement",
        135: "neighbor solicitation", 136: "neighbor advertisement", 137: "redirect", 143: "MLDv2 report",
    ]
}

/// Code of an ICMPv6 Destination Unreachable — RFC 4443 §3.1.
public struct ICMPv6UnreachableCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let noRoute = Self(rawValue: 0)
    public static let administrativelyProhibited = Self(rawValue: 1)
    public static let addressUnreachable = Self(rawValue: 3)
    public static let port = Self(rawValue: 4)
    public static let sourcePolicyFailed = Self(rawValue: 5)
    public static let rejectRoute = Self(rawValue: 6)

    public static let names: [UInt8: String] = [
        0: "no route to destination", 1: "administratively prohibited", 2: "beyond scope of source address",
        3: "address unreachable", 4: "port unreachable", 5: "source address failed ingress/egress policy",
        6: "reject route to destination", 7: "error in source routing header",
    ]
}

/// ICMPv6 message — RFC 4443. As `ICMPv4`: the second word is kept raw, errors carry a quote.
public struct ICMPv6: ICMPMessage, Hashable, Sendable, Codable {
    public var type: ICMPv6Type
    public var code: UInt8
    public var checksum: UInt16
    /// Identifier/sequence (echo), MTU (packet too big), pointer (parameter problem)…
    public var rest: UInt32
    public var quote: ICMPQuote?
    public var payload: ByteRange

    public init(from r: inout ByteReader, maxExtensionHeaders: Int) throws(DecodeError) {
        r.layer = .icmpv6
        self.type = ICMPv6Type(rawValue: try r.read())
        self.code = try r.read()
        self.checksum = try r.read()
        self.rest = try r.read()
        self.payload = r.rest
        self.quote = self.type.isError ? ICMPQuote(from: &r, maxExtensionHeaders: maxExtensionHeaders) : nil
    }

    public var unreachableCode: ICMPv6UnreachableCode? {
        self.type == .destinationUnreachable ? ICMPv6UnreachableCode(rawValue: self.code) : nil
    }
    public var isEcho: Bool { self.type == .echoRequest || self.type == .echoReply }
    /// The MTU of a Packet Too Big (RFC 4443 §3.2).
    public var mtu: UInt32? { self.type == .packetTooBig ? self.rest : nil }

    /// `ICMP6 packet too big mtu=1280 (UDP [2001:db8::1]:500 > [2001:db8::2]:500)`.
    public var summary: String {
        var s = "ICMP6 "
        if let code = self.unreachableCode {
            s += code.description
        } else {
            s += self.type.description
            if self.code != 0 { s += " code=\(self.code)" }
        }
        if let mtu = self.mtu { s += " mtu=\(mtu)" }
        if let id = self.echoIdentifier, let seq = self.echoSequence { s += " id=\(id) seq=\(seq)" }
        if let quote = self.quote { s += " (\(quote.summary))" }
        return s
    }
}
