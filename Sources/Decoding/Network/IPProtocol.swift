import Capture

/// IP protocol number — IANA "Assigned Internet Protocol Numbers" (also IPv6 next header).
public struct IPProtocol: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let hopByHop = Self(rawValue: 0)
    public static let icmp = Self(rawValue: 1)
    public static let ipInIP = Self(rawValue: 4)
    public static let tcp = Self(rawValue: 6)
    public static let udp = Self(rawValue: 17)
    public static let ipv6 = Self(rawValue: 41)
    public static let ipv6Routing = Self(rawValue: 43)
    public static let ipv6Fragment = Self(rawValue: 44)
    /// GRE — RFC 2784; PPTP's data channel.
    public static let gre = Self(rawValue: 47)
    /// ESP — RFC 4303.
    public static let esp = Self(rawValue: 50)
    /// AH — RFC 4302.
    public static let ah = Self(rawValue: 51)
    public static let icmpv6 = Self(rawValue: 58)
    public static let ipv6NoNext = Self(rawValue: 59)
    public static let ipv6DestinationOptions = Self(rawValue: 60)
    /// L2TPv3 over IP — RFC 3931.
    public static let l2tp = Self(rawValue: 115)

    public static let names: [UInt8: String] = [
        0: "HOPOPT", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 41: "IPv6", 43: "IPv6-Route",
        44: "IPv6-Frag", 47: "GRE", 50: "ESP", 51: "AH", 58: "ICMPv6", 59: "IPv6-NoNxt", 60: "IPv6-Opts",
        89: "OSPF", 103: "PIM", 108: "IPComp", 112: "VRRP", 115: "L2TP", 132: "SCTP", 135: "Mobility",
    ]
}
