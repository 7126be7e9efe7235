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
    // Tunnels, PPP and DNS (control-plane cases are indirect so the enum stays small):
    case tcp(TCP)
    case gre(GRE)
    case ppp(PPP)
    case l2tp(L2TP)
    indirect case pppControl(PPPControl)
    indirect case pptp(PPTP)
    indirect case l2tpControl(L2TPControl)
    indirect case dns(DNS)

    /// Which protocol this layer is.
    public var kind: LayerKind {
        switch self {
        case .ethernet: .ethernet
        case .vlan: .vlan
        case .ipv4: .ipv4
        case .udp: .udp
        case .tcp: .tcp
        case .gre: .gre
        case .ppp: .ppp
        case .l2tp, .l2tpControl: .l2tp
        case .pppControl: .pppControl
        case .pptp: .pptp
        case .dns: .dns
        }
    }
}

extension DecodedPacket {
    /// The outermost IPv4 header.
    public var ipv4: IPv4? {
        for layer in self.layers { if case .ipv4(let h) = layer { return h } }
        return nil
    }

    /// The outermost UDP header.
    public var udp: UDP? {
        for layer in self.layers { if case .udp(let h) = layer { return h } }
        return nil
    }

    /// Tunnels, PPP and DNS: the outermost of each (PPTP: every message in the segment).
    public var tcp: TCP? { self.layers.lazy.compactMap { if case .tcp(let h) = $0 { h } else { nil } }.first }
    public var gre: GRE? { self.layers.lazy.compactMap { if case .gre(let h) = $0 { h } else { nil } }.first }
    public var ppp: PPP? { self.layers.lazy.compactMap { if case .ppp(let h) = $0 { h } else { nil } }.first }
    public var pppControl: PPPControl? {
        self.layers.lazy.compactMap { if case .pppControl(let h) = $0 { h } else { nil } }.first
    }
    public var pptpMessages: [PPTP] { self.layers.compactMap { if case .pptp(let h) = $0 { h } else { nil } } }
    public var l2tp: L2TP? { self.layers.lazy.compactMap { if case .l2tp(let h) = $0 { h } else { nil } }.first }
    public var l2tpControl: L2TPControl? {
        self.layers.lazy.compactMap { if case .l2tpControl(let h) = $0 { h } else { nil } }.first
    }
    public var dns: DNS? { self.layers.lazy.compactMap { if case .dns(let h) = $0 { h } else { nil } }.first }
}
