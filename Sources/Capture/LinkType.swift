import CLibpcap

/// The link-layer header type of a capture, as libpcap numbers it (`pcap_datalink`, DLT_* values).
///
/// Files store LINKTYPE_* numbers, which are the DLT_* numbers except for a few; for instance
/// LINKTYPE_RAW (101) is DLT_RAW, which is 12 on Linux and most systems and 14 on OpenBSD.
/// See https://www.tcpdump.org/linktypes.html.
public struct LinkType: WireValue {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The link type a file's LINKTYPE_* number stands for, as libpcap maps it (the one mapping of
    /// the link types we decode that is not the identity).
    init(fileValue: UInt32) {
        self.init(rawValue: fileValue == Self.linktypeRaw.rawValue ? UInt32(DLT_RAW) : fileValue)
    }

    /// BSD loopback: a 4-byte address family in the *capturing host's* byte order.
    public static let null = Self(rawValue: 0)
    public static let ethernet = Self(rawValue: 1)
    /// PPP with a 2-byte protocol field, optionally preceded by FF 03 (RFC 1661 framing).
    public static let ppp = Self(rawValue: 9)
    /// Raw IP (DLT_RAW): the version nibble tells IPv4 from IPv6.
    public static let raw = Self(rawValue: 12)
    /// DLT_RAW as OpenBSD numbers it.
    public static let rawOpenBSD = Self(rawValue: 14)
    public static let pppSerial = Self(rawValue: 50)
    /// PPPoE without the Ethernet header (DLT_PPP_ETHER).
    public static let pppEther = Self(rawValue: 51)
    /// LINKTYPE_RAW when a libpcap does not remap it.
    public static let linktypeRaw = Self(rawValue: 101)
    /// OpenBSD loopback: like `null` but the family is always big-endian.
    public static let loop = Self(rawValue: 108)
    public static let linuxSLL = Self(rawValue: 113)
    public static let ipv4 = Self(rawValue: 228)
    public static let ipv6 = Self(rawValue: 229)
    public static let linuxSLL2 = Self(rawValue: 276)

    public static let names: [UInt32: String] = [
        0: "NULL", 1: "EN10MB", 9: "PPP", 12: "RAW", 14: "RAW", 50: "PPP_SERIAL", 51: "PPP_ETHER",
        101: "RAW", 108: "LOOP", 113: "LINUX_SLL", 228: "IPV4", 229: "IPV6", 276: "LINUX_SLL2",
    ]
}
