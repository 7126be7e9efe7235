import Decoding

/// A DNS message — RFC 1035: the question and the addresses answered.
public struct DNSFact: Hashable, Sendable {
    public var id: UInt16
    public var isResponse: Bool
    /// 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED…
    public var rcode: UInt8
    public var queryName: String
    public var queryType: UInt16
    public var answers: [IPAddress]
    public init(id: UInt16, isResponse: Bool, rcode: UInt8 = 0, queryName: String, queryType: UInt16 = 1,
                answers: [IPAddress] = []) {
        self.id = id
        self.isResponse = isResponse
        self.rcode = rcode
        self.queryName = queryName
        self.queryType = queryType
        self.answers = answers
    }

    public static func rcodeName(_ rcode: UInt8) -> String {
        [0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"][rcode] ?? "RCODE \(rcode)"
    }
}
