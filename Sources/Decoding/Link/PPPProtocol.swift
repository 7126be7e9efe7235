import Capture

/// PPP protocol field — RFC 1661 §2; IANA "PPP DLL Protocol Numbers". Used wherever PPP framing
/// appears: serial links (DLT_PPP), PPPoE sessions, PPTP's GRE, L2TP data messages.
public struct PPPProtocol: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = Self(rawValue: 0x0021)
    /// Bridging PDU — RFC 3518.
    public static let bridging = Self(rawValue: 0x0031)
    public static let ipv6 = Self(rawValue: 0x0057)
    /// Multilink PPP fragment — RFC 1990.
    public static let multilink = Self(rawValue: 0x003D)
    /// Compressed datagram (CCP/MPPE) — RFC 1962.
    public static let compressedDatagram = Self(rawValue: 0x00FD)
    public static let ipcp = Self(rawValue: 0x8021)
    /// Encryption control — RFC 1968.
    public static let ecp = Self(rawValue: 0x8053)
    public static let ipv6cp = Self(rawValue: 0x8057)
    /// Compression control — RFC 1962.
    public static let ccp = Self(rawValue: 0x80FD)
    public static let lcp = Self(rawValue: 0xC021)
    public static let pap = Self(rawValue: 0xC023)
    /// Link quality report — RFC 1989.
    public static let lqr = Self(rawValue: 0xC025)
    public static let chap = Self(rawValue: 0xC223)
    /// EAP — RFC 3748.
    public static let eap = Self(rawValue: 0xC227)

    /// Protocols whose packets share the PPP control header (code, identifier, length) and are
    /// decoded by `PPPControl`.
    public var isControl: Bool {
        switch self {
        case .lcp, .pap, .chap, .eap, .ipcp, .ipv6cp, .ccp, .ecp: true
        default: false
        }
    }

    public static let names: [UInt16: String] = [
        0x0021: "IPv4", 0x0031: "Bridging", 0x003D: "MP", 0x0057: "IPv6", 0x00FD: "Compressed datagram",
        0x8021: "IPCP", 0x8031: "BCP", 0x8053: "ECP", 0x8057: "IPV6CP", 0x80FD: "CCP",
        0xC021: "LCP", 0xC023: "PAP", 0xC025: "LQR", 0xC223: "CHAP", 0xC227: "EAP",
    ]
}
