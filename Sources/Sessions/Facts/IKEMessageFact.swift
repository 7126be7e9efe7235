/// What the analyzer needs of one IKE message (IKEv1 RFC 2408/2409, IKEv2 RFC 7296): header
/// fields and the cleartext payloads that tell the story. Control plane: owns its arrays.
public struct IKEMessageFact: Hashable, Sendable {
    /// 1 or 2.
    public var version: UInt8
    public var exchange: IKEExchange
    public var initiatorSPI: UInt64
    public var responderSPI: UInt64
    public var messageID: UInt32
    /// IKEv2 I flag (sender is the original initiator); nil for IKEv1 (no such flag).
    public var fromInitiator: Bool?
    /// IKEv2 R flag; IKEv1 has none (false).
    public var isResponse: Bool
    /// IKEv1 E flag, or an IKEv2 SK/SKF payload.
    public var encrypted: Bool
    /// The IKE header's length field.
    public var length: Int
    /// Payload types in order (for an encrypted message, the payloads outside the encryption).
    public var payloadTypes: [UInt8]
    public var notifies: [IKENotifyFact]
    /// IKEv1 NAT-D payloads (RFC 3947) in order: the first hashes the destination, the rest the
    /// sender's own addresses. IKEv2 uses notifies 16388/16389 instead.
    public var natDHashes: [[UInt8]]
    public var vendorIDs: [[UInt8]]
    /// Proposals in a cleartext SA payload.
    public var proposals: [IKEProposalFact]
    /// DH group of a cleartext KE payload (IKEv2).
    public var keGroup: UInt16?
    /// IKEv2 SKF (RFC 7383) or Cisco IKEv1 fragment: number and total (total 0 when unknown).
    public var fragment: IKEFragmentInfo?
    /// Traffic selectors ("TSi 10.99.10.1/32"), seen only when SK was decrypted with the user's keys.
    public var trafficSelectors: [String] = []
    /// Phase-1 identities ("IDi client.lab.example"; IKEv1 "ID …", its sender told by the tracker):
    /// in IKEv2 and Main Mode only readable when decrypted with the user's keys.
    public var identities: [String] = []
    /// The IKEv2 configuration payload (virtual IP request or reply), likewise only when decrypted.
    public var configuration: IKEConfigFact?

    public init(version: UInt8, exchange: IKEExchange, initiatorSPI: UInt64, responderSPI: UInt64 = 0,
                messageID: UInt32 = 0, fromInitiator: Bool? = nil, isResponse: Bool = false, encrypted: Bool = false,
                length: Int, payloadTypes: [UInt8] = [], notifies: [IKENotifyFact] = [], natDHashes: [[UInt8]] = [],
                vendorIDs: [[UInt8]] = [], proposals: [IKEProposalFact] = [], keGroup: UInt16? = nil,
                fragment: IKEFragmentInfo? = nil) {
        self.version = version
        self.exchange = exchange
        self.initiatorSPI = initiatorSPI
        self.responderSPI = responderSPI
        self.messageID = messageID
        self.fromInitiator = fromInitiator
        self.isResponse = isResponse
        self.encrypted = encrypted
        self.length = length
        self.payloadTypes = payloadTypes
        self.notifies = notifies
        self.natDHashes = natDHashes
        self.vendorIDs = vendorIDs
        self.proposals = proposals
        self.keGroup = keGroup
        self.fragment = fragment
    }

    /// IKEv1 payload type numbers (RFC 2408 §3.1) and IKEv2 ones (RFC 7296 §3.2) used here.
    public enum Payload {
        public static let v1SA: UInt8 = 1, v1KE: UInt8 = 4, v1ID: UInt8 = 5, v1Hash: UInt8 = 8, v1Nonce: UInt8 = 10
        public static let v1Notify: UInt8 = 11, v1Delete: UInt8 = 12, v1VendorID: UInt8 = 13, v1NATD: UInt8 = 20
        public static let v2SA: UInt8 = 33, v2KE: UInt8 = 34, v2Notify: UInt8 = 41, v2SK: UInt8 = 46, v2SKF: UInt8 = 53
    }

    public func has(payload type: UInt8) -> Bool { self.payloadTypes.contains(type) }
    public func notify(_ type: IKENotifyType) -> IKENotifyFact? { self.notifies.first { $0.type == type } }
}

public struct IKENotifyFact: Hashable, Sendable {
    public var type: IKENotifyType
    /// Notification data (NAT-D hashes, the wanted DH group of INVALID_KE_PAYLOAD…), kept short.
    public var data: [UInt8]
    public init(_ type: IKENotifyType, data: [UInt8] = []) {
        self.type = type
        self.data = data
    }
}

/// A configuration payload (RFC 7296 §3.15): CFG_REQUEST (1) or CFG_REPLY (2), and the
/// INTERNAL_IP4/IP6_ADDRESS values it carries ("0.0.0.0" or empty: any address).
public struct IKEConfigFact: Hashable, Sendable, Codable {
    public var type: UInt8
    public var addresses: [String]
    public init(type: UInt8, addresses: [String]) {
        self.type = type
        self.addresses = addresses
    }
    public var isRequest: Bool { self.type == 1 }
    /// The specific addresses asked for or given (not "any").
    public var specific: [String] { self.addresses.filter { !$0.isEmpty && $0 != "0.0.0.0" && $0 != "::" } }
}

public struct IKEFragmentInfo: Hashable, Sendable, Codable {
    public var number: Int
    public var total: Int
    public init(number: Int, total: Int) {
        self.number = number
        self.total = total
    }
}

/// One proposal of an SA payload, flattened: IKEv1 transforms become one proposal each.
public struct IKEProposalFact: Hashable, Sendable, Codable {
    /// 1 ISAKMP/IKE, 2 AH, 3 ESP.
    public var protocolID: UInt8
    public var algorithms: [IKEAlgorithm]
    public init(protocolID: UInt8 = 1, algorithms: [IKEAlgorithm]) {
        self.protocolID = protocolID
        self.algorithms = algorithms
    }
    public func first(_ kind: IKEAlgorithm.Kind) -> IKEAlgorithm? { self.algorithms.first { $0.kind == kind } }
}

/// One algorithm choice, normalised across versions. IDs are those of the version's registry:
/// IKEv1 attribute values (RFC 2409 App. A) or IKEv2 transform IDs (RFC 7296 §3.3.2).
public struct IKEAlgorithm: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case encryption, hash, prf, integrity, dhGroup, authMethod
    }
    public var kind: Kind
    public var id: UInt16
    public var keyLength: UInt16?
    public init(_ kind: Kind, _ id: UInt16, keyLength: UInt16? = nil) {
        self.kind = kind
        self.id = id
        self.keyLength = keyLength
    }
}
