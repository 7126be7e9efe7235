import Capture

/// DNS RR type — RFC 1035 §3.2.2; IANA "Resource Record (RR) TYPEs".
public struct DNSType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let a = Self(rawValue: 1)
    public static let cname = Self(rawValue: 5)
    public static let aaaa = Self(rawValue: 28)
    public static let names: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
        35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 64: "SVCB", 65: "HTTPS",
        252: "AXFR", 255: "ANY",
    ]
}

/// DNS response code — RFC 1035 §4.1.1, RFC 2136; IANA "DNS RCODEs".
public struct DNSRCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let noError = Self(rawValue: 0)
    public static let nxDomain = Self(rawValue: 3)
    public static let names: [UInt8: String] = [
        0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN",
        7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
    ]
}

/// DNS opcode — RFC 1035 §4.1.1; IANA "DNS OpCodes".
public struct DNSOpcode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let names: [UInt8: String] = [0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE", 6: "DSO"]
}

public struct DNSQuestion: Hashable, Sendable, Codable {
    public var name: String
    public var type: DNSType
    public var recordClass: UInt16
}

/// An answer record: A/AAAA addresses and CNAME targets are decoded, other types keep their
/// type and data length.
public struct DNSRecord: Hashable, Sendable, Codable {
    public enum Data: Hashable, Sendable, Codable {
        case address(IPAddress)
        case name(String)
        case other(length: Int)
    }
    public var name: String
    public var type: DNSType
    public var recordClass: UInt16
    public var ttl: UInt32
    public var data: Data
}

/// A DNS message — RFC 1035 §4.1, over UDP or TCP 53 (RFC 1035 §4.2.2: TCP prefixes a 2-byte
/// length). Header, questions and answers are decoded; authority and additional records are
/// counted only. Names follow compression pointers strictly backwards (each pointer must point
/// before the labels that contain it), at most `maxDNSPointerHops` of them, and a name is at most
/// 255 bytes on the wire (RFC 1035 §2.3.4). Control plane: owns its names.
public struct DNS: Hashable, Sendable, Codable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: DNSOpcode
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    public var rcode: DNSRCode
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    /// True when an answer record could not be decoded (the ones before it are kept), or when there
    /// were more than `maxDNSRecords`.
    public var answersIncomplete: Bool
    /// Over TCP (had the 2-byte length prefix).
    public var overTCP: Bool

    public static let maxNameLength = 255

    /// Decodes a DNS message over TCP: a 2-byte length, then the message (which must be wholly in
    /// `r`; the dispatcher checks before calling).
    public init(tcp r: inout ByteReader, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .dns
        let length = Int(try r.read(UInt16.self))
        var m = try r.sub(length, source: .dnsLength)
        try self.init(from: &m, limits: limits)
        self.overTCP = true
    }

    /// Decodes a DNS message that fills `r` (a UDP payload).
    public init(from r: inout ByteReader, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .dns
        let message = ByteRange(start: r.offset, end: r.end)
        self.overTCP = false
        self.id = try r.read()
        let flags = try r.read(UInt16.self)
        self.isResponse = flags & 0x8000 != 0
        self.opcode = DNSOpcode(rawValue: UInt8((flags >> 11) & 0x0F))
        self.authoritative = flags & 0x0400 != 0
        self.truncated = flags & 0x0200 != 0
        self.recursionDesired = flags & 0x0100 != 0
        self.recursionAvailable = flags & 0x0080 != 0
        self.rcode = DNSRCode(rawValue: UInt8(flags & 0x000F))
        self.questionCount = try r.read()
        self.answerCount = try r.read()
        self.authorityCount = try r.read()
        self.additionalCount = try r.read()
        self.questions = []
        self.answers = []
        self.answersIncomplete = false
        for _ in 0..<min(Int(self.questionCount), limits.maxDNSRecords) {
            let name = try Self.readName(&r, message: message, limits: limits)
            self.questions.append(DNSQuestion(name: name, type: DNSType(rawValue: try r.read()), recordClass: try r.read()))
        }
        guard Int(self.questionCount) <= limits.maxDNSRecords else { throw r.limitExceeded("too many DNS questions") }
        self.answersIncomplete = Int(self.answerCount) > limits.maxDNSRecords
        for _ in 0..<min(Int(self.answerCount), limits.maxDNSRecords) {
            do {
                self.answers.append(try Self.readRecord(&r, message: message, limits: limits))
            } catch {
                self.answersIncomplete = true
                break
            }
        }
        try r.skip(r.remaining)  // authority and additional records are not decoded
    }

    private static func readRecord(_ r: inout ByteReader, message: ByteRange, limits: DecodeLimits) throws(DecodeError) -> DNSRecord {
        let name = try readName(&r, message: message, limits: limits)
        let type = DNSType(rawValue: try r.read())
        let recordClass = try r.read(UInt16.self)
        let ttl = try r.read(UInt32.self)
        let length = Int(try r.read(UInt16.self))
        let dataStart = r.offset
        var rdata = try r.sub(exactly: length, source: .dnsLength)
        let data: DNSRecord.Data
        switch type {
        case .a where length == 4: data = .address(try rdata.readIPv4Address())
        case .aaaa where length == 16: data = .address(try rdata.readIPv6Address())
        case .cname:
            // The target may point back into the message: read it from a reader over the whole
            // message positioned at the RDATA.
            var target = ByteReader(base: rdata.base, offset: dataStart, end: message.end, layer: .dns,
                                    lengthSource: .dnsLength)
            data = .name(try readName(&target, message: message, limits: limits))
        default: data = .other(length: length)
        }
        return DNSRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, data: data)
    }

    /// Reads a domain name (RFC 1035 §3.1, §4.1.4) and leaves `r` after it (after the first
    /// pointer when the name is compressed). The root name is ".".
    ///
    /// The labels are gathered in one stack buffer (a name's text is at most 254 bytes) and become a
    /// String once: a String per label, joined, cost more than the rest of the message's decoding.
    /// Decoding the whole text at once repairs bad UTF-8 as decoding each label did, since a dot
    /// (ASCII) ends any sequence a label left open.
    static func readName(_ r: inout ByteReader, message: ByteRange, limits: DecodeLimits) throws(DecodeError) -> String {
        try withUnsafeTemporaryAllocation(byteCount: Self.maxNameLength, alignment: 1) { text throws(DecodeError) in
            var cursor = r
            var segmentStart = cursor.offset
            var jumped = false
            var hops = 0
            var wireLength = 1  // the final zero byte
            var count = 0  // bytes of text gathered
            while true {  // each pass consumes ≥ 1 byte, or follows a pointer strictly backwards
                let length = Int(try cursor.read(UInt8.self))
                switch length >> 6 {
                case 0:
                    if length == 0 {
                        if !jumped { r = cursor }
                        return count == 0 ? "." : String(decoding: UnsafeRawBufferPointer(rebasing: text[..<count]), as: UTF8.self)
                    }
                    wireLength += length + 1
                    guard wireLength <= Self.maxNameLength else {
                        throw cursor.malformed("DNS name longer than 255 bytes", source: .dnsName)
                    }
                    if count > 0 { text[count] = UInt8(ascii: "."); count += 1 }
                    try cursor.copy(length, into: UnsafeMutableRawBufferPointer(rebasing: text[count..<(count + length)]))
                    count += length
                case 3:
                    let target = message.start + ((length & 0x3F) << 8 | Int(try cursor.read(UInt8.self)))
                    guard hops < limits.maxDNSPointerHops else { throw cursor.limitExceeded("too many DNS compression pointers") }
                    guard target < segmentStart else {
                        throw cursor.malformed("DNS compression pointer does not point backwards", source: .dnsName)
                    }
                    hops += 1
                    if !jumped { r = cursor }
                    jumped = true
                    cursor = ByteReader(base: cursor.base, offset: target, end: message.end, layer: .dns,
                                        lengthSource: .dnsName)
                    segmentStart = target
                default:
                    throw cursor.malformed("DNS label type 0x40/0x80 (extended labels) not supported", source: .dnsName)
                }
            }
        }
    }

    /// "DNS query A vpn.example.com", "DNS response NXDOMAIN vpn.example.com",
    /// "DNS response vpn.example.com A 192.0.2.1".
    public var summary: String {
        let q = self.questions.first
        guard self.isResponse else { return "DNS query \(q.map { "\($0.type) \($0.name)" } ?? "(no question)")" }
        var s = "DNS response"
        if self.rcode != .noError { s += " \(self.rcode)" }
        if let q { s += " \(q.name)" }
        for answer in self.answers.prefix(4) {
            switch answer.data {
            case .address(let a): s += " \(answer.type) \(a)"
            case .name(let n): s += " CNAME \(n)"
            case .other: break
            }
        }
        return s
    }
}
