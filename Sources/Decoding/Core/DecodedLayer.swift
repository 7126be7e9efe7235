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

    /// Which protocol this layer is.
    public var kind: LayerKind {
        switch self {
        case .ethernet: .ethernet
        case .vlan: .vlan
        case .ipv4: .ipv4
        case .udp: .udp
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
}
