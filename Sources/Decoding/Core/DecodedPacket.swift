import Capture

/// Why the dissector did not decode a packet to its end. A partial decode is a result, not a
/// failure: the layers before the stop are kept.
public struct DecodeStop: Hashable, Sendable, Codable {
    public enum Reason: String, Sendable, Codable {
        /// The capture's snaplen cut the frame (captured < original length).
        case truncated
        /// A header contradicts itself or its parent (bad length, bad version…).
        case malformed
        /// A protocol we do not decode (ARP, an unknown EtherType or link type…).
        case unsupported
        /// The rest is an IP fragment; the reassembler may complete it.
        case fragment
        /// A named ceiling in `DecodeLimits` was reached.
        case limit
    }

    public var reason: Reason
    /// The layer that could not be decoded (or was not).
    public var layer: LayerKind
    public var offset: Int
    /// What stopped it, as values: the words are built only when printed.
    public var note: Note?
    public var error: DecodeError?

    /// What stopped it, for the user: "EtherType 0x806 (ARP)", or nil (then see `error`).
    public var detail: String? { self.note?.description }

    /// What stopped decoding, in words (built only when printed).
    public var explanation: String { self.detail ?? self.error?.description ?? self.layer.rawValue }

    public init(reason: Reason, layer: LayerKind, offset: Int, note: Note? = nil, error: DecodeError? = nil) {
        self.reason = reason
        self.layer = layer
        self.offset = offset
        self.note = note
        self.error = error
    }

    /// Why decoding stopped, kept as plain values (no String) so that a stop costs nothing to make,
    /// copy or drop: a capture full of ARP stops on every packet.
    public enum Note: Hashable, Sendable, CustomStringConvertible {
        case linkType(LinkType)
        case loopbackFamily(UInt32)
        case etherType(EtherType)
        case pppProtocol(PPPProtocol)
        case ipProtocol(IPProtocol)
        case greProtocol(EtherType)
        case tooManyLayers(Int)
        case ipFragment
        case l2tpv3Data
        case pptpNotWhole
        case dnsNotWhole
        case openvpnNotWhole
        case tcpEncapsulatedNotWhole

        public var description: String {
            switch self {
            case .linkType(let t): "link type \(t.rawValue) (\(t))"
            case .loopbackFamily(let f): "loopback address family \(f)"
            case .etherType(let t): "EtherType 0x\(String(t.rawValue, radix: 16)) (\(t))"
            case .pppProtocol(let p): "PPP protocol 0x\(String(p.rawValue, radix: 16)) (\(p))"
            case .ipProtocol(let p): "IP protocol \(p.rawValue) (\(p))"
            case .greProtocol(let t): "GRE protocol 0x\(String(t.rawValue, radix: 16)) (\(t))"
            case .tooManyLayers(let n): "more than \(n) layers"
            case .ipFragment: "IP fragment"
            case .l2tpv3Data: "L2TPv3 data: cookie length is configured, not on the wire"
            case .pptpNotWhole: "PPTP message not wholly in this TCP segment (reassemble with TCPStreams)"
            case .dnsNotWhole: "DNS message not wholly in this TCP segment"
            case .openvpnNotWhole: "OpenVPN packet not wholly in this TCP segment (reassemble with TCPStreams)"
            case .tcpEncapsulatedNotWhole: "IKE/ESP message not wholly in this TCP segment (reassemble with TCPStreams)"
            }
        }
    }

    private enum CodingKeys: String, CodingKey { case reason, layer, offset, detail, error }

    /// `detail` is written as its text; reading JSON back keeps everything but the note.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(reason: try c.decode(Reason.self, forKey: .reason), layer: try c.decode(LayerKind.self, forKey: .layer),
                  offset: try c.decode(Int.self, forKey: .offset),
                  error: try c.decodeIfPresent(DecodeError.self, forKey: .error))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.reason, forKey: .reason)
        try c.encode(self.layer, forKey: .layer)
        try c.encode(self.offset, forKey: .offset)
        try c.encodeIfPresent(self.detail, forKey: .detail)
        try c.encodeIfPresent(self.error, forKey: .error)
    }
}

/// A frame decoded into layers, outermost first.
///
/// The dissector reuses one `DecodedPacket` for every frame (`layers` keeps its capacity), so the
/// data plane decodes without allocating: keep a copy only of packets the control plane needs.
public struct DecodedPacket: Sendable {
    public var frame: FrameInfo
    public var layers: [DecodedLayer]
    public var stop: DecodeStop?
    /// Frame numbers of the IP fragments this packet's inner layers were reassembled from (empty
    /// when it was not fragmented).
    public var reassembledFrom: [Int]

    public init(frame: FrameInfo) {
        self.frame = frame
        self.layers = []
        self.layers.reserveCapacity(DecodeLimits.standard.maxLayers)
        self.stop = nil
        self.reassembledFrom = []
    }

    /// An empty packet before any frame of a capture of `linkType` (to decode into, reused).
    public init(linkType: LinkType) {
        self.init(frame: FrameInfo(number: 0, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: 0,
                                   originalLength: 0, linkType: linkType))
    }

    /// The kind of the innermost layer decoded so far. (Not `layers.last`: in unoptimised builds the
    /// generic `last` allocates, and the allocation tests run unoptimised.)
    public var innermostKind: LayerKind? { self.layers.isEmpty ? nil : self.layers[self.layers.count - 1].kind }

    /// Prepares for the next frame, keeping the storage.
    public mutating func reset(frame: FrameInfo) {
        self.frame = frame
        self.layers.removeAll(keepingCapacity: true)
        self.stop = nil
        if !self.reassembledFrom.isEmpty { self.reassembledFrom.removeAll() }
    }
}
