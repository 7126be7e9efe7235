import Capture

/// A PPP control packet — the code/identifier/length header shared by LCP (RFC 1661 §5), the
/// NCPs that reuse its codes (IPCP RFC 1332, IPV6CP RFC 5072, CCP RFC 1962, ECP RFC 1968), PAP
/// (RFC 1334), CHAP (RFC 1994, MS-CHAP RFC 2433, MS-CHAPv2 RFC 2759) and EAP (RFC 3748).
/// Control plane: owns its options and texts.
public struct PPPControl: Hashable, Sendable, Codable {
    public var protocolNumber: PPPProtocol
    public var identifier: UInt8
    /// The packet's length field (header included).
    public var length: Int
    public var message: Message

    public enum Message: Hashable, Sendable, Codable {
        /// LCP, IPCP, IPV6CP, CCP, ECP.
        case configure(PPPConfigure)
        case pap(PAP)
        case chap(CHAP)
        case eap(EAP)
    }

    /// The code byte, whatever the protocol (tshark's `lcp.code`, `chap.code`…).
    public var code: UInt8 {
        switch self.message {
        case .configure(let p): p.code.rawValue
        case .pap(let p): p.code.rawValue
        case .chap(let p): p.code.rawValue
        case .eap(let p): p.code.rawValue
        }
    }

    /// Decodes one control packet of `protocolNumber` (which must be `isControl`). Bytes after the
    /// length field (PPP padding) are left unread.
    public init(from r: inout ByteReader, protocolNumber: PPPProtocol, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .pppControl
        let start = r.offset
        self.protocolNumber = protocolNumber
        let code = try r.read(UInt8.self)
        self.identifier = try r.read()
        self.length = Int(try r.read(UInt16.self))
        guard self.length >= 4 else {
            throw DecodeError(.lengthFieldTooSmall, layer: .pppControl, offset: start + 2, needed: 4,
                              available: self.length, lengthSource: .pppLength)
        }
        var body = try r.sub(exactly: self.length - 4, source: .pppLength)
        switch protocolNumber {
        case .pap: self.message = .pap(try PAP(code: code, body: &body))
        case .chap: self.message = .chap(try CHAP(code: code, body: &body))
        case .eap: self.message = .eap(try EAP(code: code, body: &body))
        default: self.message = .configure(try PPPConfigure(protocolNumber, code: code, body: &body, limits: limits))
        }
    }

    public var summary: String {
        switch self.message {
        case .configure(let p): return p.summary(identifier: self.identifier)
        case .pap(let p): return p.summary(identifier: self.identifier)
        case .chap(let p): return p.summary(identifier: self.identifier)
        case .eap(let p): return p.summary(identifier: self.identifier)
        }
    }
}

// MARK: - LCP and the NCPs

/// LCP packet code — RFC 1661 §5 (codes 1–7 are shared by the NCPs; 14/15 are CCP's
/// Reset-Request/Ack, RFC 1962 §2.2).
public struct LCPCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let configureRequest = Self(rawValue: 1)
    public static let configureAck = Self(rawValue: 2)
    public static let configureNak = Self(rawValue: 3)
    public static let configureReject = Self(rawValue: 4)
    public static let terminateRequest = Self(rawValue: 5)
    public static let terminateAck = Self(rawValue: 6)
    public static let codeReject = Self(rawValue: 7)
    public static let protocolReject = Self(rawValue: 8)
    public static let echoRequest = Self(rawValue: 9)
    public static let echoReply = Self(rawValue: 10)
    public static let discardRequest = Self(rawValue: 11)
    public static let names: [UInt8: String] = [
        1: "Configure-Request", 2: "Configure-Ack", 3: "Configure-Nak", 4: "Configure-Reject",
        5: "Terminate-Request", 6: "Terminate-Ack", 7: "Code-Reject", 8: "Protocol-Reject", 9: "Echo-Request",
        10: "Echo-Reply", 11: "Discard-Request", 12: "Identification", 13: "Time-Remaining",
        14: "Reset-Request", 15: "Reset-Ack",
    ]
    var carriesOptions: Bool { (1...4).contains(self.rawValue) }
}

/// CHAP algorithm in the LCP Authentication-Protocol option — RFC 1994 §3 (IANA "PPP LCP
/// Authentication Method"): 5 MD5, 0x80 MS-CHAP (RFC 2433), 0x81 MS-CHAPv2 (RFC 2759).
public struct CHAPAlgorithm: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let md5 = Self(rawValue: 5)
    public static let msCHAP = Self(rawValue: 0x80)
    public static let msCHAPv2 = Self(rawValue: 0x81)
    public static let names: [UInt8: String] = [5: "MD5", 6: "SHA1", 0x80: "MS-CHAP", 0x81: "MS-CHAPv2"]
}

/// One configuration option (type, length ≥ 2, data). Its meaning depends on the protocol it was
/// negotiated in, which it keeps; typed views (`mru`, `authProtocol`…) decode on demand.
public struct PPPOption: Hashable, Sendable, Codable {
    public var protocolNumber: PPPProtocol
    public var type: UInt8
    public var data: [UInt8]

    public init(protocolNumber: PPPProtocol, type: UInt8, data: [UInt8]) {
        self.protocolNumber = protocolNumber
        self.type = type
        self.data = data
    }

    static let lcpNames: [UInt8: String] = [
        0: "Vendor-Specific", 1: "MRU", 2: "ACCM", 3: "Auth-Protocol", 4: "Quality-Protocol", 5: "Magic-Number",
        7: "PFC", 8: "ACFC", 9: "FCS-Alternatives", 10: "SDP", 11: "Numbered-Mode", 13: "Callback", 17: "MRRU",
        18: "Short-Sequence", 19: "Endpoint-Discriminator", 23: "Link-Discriminator",
    ]
    static let ipcpNames: [UInt8: String] = [
        1: "IP-Addresses", 2: "IP-Compression", 3: "IP-Address", 4: "Mobile-IPv4", 129: "Primary-DNS",
        130: "Primary-NBNS", 131: "Secondary-DNS", 132: "Secondary-NBNS",
    ]
    static let ipv6cpNames: [UInt8: String] = [1: "Interface-Identifier", 2: "IPv6-Compression"]
    static let ccpNames: [UInt8: String] = [
        0: "OUI", 1: "Predictor-1", 2: "Predictor-2", 3: "Puddle-Jumper", 16: "HP-PPC", 17: "Stac-LZS",
        18: "MPPE/MPPC", 19: "Gandalf-FZA", 20: "V.42bis", 21: "BSD-Compress", 23: "LZS-DCP", 24: "MVRCA",
        25: "DCE", 26: "Deflate", 27: "V.44",
    ]
    static let ecpNames: [UInt8: String] = [0: "OUI", 1: "DESE", 2: "3DESE", 3: "DESE-bis"]

    /// The option's name in its protocol's registry (IANA "PPP LCP Configuration Option Types",
    /// "PPP IPCP Configuration Option Types"…), or nil.
    public var name: String? {
        switch self.protocolNumber {
        case .lcp: Self.lcpNames[self.type]
        case .ipcp: Self.ipcpNames[self.type]
        case .ipv6cp: Self.ipv6cpNames[self.type]
        case .ccp: Self.ccpNames[self.type]
        case .ecp: Self.ecpNames[self.type]
        default: nil
        }
    }

    private var uint16: UInt16? { self.data.bigEndian(UInt16.self) }
    private var uint32: UInt32? { self.data.bigEndian(UInt32.self) }

    /// LCP Maximum-Receive-Unit (type 1).
    public var mru: UInt16? { self.protocolNumber == .lcp && self.type == 1 ? self.uint16 : nil }
    /// LCP Magic-Number (type 5).
    public var magicNumber: UInt32? { self.protocolNumber == .lcp && self.type == 5 ? self.uint32 : nil }
    /// LCP Authentication-Protocol (type 3): the protocol, and the CHAP algorithm when present.
    public var authProtocol: (protocolNumber: PPPProtocol, algorithm: CHAPAlgorithm?)? {
        guard self.protocolNumber == .lcp, self.type == 3, let p = self.uint16 else { return nil }
        return (PPPProtocol(rawValue: p), self.data.count >= 3 ? CHAPAlgorithm(rawValue: self.data[2]) : nil)
    }
    /// IPCP IP-Address (3) and DNS/NBNS server options (129–132).
    public var ipAddress: IPAddress? {
        guard self.protocolNumber == .ipcp, [3, 129, 130, 131, 132].contains(self.type), let a = self.uint32 else {
            return nil
        }
        return .v4(a)
    }
    /// IPV6CP Interface-Identifier (1).
    public var interfaceIdentifier: UInt64? {
        guard self.protocolNumber == .ipv6cp, self.type == 1 else { return nil }
        return self.data.bigEndian(UInt64.self)
    }

    /// "MRU=1400", "Auth=CHAP/MS-CHAPv2", "IP=10.0.0.1"…
    public var summary: String {
        if let mru { return "MRU=\(mru)" }
        if let magicNumber { return "Magic=\(hex(magicNumber))" }
        if let auth = self.authProtocol {
            return "Auth=\(auth.protocolNumber)" + (auth.algorithm.map { "/\($0)" } ?? "")
        }
        if self.protocolNumber == .lcp, self.type == 2, let accm = self.uint32 { return "ACCM=\(hex(accm))" }
        if let ip = self.ipAddress {
            let label = [3: "IP", 129: "DNS1", 130: "NBNS1", 131: "DNS2", 132: "NBNS2"][self.type] ?? "IP"
            return "\(label)=\(ip)"
        }
        if let id = self.interfaceIdentifier { return "IfID=\(hex(id))" }
        return self.name ?? "unknown(\(self.type))"
    }

    private enum CodingKeys: String, CodingKey { case type, name, data }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(protocolNumber: .lcp, type: try c.decode(UInt8.self, forKey: .type),
                  data: try c.decode([UInt8].self, forKey: .data))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.type, forKey: .type)
        try c.encode(self.name ?? "unknown(\(self.type))", forKey: .name)
        try c.encode(self.data, forKey: .data)
    }
}

/// An LCP-family packet (LCP, IPCP, IPV6CP, CCP, ECP): options for Configure-*, the magic
/// number of LCP Echo/Discard, the rejected protocol of Protocol-Reject, and any other data.
public struct PPPConfigure: Hashable, Sendable, Codable {
    public var protocolNumber: PPPProtocol
    public var code: LCPCode
    public var options: [PPPOption]
    /// LCP Echo-Request/Reply, Discard-Request — RFC 1661 §5.8.
    public var magicNumber: UInt32?
    /// Protocol-Reject — RFC 1661 §5.7.
    public var rejectedProtocol: PPPProtocol?
    /// What follows (Terminate data, the rejected packet, echo data).
    public var data: [UInt8]

    init(_ protocolNumber: PPPProtocol, code: UInt8, body r: inout ByteReader, limits: DecodeLimits) throws(DecodeError) {
        self.protocolNumber = protocolNumber
        self.code = LCPCode(rawValue: code)
        self.options = []
        self.magicNumber = nil
        self.rejectedProtocol = nil
        if self.code.carriesOptions {
            while !r.isEmpty {
                guard self.options.count < limits.maxPPPOptions else { throw r.limitExceeded("too many PPP options") }
                let type = try r.read(UInt8.self)
                let length = Int(try r.read(UInt8.self))
                guard length >= 2 else {
                    throw DecodeError(.lengthFieldTooSmall, layer: .pppControl, offset: r.offset - 1, needed: 2,
                                      available: length, lengthSource: .pppOptionLength)
                }
                var value = try r.sub(exactly: length - 2, source: .pppOptionLength)
                self.options.append(PPPOption(protocolNumber: protocolNumber, type: type,
                                              data: value.readRemainingBytes()))
            }
        } else if protocolNumber == .lcp, [9, 10, 11].contains(code) {
            self.magicNumber = try r.read()
        } else if protocolNumber == .lcp, code == 8 {
            self.rejectedProtocol = PPPProtocol(rawValue: try r.read())
        }
        self.data = r.readRemainingBytes()
    }

    func summary(identifier: UInt8) -> String {
        var s = "\(self.protocolNumber) \(self.code) id=\(identifier)"
        if !self.options.isEmpty { s += " (" + self.options.map(\.summary).joined(separator: ", ") + ")" }
        if let magicNumber { s += " magic=\(hex(magicNumber))" }
        if let rejectedProtocol { s += " rejected=\(rejectedProtocol)" }
        return s
    }
}

// MARK: - PAP

/// PAP code — RFC 1334 §2.2.
public struct PAPCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let authenticateRequest = Self(rawValue: 1)
    public static let authenticateAck = Self(rawValue: 2)
    public static let authenticateNak = Self(rawValue: 3)
    public static let names: [UInt8: String] = [1: "Authenticate-Request", 2: "Authenticate-Ack", 3: "Authenticate-Nak"]
}

/// A PAP packet — RFC 1334 §2.2. The password itself is not kept, only its length.
public struct PAP: Hashable, Sendable, Codable {
    public var code: PAPCode
    public var peerID: String?
    public var passwordLength: Int?
    /// Authenticate-Ack/Nak message.
    public var message: String?

    init(code: UInt8, body r: inout ByteReader) throws(DecodeError) {
        self.code = PAPCode(rawValue: code)
        self.peerID = nil
        self.passwordLength = nil
        self.message = nil
        switch self.code {
        case .authenticateRequest:
            self.peerID = try r.readText(Int(try r.read(UInt8.self)))
            let n = Int(try r.read(UInt8.self))
            try r.skip(n)
            self.passwordLength = n
        case .authenticateAck, .authenticateNak:
            if !r.isEmpty { self.message = try r.readText(Int(try r.read(UInt8.self))) }
        default:
            break
        }
    }

    func summary(identifier: UInt8) -> String {
        var s = "PAP \(self.code) id=\(identifier)"
        if let peerID { s += " peer=\(peerID)" }
        if let message, !message.isEmpty { s += " \"\(message)\"" }
        return s
    }
}

// MARK: - CHAP

/// CHAP code — RFC 1994 §4.
public struct CHAPCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let challenge = Self(rawValue: 1)
    public static let response = Self(rawValue: 2)
    public static let success = Self(rawValue: 3)
    public static let failure = Self(rawValue: 4)
    public static let names: [UInt8: String] = [1: "Challenge", 2: "Response", 3: "Success", 4: "Failure"]
}

/// A CHAP packet — RFC 1994 §4: Challenge/Response carry a value and a name, Success/Failure a
/// message, which MS-CHAP (RFC 2433 §5) and MS-CHAPv2 (RFC 2759 §6) structure as
/// `E=691 R=0 C=… V=3 M=…` or `S=… M=…`.
public struct CHAP: Hashable, Sendable, Codable {
    public var code: CHAPCode
    /// Challenge or response value (49 bytes for an MS-CHAP/MS-CHAPv2 response).
    public var value: [UInt8]?
    public var name: String?
    public var message: String?
    /// The MS-CHAP fields of a Success/Failure message, when it has them.
    public var msCHAP: MSCHAPStatus?

    init(code: UInt8, body r: inout ByteReader) throws(DecodeError) {
        self.code = CHAPCode(rawValue: code)
        self.value = nil
        self.name = nil
        self.message = nil
        self.msCHAP = nil
        switch self.code {
        case .challenge, .response:
            self.value = try r.readBytes(Int(try r.read(UInt8.self)))
            self.name = r.readRemainingText()
        case .success, .failure:
            let text = r.readRemainingText()
            self.message = text
            self.msCHAP = MSCHAPStatus(parsing: text)
        default:
            break
        }
    }

    func summary(identifier: UInt8) -> String {
        if let ms = self.msCHAP {
            var s = "\(ms.isVersion2 ? "MS-CHAPv2" : "MS-CHAP") \(self.code)"
            if let e = ms.errorCode { s += " E=\(e)" }
            if let r = ms.retry { s += " R=\(r ? 1 : 0)" }
            if let m = ms.text, !m.isEmpty { s += " \"\(m)\"" }
            return s
        }
        var s = "CHAP \(self.code) id=\(identifier)"
        if let name, !name.isEmpty { s += " name=\(name)" }
        if let message, !message.isEmpty { s += " \"\(message)\"" }
        return s
    }
}

/// The fields of an MS-CHAP Success/Failure message: `E=eeeeeeeeee R=r C=cccc… V=vvvvvvvvvv
/// M=<msg>` (RFC 2759 §6, RFC 2433 §5) and `S=<auth> M=<msg>` (RFC 2759 §5). `M=` runs to the end.
public struct MSCHAPStatus: Hashable, Sendable, Codable {
    /// E=: 646 restricted logon hours, 647 account disabled, 648 password expired, 649 no dial-in
    /// permission, 691 authentication failure, 709 error changing password.
    public var errorCode: Int?
    public var retry: Bool?
    /// C=: the new challenge, hex.
    public var challenge: String?
    public var version: Int?
    /// S=: the authenticator response (Success).
    public var authenticatorResponse: String?
    public var text: String?

    /// True for MS-CHAPv2 (`S=` on success, `V=3` or a 32-digit `C=` on failure).
    public var isVersion2: Bool {
        self.authenticatorResponse != nil || self.version == 3 || (self.challenge?.count ?? 0) == 32
    }

    /// Nil when `message` has none of the MS-CHAP fields (a plain CHAP message).
    init?(parsing message: String) {
        var rest = Substring(message)
        var found = false
        for _ in 0..<8 {  // at most E, R, C, V, S, M
            rest = rest.drop { $0 == " " }
            guard rest.count >= 2, rest.dropFirst().first == "=" else { break }
            let key = rest.first!
            if key == "M" {
                self.text = String(rest.dropFirst(2))
                found = true
                break
            }
            let token = rest.dropFirst(2).prefix { $0 != " " }
            rest = rest.dropFirst(2 + token.count)
            switch key {
            case "E": self.errorCode = Int(token)
            case "R": self.retry = token == "1"
            case "C": self.challenge = String(token)
            case "V": self.version = Int(token)
            case "S": self.authenticatorResponse = String(token)
            default: return nil
            }
            found = true
        }
        guard found else { return nil }
    }
}

// MARK: - EAP

/// EAP code — RFC 3748 §4.
public struct EAPCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let request = Self(rawValue: 1)
    public static let response = Self(rawValue: 2)
    public static let success = Self(rawValue: 3)
    public static let failure = Self(rawValue: 4)
    public static let names: [UInt8: String] = [1: "Request", 2: "Response", 3: "Success", 4: "Failure", 5: "Initiate", 6: "Finish"]
}

/// EAP method type — RFC 3748 §5; IANA "EAP Method Types".
public struct EAPType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let identity = Self(rawValue: 1)
    public static let names: [UInt8: String] = [
        1: "Identity", 2: "Notification", 3: "Nak", 4: "MD5-Challenge", 5: "OTP", 6: "GTC", 13: "EAP-TLS",
        17: "LEAP", 18: "EAP-SIM", 21: "EAP-TTLS", 23: "EAP-AKA", 25: "PEAP", 26: "EAP-MSCHAPv2", 43: "EAP-FAST",
        49: "EAP-IKEv2", 50: "EAP-AKA'", 52: "EAP-PWD", 254: "Expanded",
    ]
}

/// An EAP packet — RFC 3748 §4 (the header was read by `PPPControl`): the method type of a
/// Request/Response, and the identity of an Identity exchange.
public struct EAP: Hashable, Sendable, Codable {
    public var code: EAPCode
    public var type: EAPType?
    public var identity: String?
    /// Bytes of method data after the type.
    public var dataLength: Int

    init(code: UInt8, body r: inout ByteReader) throws(DecodeError) {
        self.code = EAPCode(rawValue: code)
        self.type = nil
        self.identity = nil
        if self.code == .request || self.code == .response, !r.isEmpty {
            let type = EAPType(rawValue: try r.read())
            self.type = type
            if type == .identity { self.identity = r.readRemainingText() }
        }
        self.dataLength = r.remaining
        try r.skip(r.remaining)
    }

    func summary(identifier: UInt8) -> String {
        var s = "EAP \(self.code) id=\(identifier)"
        if let type { s += " \(type)" }
        if let identity, !identity.isEmpty { s += " \(identity)" }
        return s
    }
}
