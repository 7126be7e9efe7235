import Capture

/// Address family in a BSD loopback header. The values for IPv6 differ between systems
/// (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html).
public struct LoopbackFamily: WireValue {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let ipv4 = Self(rawValue: 2)
    /// NetBSD, OpenBSD, BSD/OS.
    public static let ipv6BSD = Self(rawValue: 24)
    public static let ipv6FreeBSD = Self(rawValue: 28)
    /// macOS, iOS.
    public static let ipv6Darwin = Self(rawValue: 30)
    public var isIPv6: Bool { self == .ipv6BSD || self == .ipv6FreeBSD || self == .ipv6Darwin }
    public static let names: [UInt32: String] = [2: "IPv4", 7: "OSI", 23: "IPX", 24: "IPv6", 28: "IPv6", 30: "IPv6"]
}

/// BSD loopback header: DLT_NULL (0), a 4-byte family in the byte order of the host that
/// *captured* the file, or DLT_LOOP (108), always big-endian.
///
/// For DLT_NULL the byte order is detected from the value, as libpcap's own printers do: a family
/// is small, so a value whose low 16 bits are zero is byte-swapped.
public struct Loopback: Hashable, Sendable, Codable {
    public var family: LoopbackFamily
    /// True when the family was stored little-endian (a capture from an x86/ARM host).
    public var littleEndian: Bool

    public init(from r: inout ByteReader, alwaysBigEndian: Bool) throws(DecodeError) {
        r.layer = .null
        let raw = try r.read(UInt32.self)
        if !alwaysBigEndian, raw & 0xFFFF == 0 {
            self.family = LoopbackFamily(rawValue: raw.byteSwapped)
            self.littleEndian = true
        } else {
            self.family = LoopbackFamily(rawValue: raw)
            self.littleEndian = false
        }
    }

    public var summary: String { "Loopback family \(self.family.rawValue) (\(self.family))" }
}
