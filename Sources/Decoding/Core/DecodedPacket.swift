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
    /// What stopped it, for the user: "EtherType 0x0806", or the decode error.
    public var detail: String?
    public var error: DecodeError?

    /// What stopped decoding, in words (built only when printed).
    public var explanation: String { self.detail ?? self.error?.description ?? self.layer.rawValue }

    public init(reason: Reason, layer: LayerKind, offset: Int, detail: String? = nil, error: DecodeError? = nil) {
        self.reason = reason
        self.layer = layer
        self.offset = offset
        self.detail = detail
        self.error = error
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

    /// Prepares for the next frame, keeping the storage.
    public mutating func reset(frame: FrameInfo) {
        self.frame = frame
        self.layers.removeAll(keepingCapacity: true)
        self.stop = nil
        if !self.reassembledFrom.isEmpty { self.reassembledFrom.removeAll() }
    }
}
