import Capture

/// ARP hardware type (Linux `ARPHRD_*`, IANA "Hardware Types" below 256) of the interface a Linux
/// cooked capture came from.
public struct ARPHardwareType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let ethernet = Self(rawValue: 1)
    public static let ppp = Self(rawValue: 512)
    public static let loopback = Self(rawValue: 772)
    public static let ipGRE = Self(rawValue: 778)
    public static let none = Self(rawValue: 0xFFFE)
    public static let names: [UInt16: String] = [
        1: "Ethernet", 512: "PPP", 768: "IPIP tunnel", 769: "IPv6-in-IPv4", 772: "Loopback", 776: "SIT",
        778: "IP/GRE", 823: "IP6/GRE", 824: "Netlink", 0xFFFE: "None",
    ]
}

/// Direction of a Linux cooked frame (`PACKET_*` in `linux/if_packet.h`).
public struct LinuxPacketType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let host = Self(rawValue: 0)
    public static let broadcast = Self(rawValue: 1)
    public static let multicast = Self(rawValue: 2)
    public static let otherHost = Self(rawValue: 3)
    public static let outgoing = Self(rawValue: 4)
    public static let names: [UInt16: String] = [
        0: "to us", 1: "broadcast", 2: "multicast", 3: "to another host", 4: "sent by us",
    ]
}

/// Linux "cooked" capture header, v1 (DLT_LINUX_SLL, 113: 16 bytes) or v2 (DLT_LINUX_SLL2, 276:
/// 20 bytes) — https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and `…_SLL2.html`.
///
/// `protocolType` is an EtherType for the interfaces we care about (Ethernet, PPP, tunnels); the
/// Linux pseudo-values 0x0001 (802.3 without LLC), 0x0004 (802.2 LLC) and Netlink families are
/// left to the dispatcher, which does not decode them.
public struct LinuxSLL: Hashable, Sendable, Codable {
    public var version: UInt8
    public var packetType: LinuxPacketType
    public var hardwareType: ARPHardwareType
    /// SLL2 only (0 for SLL).
    public var interfaceIndex: UInt32
    /// The link-layer source address, left-aligned in 8 bytes, and how many bytes of it are valid.
    public var addressLength: UInt8
    @HexIdentifier public var address: UInt64
    public var protocolType: EtherType

    /// Decodes the 16-byte SLL header.
    public init(v1 r: inout ByteReader) throws(DecodeError) {
        r.layer = .linuxSLL
        self.version = 1
        self.packetType = LinuxPacketType(rawValue: try r.read())
        self.hardwareType = ARPHardwareType(rawValue: try r.read())
        self.addressLength = UInt8(truncatingIfNeeded: try r.read(UInt16.self))
        self.address = try r.read()
        self.interfaceIndex = 0
        self.protocolType = EtherType(rawValue: try r.read())
    }

    /// Decodes the 20-byte SLL2 header.
    public init(v2 r: inout ByteReader) throws(DecodeError) {
        r.layer = .linuxSLL2
        self.version = 2
        self.protocolType = EtherType(rawValue: try r.read())
        try r.skip(2)  // reserved
        self.interfaceIndex = try r.read()
        self.hardwareType = ARPHardwareType(rawValue: try r.read())
        self.packetType = LinuxPacketType(rawValue: UInt16(try r.read(UInt8.self)))
        self.addressLength = try r.read()
        self.address = try r.read()
    }

    public var summary: String {
        "Linux cooked v\(self.version) \(self.packetType) \(self.hardwareType) proto \(self.protocolType)"
    }
}
