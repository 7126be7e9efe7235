import Capture

/// PPP protocol number — RFC 1661 §2; IANA "PPP DLL Protocol Numbers". The field after the
/// optional FF 03 in every PPP frame (GRE, L2TP, PPPoE, link type PPP).
public struct PPPProtocol: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = Self(rawValue: 0x0021)
    /// Multilink PPP — RFC 1990.
    public static let multilink = Self(rawValue: 0x003D)
    public static let ipv6 = Self(rawValue: 0x0057)
    /// Compressed datagram (CCP negotiated, e.g. MPPC/MPPE payload) — RFC 1962.
    public static let compressedDatagram = Self(rawValue: 0x00FD)
    public static let ipcp = Self(rawValue: 0x8021)
    /// Encryption Control Protocol — RFC 1968.
    public static let ecp = Self(rawValue: 0x8053)
    public static let ipv6cp = Self(rawValue: 0x8057)
    /// Compression Control Protocol — RFC 1962 (MPPE is negotiated here, RFC 3078).
    public static let ccp = Self(rawValue: 0x80FD)
    public static let lcp = Self(rawValue: 0xC021)
    public static let pap = Self(rawValue: 0xC023)
    public static let chap = Self(rawValue: 0xC223)
    public static let eap = Self(rawValue: 0xC227)

    public static let names: [UInt16: String] = [
        0x0021: "IPv4", 0x002B: "IPX", 0x002D: "VJ compressed TCP/IP", 0x002F: "VJ uncompressed TCP/IP",
        0x003D: "MP", 0x0057: "IPv6", 0x00FB: "single-link compressed datagram", 0x00FD: "compressed datagram",
        0x8021: "IPCP", 0x802B: "IPXCP", 0x8031: "BCP", 0x8053: "ECP", 0x8057: "IPV6CP", 0x80FB: "single-link CCP",
        0x80FD: "CCP", 0xC021: "LCP", 0xC023: "PAP", 0xC025: "LQR", 0xC029: "CBCP", 0xC02B: "BACP",
        0xC02D: "BAP", 0xC223: "CHAP", 0xC227: "EAP",
    ]

    /// Protocols whose packets share the PPP control header (code, identifier, length) and are
    /// decoded by `PPPControl`.
    public var isControl: Bool {
        switch self {
        case .lcp, .pap, .chap, .eap, .ipcp, .ipv6cp, .ccp, .ecp: true
        default: false
        }
    }
}
