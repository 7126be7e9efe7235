import Capture

/// An ISAKMP / IKEv1 message — RFC 2408 §3.1 (header) and §3.2 (payload chain), on UDP 500 or
/// after the non-ESP marker on 4500 (RFC 3947).
///
/// Control plane: the message owns its payload bodies. With the E flag set the body is
/// ciphertext: only its length and the first payload type are recorded.
public struct IKEv1Message: Hashable, Sendable, Codable {
    public struct Flags: OptionSet, Hashable, Sendable, Codable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let encryption = Self(rawValue: 0x01)
        public static let commit = Self(rawValue: 0x02)
        public static let authenticationOnly = Self(rawValue: 0x04)
    }

    @HexIdentifier public var initiatorCookie: UInt64
    @HexIdentifier public var responderCookie: UInt64
    public var nextPayload: IKEv1PayloadType
    /// Major (high nibble) and minor version, as on the wire (0x10 for 1.0).
    public var version: UInt8
    public var exchangeType: IKEv1ExchangeType
    public var flags: Flags
    public var messageID: UInt32
    /// Message length from the header (header included).
    public var length: Int
    /// Bytes of ciphertext after the header when `flags` has `.encryption`; nil otherwise.
    public var encryptedLength: Int?
    /// The payloads in order (empty when encrypted).
    public var payloads: [IKEv1Payload]
    /// Why the payload chain stopped early (the payloads before it are kept).
    public var chainError: DecodeError?
    /// True when the encrypted body was decrypted with the user's keys into `payloads`.
    public var decrypted: Bool?

    /// Decodes the header and the payload chain, leaving `r` after the message. A broken payload
    /// chain does not throw: it is recorded in `chainError`.
    public init(from r: inout ByteReader, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .isakmp
        let h = try IKEHeaderFields(&r)
        self.initiatorCookie = h.initiatorSPI
        self.responderCookie = h.responderSPI
        self.nextPayload = IKEv1PayloadType(rawValue: h.nextPayload)
        self.version = h.version
        self.exchangeType = IKEv1ExchangeType(rawValue: h.exchangeType)
        self.flags = Flags(rawValue: h.flags)
        self.messageID = h.messageID
        self.length = h.length
        if self.flags.contains(.encryption) {
            self.encryptedLength = r.remaining
            self.payloads = []
            self.chainError = nil
            try r.skip(r.remaining)
            return
        }
        self.encryptedLength = nil
        let chain = IKEPayloadChain(first: self.nextPayload, &r, limits: limits)
        self.payloads = chain.payloads
        self.chainError = chain.error
    }

    public var majorVersion: UInt8 { self.version >> 4 }
    public var minorVersion: UInt8 { self.version & 0x0F }
    public var isEncrypted: Bool { self.flags.contains(.encryption) }
    /// True when the responder cookie is still zero: the first message of an exchange, sent by
    /// the initiator. Later messages carry no direction bit in IKEv1 (the sessions layer knows).
    public var isFromInitiatorOfNewSA: Bool { self.responderCookie == 0 }

    public var payloadTypes: [IKEv1PayloadType] { self.payloads.map(\.type) }
    public func payloads(_ type: IKEv1PayloadType) -> [IKEv1Payload] { self.payloads.filter { $0.type == type } }

    /// Notify payloads that decode (a malformed one stays visible in `payloads`).
    public var notifies: [IKEv1Notify] { self.payloads(.notification).compactMap { try? IKEv1Notify($0) } }
    public var vendorIDs: [IKEVendorID] { self.payloads(.vendorID).map { IKEVendorID(bytes: $0.body) } }
    /// NAT-D hashes (RFC 3947 §3.2; the first is the peer's address, the rest ours), in order.
    public var natDetectionHashes: [[UInt8]] { self.payloads.filter { $0.type.isNATDiscovery }.map(\.body) }
    public var securityAssociations: [IKEv1SecurityAssociation] {
        self.payloads(.securityAssociation).compactMap { try? IKEv1SecurityAssociation($0) }
    }
    public var identifications: [IKEv1Identification] { self.payloads(.identification).compactMap { try? IKEv1Identification($0) } }
    public var deletes: [IKEv1Delete] { self.payloads(.delete).compactMap { try? IKEv1Delete($0) } }
    public var natOriginalAddresses: [IKEv1NATOriginalAddress] {
        self.payloads.filter { $0.type.isNATOriginalAddress }.compactMap { try? IKEv1NATOriginalAddress($0) }
    }
    public var modeConfig: [IKEv1ModeConfig] { self.payloads(.attribute).compactMap { try? IKEv1ModeConfig($0) } }
    /// Cisco/strongSwan IKEv1 fragment header, when this message is one fragment.
    public var fragment: IKEv1Fragment? { self.payloads(.fragment).first.flatMap { try? IKEv1Fragment($0) } }
    /// Key exchange data length (the group is in the SA's transform).
    public var keyExchangeLength: Int? { self.payloads(.keyExchange).first?.body.count }

    /// e.g. `IKEv1 Main Mode (SA, VID×3) I→R`, `IKEv1 Quick Mode encrypted(len=60, first=HASH)`.
    public var summary: String {
        var s = "IKEv1 \(self.exchangeType.shortName)"
        if let n = self.encryptedLength, self.decrypted == nil {
            s += " encrypted(len=\(n), first=\(self.nextPayload))"
        } else {
            if self.decrypted == true { s += " decrypted" }
            let names = self.payloads.map { p -> String in
                if p.type == .notification, let n = try? IKEv1Notify(p) { return "N(\(n.type))" }
                return p.type.name ?? "\(p.type.rawValue)"
            }
            s += " (\(foldedList(names)))"
        }
        if self.isFromInitiatorOfNewSA { s += " I→R" }
        if self.chainError != nil { s += " [malformed]" }
        return s
    }
}

public typealias IKEv1Payload = IKEPayload<IKEv1PayloadType>
