// Typed views of IKEv1 payloads, decoded on demand from `IKEv1Payload.body`.

/// SA payload — RFC 2408 §3.4 with the IPsec DOI situation (RFC 2407 §4.6.1), its proposals
/// (§3.5) and their transforms (§3.6).
public struct IKEv1SecurityAssociation: Hashable, Sendable, Codable {
    public var doi: UInt32
    public var situation: UInt32
    public var proposals: [IKEv1Proposal]

    public init(_ payload: IKEv1Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        self = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in try Self(from: &r, limits: limits) }
    }

    init(from r: inout ByteReader, limits: DecodeLimits) throws(DecodeError) {
        self.doi = try r.read()
        guard self.doi == 1 else {   // only the IPsec DOI defines a 4-byte situation and proposals
            self.situation = 0
            self.proposals = []
            return
        }
        self.situation = try r.read()
        self.proposals = try readIKEProposals(&r, limits: limits) { (next, body) throws(DecodeError) in
            let f = try IKEProposalFields(&body, limits: limits) { (tnext, proto, t) throws(DecodeError) in
                try IKEv1Transform(from: &t, nextPayload: tnext, protocolID: IKEv1ProtocolID(rawValue: proto), limits: limits)
            }
            return IKEv1Proposal(nextPayload: next, number: f.number, protocolID: IKEv1ProtocolID(rawValue: f.protocolID),
                                 spi: f.spi, transforms: f.transforms)
        }
    }
}

public struct IKEv1Proposal: Hashable, Sendable, Codable {
    /// The next-payload field of the proposal substructure (2 = another proposal, 0 = last).
    public var nextPayload: UInt8
    public var number: UInt8
    public var protocolID: IKEv1ProtocolID
    public var spi: [UInt8]
    public var transforms: [IKEv1Transform]
}

/// A transform with its attributes: phase 1 (ISAKMP) attributes for protocol ISAKMP, IPsec SA
/// attributes for AH/ESP/IPCOMP.
public struct IKEv1Transform: Hashable, Sendable, Codable {
    public var nextPayload: UInt8
    public var number: UInt8
    public var transformID: IPsecTransformID
    public var ikeAttributes: [IKEAttribute<IKEv1SAAttributeType>]
    public var ipsecAttributes: [IKEAttribute<IPsecSAAttributeType>]

    init(from r: inout ByteReader, nextPayload: UInt8, protocolID: IKEv1ProtocolID, limits: DecodeLimits) throws(DecodeError) {
        self.nextPayload = nextPayload
        self.number = try r.read()
        self.transformID = IPsecTransformID(protocolID: protocolID, rawValue: try r.read())
        try r.skip(2)
        if protocolID == .isakmp {
            self.ikeAttributes = try IKEAttribute.readAll(&r, limit: limits.maxIKEAttributes)
            self.ipsecAttributes = []
        } else {
            self.ikeAttributes = []
            self.ipsecAttributes = try IKEAttribute.readAll(&r, limit: limits.maxIKEAttributes)
        }
    }

    public var encryption: IKEv1EncryptionAlgorithm? { self.ikeAttributes.integer(.encryptionAlgorithm).map { .init(UInt16(truncatingIfNeeded: $0)) } }
    public var hash: IKEv1HashAlgorithm? { self.ikeAttributes.integer(.hashAlgorithm).map { .init(UInt16(truncatingIfNeeded: $0)) } }
    public var authMethod: IKEv1AuthMethod? { self.ikeAttributes.integer(.authenticationMethod).map { .init(UInt16(truncatingIfNeeded: $0)) } }
    public var group: DHGroup? {
        (self.ikeAttributes.integer(.groupDescription) ?? self.ipsecAttributes.integer(.groupDescription))
            .map { .init(UInt16(truncatingIfNeeded: $0)) }
    }
    public var keyLength: Int? { (self.ikeAttributes.integer(.keyLength) ?? self.ipsecAttributes.integer(.keyLength)).map { Int($0) } }
    /// Life duration in seconds when the life type is seconds (type 1 in both attribute spaces).
    public var lifetimeSeconds: UInt64? {
        if self.ikeAttributes.integer(.lifeType) == 1 { return self.ikeAttributes.integer(.lifeDuration) }
        if self.ipsecAttributes.integer(.lifeType) == 1 { return self.ipsecAttributes.integer(.lifeDuration) }
        return nil
    }
    public var encapsulationMode: IPsecEncapsulationMode? {
        self.ipsecAttributes.integer(.encapsulationMode).map { .init(UInt16(truncatingIfNeeded: $0)) }
    }
    public var authAlgorithm: IPsecAuthAlgorithm? {
        self.ipsecAttributes.integer(.authenticationAlgorithm).map { .init(UInt16(truncatingIfNeeded: $0)) }
    }
}

/// ID payload — RFC 2407 §4.6.2.
public struct IKEv1Identification: Hashable, Sendable, Codable {
    public var type: IKEIDType
    public var protocolID: UInt8
    public var port: UInt16
    public var identity: IKEIdentity

    public init(_ payload: IKEv1Payload) throws(DecodeError) {
        self = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in
            let type = IKEIDType(rawValue: try r.read())
            let proto = try r.read(UInt8.self)
            let port = try r.read(UInt16.self)
            return Self(type: type, protocolID: proto, port: port, identity: try IKEIdentity(type: type, &r))
        }
    }

    init(type: IKEIDType, protocolID: UInt8, port: UInt16, identity: IKEIdentity) {
        self.type = type
        self.protocolID = protocolID
        self.port = port
        self.identity = identity
    }
}

/// Notification payload — RFC 2408 §3.14.
public struct IKEv1Notify: Hashable, Sendable, Codable {
    public var doi: UInt32
    public var protocolID: IKEv1ProtocolID
    public var type: IKEv1NotifyType
    public var spi: [UInt8]
    public var data: [UInt8]

    public init(_ payload: IKEv1Payload) throws(DecodeError) {
        (self.doi, self.protocolID, self.type, self.spi, self.data) = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in
            let doi = try r.read(UInt32.self)
            let f = try IKENotifyFields(&r)
            return (doi, IKEv1ProtocolID(rawValue: f.protocolID), IKEv1NotifyType(rawValue: f.type), f.spi, f.data)
        }
    }
}

/// Delete payload — RFC 2408 §3.15.
public struct IKEv1Delete: Hashable, Sendable, Codable {
    public var doi: UInt32
    public var protocolID: IKEv1ProtocolID
    public var spis: [[UInt8]]

    public init(_ payload: IKEv1Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        (self.doi, self.protocolID, self.spis) = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in
            let doi = try r.read(UInt32.self)
            let f = try IKEDeleteFields(&r, limits: limits)
            return (doi, IKEv1ProtocolID(rawValue: f.protocolID), f.spis)
        }
    }
}

/// NAT-OA payload — RFC 3947 §5.2 (21) and the drafts (131): ID type, 3 reserved bytes, address.
public struct IKEv1NATOriginalAddress: Hashable, Sendable, Codable {
    public var type: IKEIDType
    public var identity: IKEIdentity

    public init(_ payload: IKEv1Payload) throws(DecodeError) {
        (self.type, self.identity) = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in
            let type = IKEIDType(rawValue: try r.read())
            try r.skip(3)
            return (type, try IKEIdentity(type: type, &r))
        }
    }
}

/// Mode-Config attribute payload (14) — draft-dukes-ike-mode-cfg §3.2, carrying XAUTH too.
public struct IKEv1ModeConfig: Hashable, Sendable, Codable {
    public var type: IKEConfigType
    public var identifier: UInt16
    public var attributes: [IKEAttribute<IKEConfigAttributeType>]

    public init(_ payload: IKEv1Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        (self.type, self.identifier, self.attributes) = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in
            let type = IKEConfigType(rawValue: try r.read())
            try r.skip(1)
            let id = try r.read(UInt16.self)
            return (type, id, try IKEAttribute.readAll(&r, limit: limits.maxIKEAttributes))
        }
    }
}

/// Cisco / strongSwan IKEv1 fragment (payload 132): fragment ID, number, flags (bit 0 = last).
public struct IKEv1Fragment: Hashable, Sendable, Codable {
    public var id: UInt16
    public var number: UInt8
    public var isLast: Bool
    public var dataLength: Int

    public init(_ payload: IKEv1Payload) throws(DecodeError) {
        (self.id, self.number, self.isLast, self.dataLength) = try payload.decodeBody(layer: .isakmp) { (r) throws(DecodeError) in
            (try r.read(UInt16.self), try r.read(UInt8.self), try r.read(UInt8.self) & 0x01 != 0, r.remaining)
        }
    }
}
