// Typed views of IKEv2 payloads, decoded on demand from `IKEv2Payload.body` (RFC 7296 §3).

/// SA payload — RFC 7296 §3.3: proposals, each with transforms and attributes.
public struct IKEv2SecurityAssociation: Hashable, Sendable, Codable {
    public var proposals: [IKEv2Proposal]

    public init(_ payload: IKEv2Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        self.proposals = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            try readIKEProposals(&r, limits: limits) { (last, body) throws(DecodeError) in
                try IKEv2Proposal(from: &body, last: last, limits: limits)
            }
        }
    }
}

public struct IKEv2Proposal: Hashable, Sendable, Codable {
    /// 0 for the last proposal, 2 when more follow.
    public var lastOrMore: UInt8
    public var number: UInt8
    public var protocolID: IKEv2ProtocolID
    public var spi: [UInt8]
    public var transforms: [IKEv2Transform]

    init(from r: inout ByteReader, last: UInt8, limits: DecodeLimits) throws(DecodeError) {
        self.lastOrMore = last
        let f = try IKEProposalFields(&r, limits: limits) { (last, _, t) throws(DecodeError) in
            let type = IKEv2TransformType(rawValue: try t.read())
            try t.skip(1)
            let id = IKEv2TransformID(type: type, rawValue: try t.read())
            let attributes: [IKEAttribute<IKEv2TransformAttributeType>] = try IKEAttribute.readAll(&t, limit: limits.maxIKEAttributes)
            return IKEv2Transform(lastOrMore: last, id: id, attributes: attributes)
        }
        self.number = f.number
        self.protocolID = IKEv2ProtocolID(rawValue: f.protocolID)
        self.spi = f.spi
        self.transforms = f.transforms
    }

    /// The transforms of one type (e.g. every offered ENCR).
    public func transforms(_ type: IKEv2TransformType) -> [IKEv2Transform] { self.transforms.filter { $0.id.type == type } }
    /// The first DH group offered or chosen.
    public var dhGroup: DHGroup? { self.transforms(.dhGroup).first.map { DHGroup(rawValue: $0.id.rawValue) } }
}

public struct IKEv2Transform: Hashable, Sendable, Codable {
    /// 0 for the last transform, 3 when more follow.
    public var lastOrMore: UInt8
    public var id: IKEv2TransformID
    public var attributes: [IKEAttribute<IKEv2TransformAttributeType>]
    public var keyLength: Int? { self.attributes.integer(.keyLength).map { Int($0) } }
}

/// KE payload — RFC 7296 §3.4.
public struct IKEv2KeyExchange: Hashable, Sendable, Codable {
    public var group: DHGroup
    public var dataLength: Int
    public init(_ payload: IKEv2Payload) throws(DecodeError) {
        (self.group, self.dataLength) = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            let g = DHGroup(rawValue: try r.read())
            try r.skip(2)
            return (g, r.remaining)
        }
    }
}

/// IDi / IDr payload — RFC 7296 §3.5.
public struct IKEv2Identification: Hashable, Sendable, Codable {
    public var isInitiator: Bool
    public var type: IKEIDType
    public var identity: IKEIdentity
    public init(_ payload: IKEv2Payload) throws(DecodeError) {
        self.isInitiator = payload.type == .idInitiator
        (self.type, self.identity) = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            let type = IKEIDType(rawValue: try r.read())
            try r.skip(3)
            return (type, try IKEIdentity(type: type, &r))
        }
    }
}

/// CERT / CERTREQ payload — RFC 7296 §3.6, §3.7.
public struct IKEv2Certificate: Hashable, Sendable, Codable {
    public var encoding: IKECertificateEncoding
    public var data: [UInt8]
    public init(_ payload: IKEv2Payload) throws(DecodeError) {
        (self.encoding, self.data) = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            (IKECertificateEncoding(rawValue: try r.read()), r.readRemainingBytes())
        }
    }
}

/// AUTH payload — RFC 7296 §3.8.
public struct IKEv2Authentication: Hashable, Sendable, Codable {
    public var method: IKEv2AuthMethod
    public var dataLength: Int
    public init(_ payload: IKEv2Payload) throws(DecodeError) {
        (self.method, self.dataLength) = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            let m = IKEv2AuthMethod(rawValue: try r.read())
            try r.skip(3)
            return (m, r.remaining)
        }
    }
}

/// Notify payload — RFC 7296 §3.10.
public struct IKEv2Notify: Hashable, Sendable, Codable {
    public var protocolID: IKEv2ProtocolID
    public var type: IKEv2NotifyType
    public var spi: [UInt8]
    public var data: [UInt8]

    public init(_ payload: IKEv2Payload) throws(DecodeError) {
        let f = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in try IKENotifyFields(&r) }
        self.protocolID = IKEv2ProtocolID(rawValue: f.protocolID)
        self.type = IKEv2NotifyType(rawValue: f.type)
        self.spi = f.spi
        self.data = f.data
    }

    /// The new gateway of a REDIRECT, or the old one of REDIRECTED_FROM (RFC 5685 §4: gateway
    /// identity type 1 IPv4, 2 IPv6, 3 FQDN; length; identity; then an optional nonce).
    public var redirectGateway: IKEIdentity? {
        guard self.type == .redirect || self.type == .redirectedFrom else { return nil }
        let result: Result<IKEIdentity, DecodeError> = self.data.withUnsafeBytes { buffer in
            var r = ByteReader(buffer, layer: .ikev2)
            return Result { () throws(DecodeError) -> IKEIdentity in
                let type = try r.read(UInt8.self)
                var id = try r.sub(exactly: Int(try r.read(UInt8.self)), source: .ikePayloadLength)
                let idType: IKEIDType = switch type { case 1: .ipv4Address; case 2: .ipv6Address; case 3: .fqdn; default: .keyID }
                return try IKEIdentity(type: idType, &id)
            }
        }
        return try? result.get()
    }

    /// The DH group the responder wants (INVALID_KE_PAYLOAD, RFC 7296 §3.10.1).
    public var acceptedGroup: DHGroup? {
        guard self.type == .invalidKEPayload, self.data.count == 2 else { return nil }
        return DHGroup(rawValue: UInt16(self.data[0]) << 8 | UInt16(self.data[1]))
    }
}

/// Delete payload — RFC 7296 §3.11.
public struct IKEv2Delete: Hashable, Sendable, Codable {
    public var protocolID: IKEv2ProtocolID
    public var spis: [[UInt8]]
    public init(_ payload: IKEv2Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        let f = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in try IKEDeleteFields(&r, limits: limits) }
        self.protocolID = IKEv2ProtocolID(rawValue: f.protocolID)
        self.spis = f.spis
    }
}

/// TSi / TSr payload — RFC 7296 §3.13.
public struct IKEv2TrafficSelectors: Hashable, Sendable, Codable {
    public struct Selector: Hashable, Sendable, Codable {
        public var type: IKEv2TrafficSelectorType
        public var ipProtocol: UInt8
        public var startPort: UInt16
        public var endPort: UInt16
        public var startAddress: IPAddress?
        public var endAddress: IPAddress?
    }
    public var isInitiator: Bool
    public var selectors: [Selector]

    public init(_ payload: IKEv2Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        self.isInitiator = payload.type == .tsInitiator
        self.selectors = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            let count = Int(try r.read(UInt8.self))
            try r.skip(3)
            guard count <= limits.maxIKETrafficSelectors else { throw r.limitExceeded("too many traffic selectors") }
            var out: [Selector] = []
            for _ in 0..<count {
                let type = IKEv2TrafficSelectorType(rawValue: try r.read())
                let proto = try r.read(UInt8.self)
                let length = Int(try r.read(UInt16.self))
                guard length >= 8 else { throw r.malformed("traffic selector shorter than 8 bytes", source: .ikePayloadLength) }
                var s = try r.sub(exactly: length - 4, source: .ikePayloadLength)
                let startPort = try s.read(UInt16.self)
                let endPort = try s.read(UInt16.self)
                var start: IPAddress?, end: IPAddress?
                switch type {
                case .ipv4Range: start = try s.readIPv4Address(); end = try s.readIPv4Address()
                case .ipv6Range: start = try s.readIPv6Address(); end = try s.readIPv6Address()
                default: break
                }
                out.append(Selector(type: type, ipProtocol: proto, startPort: startPort, endPort: endPort,
                                    startAddress: start, endAddress: end))
            }
            return out
        }
    }
}

/// CP payload — RFC 7296 §3.15 (attributes are always TLV).
public struct IKEv2Configuration: Hashable, Sendable, Codable {
    public var type: IKEConfigType
    public var attributes: [IKEAttribute<IKEConfigAttributeType>]
    public init(_ payload: IKEv2Payload, limits: DecodeLimits = .standard) throws(DecodeError) {
        (self.type, self.attributes) = try payload.decodeBody(layer: .ikev2) { (r) throws(DecodeError) in
            let type = IKEConfigType(rawValue: try r.read())
            try r.skip(3)
            return (type, try IKEAttribute.readAll(&r, limit: limits.maxIKEAttributes, allowTV: false))
        }
    }
}
