/// What kind of VPN a session is. The raw values are stable: reports and scripts key on them.
public enum VPNProtocol: String, Sendable, Codable, CaseIterable {
    case ikev1
    case ikev2
    /// IKEv2 (and its ESP) over TCP — RFC 8229.
    case ikev2TCP = "ikev2-tcp"
    /// L2TP protected by IPsec (IKEv1 transport mode, or ESP with L2TP seen).
    case l2tpIPsec = "l2tp-ipsec"
    /// L2TP in the clear.
    case l2tp
    /// TCP 1723 control and GRE version 1 carrying PPP.
    case pptp
    /// A plain GRE tunnel (version 0: IP or anything else inside, keepalives).
    case gre
    /// ESP or AH with no IKE seen.
    case ipsec
    /// WireGuard (UDP, any port).
    case wireguard
    /// OpenVPN over UDP or TCP.
    case openvpn

    public var displayName: String {
        switch self {
        case .ikev1: "IKEv1"
        case .ikev2: "IKEv2"
        case .ikev2TCP: "IKEv2 over TCP"
        case .l2tpIPsec: "L2TP/IPsec"
        case .l2tp: "L2TP"
        case .pptp: "PPTP"
        case .gre: "GRE"
        case .ipsec: "IPsec"
        case .wireguard: "WireGuard"
        case .openvpn: "OpenVPN"
        }
    }
}
