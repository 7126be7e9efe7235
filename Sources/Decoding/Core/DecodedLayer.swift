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
    // IPsec (issue 3): data plane ESP/AH/UDP-encapsulation, control plane ISAKMP/IKEv2.
    case esp(ESP)
    case ah(AH)
    case udpEncapsulation(UDPEncapsulation)
    case isakmp(IKEv1Message)
    case ikev2(IKEv2Message)

    /// Which protocol this layer is.
    public var kind: LayerKind {
        switch self {
        case .ethernet: .ethernet
        case .vlan: .vlan
        case .ipv4: .ipv4
        case .udp: .udp
        case .esp: .esp
        case .ah: .ah
        case .udpEncapsulation: .udpEncapsulation
        case .isakmp: .isakmp
        case .ikev2: .ikev2
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

extension DecodedPacket {
    /// The first ESP header (outer or UDP-encapsulated).
    public var esp: ESP? {
        for layer in self.layers { if case .esp(let h) = layer { return h } }
        return nil
    }

    public var ah: AH? {
        for layer in self.layers { if case .ah(let h) = layer { return h } }
        return nil
    }

    /// The NAT keepalive or non-ESP marker on UDP 4500.
    public var udpEncapsulation: UDPEncapsulation? {
        for layer in self.layers { if case .udpEncapsulation(let h) = layer { return h } }
        return nil
    }

    /// The IKEv1 (ISAKMP) message.
    public var isakmp: IKEv1Message? {
        for layer in self.layers { if case .isakmp(let m) = layer { return m } }
        return nil
    }

    public var ikev2: IKEv2Message? {
        for layer in self.layers { if case .ikev2(let m) = layer { return m } }
        return nil
    }
}
