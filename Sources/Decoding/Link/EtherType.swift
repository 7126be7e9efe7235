import Capture

/// EtherType — IEEE 802 numbers (IANA "IEEE 802 Numbers"); also the inner protocol of GRE.
public struct EtherType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = Self(rawValue: 0x0800)
    public static let arp = Self(rawValue: 0x0806)
    /// Transparent Ethernet bridging (GRE carrying whole frames).
    public static let transparentEthernet = Self(rawValue: 0x6558)
    public static let vlan = Self(rawValue: 0x8100)
    public static let ipv6 = Self(rawValue: 0x86DD)
    /// PPP inside enhanced GRE (RFC 2637).
    public static let ppp = Self(rawValue: 0x880B)
    public static let pppoeDiscovery = Self(rawValue: 0x8863)
    public static let pppoeSession = Self(rawValue: 0x8864)
    public static let qinq = Self(rawValue: 0x88A8)
    /// Pre-standard QinQ tag some switches still send.
    public static let qinqLegacy = Self(rawValue: 0x9100)

    public static let names: [UInt16: String] = [
        0x0800: "IPv4", 0x0806: "ARP", 0x6558: "Transparent Ethernet", 0x8100: "802.1Q", 0x86DD: "IPv6",
        0x880B: "PPP", 0x8863: "PPPoE Discovery", 0x8864: "PPPoE Session", 0x88A8: "802.1ad", 0x9100: "QinQ",
        0x88CC: "LLDP", 0x8035: "RARP", 0x888E: "EAPOL",
    ]
}
