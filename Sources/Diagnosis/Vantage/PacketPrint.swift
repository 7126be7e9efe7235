import Capture
import Decoding
import Sessions

/// One IP packet of a capture as another capture of the same attempt would see it: what NAT and
/// routers leave alone hashed into `key` (the VPN message's own numbers when it has them, see
/// `WireIdentity`; else the IP ID, protocol, fragment offset and transport payload), and what they
/// rewrite (addresses, ports, TTL) kept beside it to show the rewriting.
public struct PacketPrint: Sendable {
    /// The same for the same packet at every vantage point (within one process: `Hasher` is seeded
    /// per process, and every capture of a run is printed in the same process).
    public var key: Int
    public var frame: Int
    public var time: Timestamp
    public var source: Endpoint
    public var destination: Endpoint
    public var ttl: UInt8
    /// What the packet is, in a few words ("IKEv2 IKE_AUTH request", "ESP 0xc1a2…", "IP fragment off=1480").
    public var label: String
    /// An IP fragment after the first (offset > 0): its first fragment has the same `fragmentID`.
    public var laterFragment: Bool
    /// The first fragment (offset 0) of a fragmented packet.
    public var firstFragment: Bool
    /// The IP identification (0 for IPv6 without a fragment header).
    public var fragmentID: UInt32
    /// The identifier its capture's analysis keys the packet's session by, when it has one.
    public var session: SessionKey?
    /// Whether the packet stops the attempt or opens a new one.
    var signal: StopSignal?
}

/// Prints every IP packet of one capture in one pass, holding at most `limit` prints (the first
/// ones: a gateway capture must not hold the whole file in memory to be joined).
public struct PacketPrinter {
    public private(set) var prints: [PacketPrint] = []
    /// Frames not printed because `limit` was reached.
    public private(set) var dropped = 0
    public let limit: Int
    var decoder = PacketDecoder()

    /// Prints held per capture at most: 2^16, like the other per-capture tables of `AnalysisLimits`.
    public static let standardLimit = 65_536

    public init(limit: Int = PacketPrinter.standardLimit) {
        self.limit = limit
    }

    /// Prints every frame of `source` (one pass); throws as the source does.
    public mutating func read<Source: FrameSource>(_ source: inout Source) throws(CaptureError) {
        var packet = DecodedPacket(linkType: source.linkType)
        while let frame = try source.next() {
            // Past the ceiling frames are only counted (not decoded: this pass costs no more than it must).
            guard self.prints.count < self.limit else {
                self.dropped += 1
                continue
            }
            self.decoder.decode(frame, into: &packet)
            self.add(frame, packet)
        }
    }

    mutating func add(_ frame: RawFrame, _ packet: DecodedPacket) {
        guard let ip = packet.layers.firstIndex(where: { $0.ipEndpoints != nil }) else { return }
        let payload: ByteRange, ttl: UInt8, fragmentID: UInt32, offset: Int, proto: IPProtocol
        switch packet.layers[ip] {
        case .ipv4(let h):
            (payload, ttl, fragmentID, offset, proto) = (h.payload, h.ttl, UInt32(h.identification), h.fragmentOffset, h.protocolNumber)
        case .ipv6(let h):
            (payload, ttl, fragmentID, offset, proto) = (h.payload, h.hopLimit, h.fragment?.identification ?? 0, h.fragment?.offset ?? 0,
                                                         h.upperProtocol)
        default: return
        }
        let whole = offset == 0 && packet.stop?.reason != .fragment
        let identity = whole ? WireIdentity(packet, bytes: frame.bytes) : nil
        let ports = packet.layers[(ip + 1)...].first { $0.ports != nil }?.ports
        let (source, destination) = packet.layers[ip].ipEndpoints!
        self.prints.append(PacketPrint(
            key: identity?.message?.hashValue ?? Self.payloadKey(frame, packet, ip: ip, payload: payload, fragmentID: fragmentID, offset: offset, proto: proto),
            frame: frame.info.number, time: frame.info.timestamp,
            source: Endpoint(source, ports?.source ?? 0), destination: Endpoint(destination, ports?.destination ?? 0), ttl: ttl,
            label: Self.label(packet, fragmentOffset: offset, proto: proto), laterFragment: offset > 0,
            firstFragment: offset == 0 && packet.stop?.reason == .fragment, fragmentID: fragmentID,
            session: identity?.session, signal: identity?.signal))
    }

    /// A packet without VPN numbers (or a fragment of one): its IP ID, protocol, fragment offset and
    /// transport payload, with what NAT rewrites left out.
    static func payloadKey(_ frame: RawFrame, _ packet: DecodedPacket, ip: Int, payload: ByteRange, fragmentID: UInt32, offset: Int,
                           proto: IPProtocol) -> Int {
        var hasher = Hasher()
        hasher.combine(fragmentID)
        hasher.combine(offset)
        hasher.combine(proto.rawValue)
        // IPv6 has no IP ID (and rarely NAT): its ports tell apart two sockets sending the same bytes.
        let ports = packet.layers[(ip + 1)...].first { $0.ports != nil }?.ports
        if case .ipv6 = packet.layers[ip], let ports {
            hasher.combine(ports.source)
            hasher.combine(ports.destination)
        }
        // NAT rewrites ports and checksums: the UDP header is skipped whole, TCP's ports and checksum.
        let start = min(payload.start, frame.bytes.count), end = max(start, min(payload.end, frame.bytes.count))
        var skip: [Range<Int>] = []
        if offset == 0, proto == .udp { skip = [0..<8] }
        if offset == 0, proto == .tcp { skip = [0..<4, 16..<18] }
        var position = start
        for range in skip where position < end {
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: frame.bytes[position..<min(start + range.lowerBound, end)]))
            position = min(start + range.upperBound, end)
        }
        hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: frame.bytes[position..<end]))
        return hasher.finalize()
    }

    /// A few words for the joint ladder: the VPN message when there is one, else the transport.
    static func label(_ packet: DecodedPacket, fragmentOffset: Int, proto: IPProtocol) -> String {
        let layers = packet
        var what: String?
        if let m = layers.ikev2 {
            what = "IKEv2 \(m.exchangeType) \(m.isResponse ? "response" : "request")"
        } else if let m = layers.isakmp {
            what = "IKEv1 \(m.exchangeType.shortName)"
        } else if let e = layers.esp {
            what = "ESP 0x" + String(e.spi, radix: 16)
        } else if let c = layers.l2tpControl {
            what = "L2TP " + (c.messageType.map { "\($0)" } ?? "ZLB")
        } else if layers.l2tp != nil {
            what = "L2TP data"
        } else if let p = packet.pptpMessages.first {
            what = "PPTP \(p.controlType)"
        } else if let w = layers.wireguard {
            let message = switch w.type {
            case .initiation: "handshake initiation"
            case .response: "handshake response"
            case .cookieReply: "cookie reply"
            case .transportData: w.isKeepalive ? "keepalive" : "data"
            }
            what = "WireGuard " + message
        } else if let o = packet.openvpnPackets.first {
            what = "OpenVPN \(o.opcode)"
        } else if layers.gre != nil {
            what = "GRE"
        } else if let t = layers.tcp {
            what = "TCP \(t.destinationPort) [\(t.flags.tcpdumpNotation)]"
        } else if layers.icmp != nil || layers.icmpv6 != nil {
            what = "ICMP " + (packet.layers.first { $0.kind == .icmp || $0.kind == .icmpv6 }?.summary ?? "")
        } else if let u = layers.udp {
            what = "UDP \(u.destinationPort)"
        }
        // The reassembled message is known at its last fragment: `JointBuilder` names the others after it.
        if fragmentOffset > 0 { return (what.map { $0 + ": " } ?? "") + "IP fragment off=\(fragmentOffset)" }
        if packet.stop?.reason == .fragment { return "IP fragment off=0" }
        return what ?? "IP \(proto)"
    }
}
