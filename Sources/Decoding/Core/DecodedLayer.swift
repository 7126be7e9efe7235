/// One decoded protocol header (or control message) in a packet, outermost first.
///
/// Data-plane cases hold plain values (no heap references), so decoding ESP, GRE and bulk traffic
/// into a reused `DecodedPacket` allocates nothing. Control-plane cases (IKE, L2TP control, PPP
/// control, DNS…) own their decoded contents.
public enum DecodedLayer: Sendable {
    case ethernet(Ethernet)
    case vlan(VLANTag)
    case ipv4(IPv4)
    case udp(UDP)
    // Lower layers (issue 2).
    case linuxSLL(LinuxSLL)
    case loopback(Loopback)
    case pppoe(PPPoESession)
    case ppp(PPPFraming)
    case ipv6(IPv6)
    case tcp(TCP)
    case icmp(ICMPv4)
    case icmpv6(ICMPv6)
    // IPsec (issue 3): data plane ESP/AH/UDP-encapsulation, control plane ISAKMP/IKEv2.
    case esp(ESP)
    case ah(AH)
    case udpEncapsulation(UDPEncapsulation)
    case tcpEncapsulation(TCPEncapsulation)
    indirect case isakmp(IKEv1Message)
    indirect case ikev2(IKEv2Message)
    // Tunnels, PPP and DNS (control-plane cases are indirect so the enum stays small).
    case gre(GRE)
    case l2tp(L2TP)
    indirect case pppControl(PPPControl)
    indirect case pptp(PPTP)
    indirect case l2tpControl(L2TPControl)
    indirect case dns(DNS)
    case wireguard(WireGuard)
    case dtls(DTLSRecord)
    indirect case openvpn(OpenVPN)
    indirect case tls(TLSSegment)

    /// Which protocol this layer is.
    public var kind: LayerKind {
        switch self {
        case .ethernet: .ethernet
        case .vlan: .vlan
        case .ipv4: .ipv4
        case .udp: .udp
        case .linuxSLL(let h): h.version == 1 ? .linuxSLL : .linuxSLL2
        case .loopback: .null
        case .pppoe: .pppoe
        case .ppp: .ppp
        case .ipv6: .ipv6
        case .tcp: .tcp
        case .icmp: .icmp
        case .icmpv6: .icmpv6
        case .esp: .esp
        case .ah: .ah
        case .udpEncapsulation: .udpEncapsulation
        case .tcpEncapsulation: .tcpEncapsulation
        case .isakmp: .isakmp
        case .ikev2: .ikev2
        case .gre: .gre
        case .l2tp, .l2tpControl: .l2tp
        case .pppControl: .pppControl
        case .pptp: .pptp
        case .dns: .dns
        case .wireguard: .wireguard
        case .dtls: .dtls
        case .openvpn: .openvpn
        case .tls: .tls
        }
    }
}

/// What every decoded header offers for printing: one human line and its JSON fields.
public protocol LayerHeader: Encodable, Sendable {
    var summary: String { get }
}

extension Ethernet: LayerHeader {}
extension VLANTag: LayerHeader {}
extension IPv4: LayerHeader {}
extension UDP: LayerHeader {}
extension LinuxSLL: LayerHeader {}
extension Loopback: LayerHeader {}
extension PPPoESession: LayerHeader {}
extension PPPFraming: LayerHeader {}
extension IPv6: LayerHeader {}
extension TCP: LayerHeader {}
extension ICMPv4: LayerHeader {}
extension ICMPv6: LayerHeader {}
extension ESP: LayerHeader {}
extension AH: LayerHeader {}
extension UDPEncapsulation: LayerHeader {}
extension TCPEncapsulation: LayerHeader {}
extension IKEv1Message: LayerHeader {}
extension IKEv2Message: LayerHeader {}
extension GRE: LayerHeader {}
extension L2TP: LayerHeader {}
extension PPPControl: LayerHeader {}
extension PPTP: LayerHeader {}
extension L2TPControl: LayerHeader {}
extension DNS: LayerHeader {}
extension WireGuard: LayerHeader {}
extension DTLSRecord: LayerHeader {}
extension OpenVPN: LayerHeader {}
extension TLSSegment: LayerHeader {}

extension DecodedLayer {
    /// The header inside, for printing (boxing it costs an allocation: never on the hot path).
    public var header: any LayerHeader {
        switch self {
        case .ethernet(let h): h
        case .vlan(let h): h
        case .ipv4(let h): h
        case .udp(let h): h
        case .linuxSLL(let h): h
        case .loopback(let h): h
        case .pppoe(let h): h
        case .ppp(let h): h
        case .ipv6(let h): h
        case .tcp(let h): h
        case .icmp(let h): h
        case .icmpv6(let h): h
        case .esp(let h): h
        case .ah(let h): h
        case .udpEncapsulation(let h): h
        case .tcpEncapsulation(let h): h
        case .isakmp(let h): h
        case .ikev2(let h): h
        case .gre(let h): h
        case .l2tp(let h): h
        case .pppControl(let h): h
        case .pptp(let h): h
        case .l2tpControl(let h): h
        case .dns(let h): h
        case .wireguard(let h): h
        case .dtls(let h): h
        case .openvpn(let h): h
        case .tls(let h): h
        }
    }

    /// Source and destination of an IP layer; nil for other layers.
    public var ipEndpoints: (source: IPAddress, destination: IPAddress)? {
        switch self {
        case .ipv4(let h): (h.source, h.destination)
        case .ipv6(let h): (h.source, h.destination)
        default: nil
        }
    }

    /// Source and destination ports of a transport layer; nil for other layers.
    public var ports: (source: UInt16, destination: UInt16)? {
        switch self {
        case .udp(let h): (h.sourcePort, h.destinationPort)
        case .tcp(let h): (h.sourcePort, h.destinationPort)
        default: nil
        }
    }

    /// One human line for `vpndoctor packets`.
    public var summary: String { self.header.summary }
}

extension DecodedLayer: Encodable {
    private enum CodingKeys: String, CodingKey { case layer }

    /// `{"layer": "<kind>", …the header's fields}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.kind, forKey: .layer)
        try self.header.encode(to: encoder)
    }
}

extension DecodedPacket {
    /// The outermost layer `extract` recognises.
    @inline(__always)
    func first<T>(_ extract: (DecodedLayer) -> T?) -> T? {
        for layer in self.layers { if let value = extract(layer) { return value } }
        return nil
    }

    // The outermost header of each kind (tunnelled packets carry inner ones further down `layers`).
    public var ipv4: IPv4? { self.first { if case .ipv4(let h) = $0 { h } else { nil } } }
    public var ipv6: IPv6? { self.first { if case .ipv6(let h) = $0 { h } else { nil } } }
    public var udp: UDP? { self.first { if case .udp(let h) = $0 { h } else { nil } } }
    public var tcp: TCP? { self.first { if case .tcp(let h) = $0 { h } else { nil } } }
    public var icmp: ICMPv4? { self.first { if case .icmp(let h) = $0 { h } else { nil } } }
    public var icmpv6: ICMPv6? { self.first { if case .icmpv6(let h) = $0 { h } else { nil } } }
    public var esp: ESP? { self.first { if case .esp(let h) = $0 { h } else { nil } } }
    public var ah: AH? { self.first { if case .ah(let h) = $0 { h } else { nil } } }
    public var udpEncapsulation: UDPEncapsulation? { self.first { if case .udpEncapsulation(let h) = $0 { h } else { nil } } }
    public var tcpEncapsulation: TCPEncapsulation? { self.first { if case .tcpEncapsulation(let h) = $0 { h } else { nil } } }
    public var isakmp: IKEv1Message? { self.first { if case .isakmp(let h) = $0 { h } else { nil } } }
    public var ikev2: IKEv2Message? { self.first { if case .ikev2(let h) = $0 { h } else { nil } } }
    public var gre: GRE? { self.first { if case .gre(let h) = $0 { h } else { nil } } }
    public var ppp: PPPFraming? { self.first { if case .ppp(let h) = $0 { h } else { nil } } }
    public var pppControl: PPPControl? { self.first { if case .pppControl(let h) = $0 { h } else { nil } } }
    public var l2tp: L2TP? { self.first { if case .l2tp(let h) = $0 { h } else { nil } } }
    public var l2tpControl: L2TPControl? { self.first { if case .l2tpControl(let h) = $0 { h } else { nil } } }
    public var dns: DNS? { self.first { if case .dns(let h) = $0 { h } else { nil } } }
    public var wireguard: WireGuard? { self.first { if case .wireguard(let h) = $0 { h } else { nil } } }

    /// Every PPTP control message in the segment.
    public var pptpMessages: [PPTP] { self.layers.compactMap { if case .pptp(let h) = $0 { h } else { nil } } }

    /// Every OpenVPN packet in the datagram or segment.
    public var openvpnPackets: [OpenVPN] { self.layers.compactMap { if case .openvpn(let h) = $0 { h } else { nil } } }
}
