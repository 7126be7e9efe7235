import Capture

/// An IKEv2 message — RFC 7296 §3.1 (header) and §3.2 (payload chain).
///
/// Control plane: the message owns its unencrypted payload bodies. SK (46) and SKF (53, RFC 7383)
/// end the chain: their next-payload field names the first encrypted payload, and only their
/// lengths (and SKF's fragment number/total) are kept.
public struct IKEv2Message: Hashable, Sendable, Codable {
    public struct Flags: OptionSet, Hashable, Sendable, Codable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let initiator = Self(rawValue: 0x08)
        public static let version = Self(rawValue: 0x10)
        public static let response = Self(rawValue: 0x20)
    }

    @HexIdentifier public var initiatorSPI: UInt64
    @HexIdentifier public var responderSPI: UInt64
    public var nextPayload: IKEv2PayloadType
    /// Major (high nibble) and minor version, as on the wire (0x20 for 2.0).
    public var version: UInt8
    public var exchangeType: IKEv2ExchangeType
    public var flags: Flags
    public var messageID: UInt32
    public var length: Int
    public var payloads: [IKEv2Payload]
    /// Why the payload chain stopped early (the payloads before it are kept).
    public var chainError: DecodeError?
    /// How many payloads (just before SK in `payloads`) came out of SK decrypted with the user's
    /// keys; nil when SK was not decrypted.
    public var decryptedPayloads: Int?

    public init(from r: inout ByteReader, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .ikev2
        let h = try IKEHeaderFields(&r)
        self.initiatorSPI = h.initiatorSPI
        self.responderSPI = h.responderSPI
        self.nextPayload = IKEv2PayloadType(rawValue: h.nextPayload)
        self.version = h.version
        self.exchangeType = IKEv2ExchangeType(rawValue: h.exchangeType)
        self.flags = Flags(rawValue: h.flags)
        self.messageID = h.messageID
        self.length = h.length
        let chain = IKEPayloadChain(first: self.nextPayload, &r, limits: limits, opaque: \.isEncrypted,
                                    keep: { $0 == .encryptedFragment ? 4 : 0 })
        self.payloads = chain.payloads
        self.chainError = chain.error
    }

    public var isInitiator: Bool { self.flags.contains(.initiator) }
    public var isResponse: Bool { self.flags.contains(.response) }
    public var isRequest: Bool { !self.isResponse }

    public var payloadTypes: [IKEv2PayloadType] { self.payloads.map(\.type) }
    public func payloads(_ type: IKEv2PayloadType) -> [IKEv2Payload] { self.payloads.filter { $0.type == type } }

    public var notifies: [IKEv2Notify] { self.payloads(.notify).compactMap { try? IKEv2Notify($0) } }
    public var vendorIDs: [IKEVendorID] { self.payloads(.vendorID).map { IKEVendorID(bytes: $0.body) } }
    /// NAT_DETECTION_SOURCE_IP (possibly several) and NAT_DETECTION_DESTINATION_IP hashes.
    public var natDetectionHashes: (source: [[UInt8]], destination: [[UInt8]]) {
        let n = self.notifies
        return (n.filter { $0.type == .natDetectionSourceIP }.map(\.data),
                n.filter { $0.type == .natDetectionDestinationIP }.map(\.data))
    }
    public var securityAssociation: IKEv2SecurityAssociation? {
        self.payloads(.securityAssociation).first.flatMap { try? IKEv2SecurityAssociation($0) }
    }
    /// In a response, the proposal the responder chose (RFC 7296 §2.7: exactly one).
    public var chosenProposal: IKEv2Proposal? { self.isResponse ? self.securityAssociation?.proposals.first : nil }
    public var keyExchange: IKEv2KeyExchange? { self.payloads(.keyExchange).first.flatMap { try? IKEv2KeyExchange($0) } }
    public var identifications: [IKEv2Identification] {
        self.payloads.filter { $0.type == .idInitiator || $0.type == .idResponder }.compactMap { try? IKEv2Identification($0) }
    }
    public var authentication: IKEv2Authentication? { self.payloads(.authentication).first.flatMap { try? IKEv2Authentication($0) } }
    public var trafficSelectors: [IKEv2TrafficSelectors] {
        self.payloads.filter { $0.type == .tsInitiator || $0.type == .tsResponder }.compactMap { try? IKEv2TrafficSelectors($0) }
    }
    public var deletes: [IKEv2Delete] { self.payloads(.delete).compactMap { try? IKEv2Delete($0) } }
    public var configuration: IKEv2Configuration? { self.payloads(.configuration).first.flatMap { try? IKEv2Configuration($0) } }
    public var certificateRequests: [IKEv2Certificate] { self.payloads(.certificateRequest).compactMap { try? IKEv2Certificate($0) } }
    public var certificates: [IKEv2Certificate] { self.payloads(.certificate).compactMap { try? IKEv2Certificate($0) } }
    /// The SK or SKF payload, when the rest of the message is encrypted.
    public var encrypted: IKEv2Payload? { self.payloads.last.flatMap { $0.type.isEncrypted ? $0 : nil } }
    /// SKF fragment number and total (RFC 7383 §2.5).
    public var fragment: (number: UInt16, total: UInt16)? {
        guard let p = self.encrypted, p.type == .encryptedFragment, p.body.count == 4 else { return nil }
        return (UInt16(p.body[0]) << 8 | UInt16(p.body[1]), UInt16(p.body[2]) << 8 | UInt16(p.body[3]))
    }

    /// e.g. `IKEv2 IKE_SA_INIT request (SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP), …)`,
    /// `IKEv2 IKE_AUTH response SK(len=80, first=IDr)`.
    public var summary: String {
        var s = "IKEv2 \(self.exchangeType) \(self.isResponse ? "response" : "request")"
        let name = { (p: IKEv2Payload) -> String in
            switch p.type {
            case .notify: if let n = try? IKEv2Notify(p) { return "N(\(n.type))" }
            case .nonce: return self.isInitiator ? "Ni" : "Nr"
            default: break
            }
            return p.type.name ?? "\(p.type.rawValue)"
        }
        let inside = self.decryptedPayloads ?? 0
        let clear = self.payloads.dropLast(self.encrypted == nil ? 0 : 1 + inside).filter { !$0.type.isEncrypted }
        if !clear.isEmpty { s += " (\(foldedList(clear.map(name))))" }
        if let e = self.encrypted {
            let first = e.nextPayload.name ?? "\(e.nextPayload.rawValue)"
            if let f = self.fragment {
                s += " SKF(\(f.number)/\(f.total), len=\(e.length - 4), first=\(first))"
            } else {
                s += " SK(len=\(e.length - 4), first=\(first))"
            }
            if inside > 0 {
                s += " decrypted: \(foldedList(self.payloads.dropLast().suffix(inside).map(name)))"
            }
        }
        if self.chainError != nil { s += " [malformed]" }
        return s
    }
}

public typealias IKEv2Payload = IKEPayload<IKEv2PayloadType>
