import Capture

// Wire numbers of ISAKMP / IKEv1 — IANA "Internet Security Association and Key Management
// Protocol (ISAKMP) Identifiers" and "Internet Key Exchange (IKE) Attributes" (RFC 2407, 2408,
// 2409, 3947; Mode-Config and XAUTH drafts as deployed).

/// ISAKMP exchange type — RFC 2408 §3.1, IANA "ISAKMP Exchange Types".
public struct IKEv1ExchangeType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let base = Self(rawValue: 1)
    /// Main Mode.
    public static let identityProtection = Self(rawValue: 2)
    public static let authenticationOnly = Self(rawValue: 3)
    public static let aggressive = Self(rawValue: 4)
    public static let informational = Self(rawValue: 5)
    /// Mode-Config / XAUTH (draft-dukes-ike-mode-cfg).
    public static let transaction = Self(rawValue: 6)
    public static let quickMode = Self(rawValue: 32)
    public static let newGroupMode = Self(rawValue: 33)

    public static let names: [UInt8: String] = [
        0: "NONE", 1: "Base", 2: "Identity Protection (Main Mode)", 3: "Authentication Only", 4: "Aggressive",
        5: "Informational", 6: "Transaction (Config Mode)", 32: "Quick Mode", 33: "New Group Mode",
    ]

    /// The name engineers use ("Main Mode", "Quick Mode"…), for one-line summaries.
    public var shortName: String {
        switch self.rawValue {
        case 2: "Main Mode"
        case 4: "Aggressive Mode"
        case 6: "Mode-Config"
        default: self.description
        }
    }
}

/// ISAKMP next-payload type — RFC 2408 §3.1, IANA "ISAKMP Next Payload Types", plus the
/// pre-RFC NAT-T numbers (130, 131) and Cisco's IKE fragmentation payload (132).
public struct IKEv1PayloadType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let securityAssociation = Self(rawValue: 1)
    public static let proposal = Self(rawValue: 2)
    public static let transform = Self(rawValue: 3)
    public static let keyExchange = Self(rawValue: 4)
    public static let identification = Self(rawValue: 5)
    public static let certificate = Self(rawValue: 6)
    public static let certificateRequest = Self(rawValue: 7)
    public static let hash = Self(rawValue: 8)
    public static let signature = Self(rawValue: 9)
    public static let nonce = Self(rawValue: 10)
    public static let notification = Self(rawValue: 11)
    public static let delete = Self(rawValue: 12)
    public static let vendorID = Self(rawValue: 13)
    /// Mode-Config attribute payload.
    public static let attribute = Self(rawValue: 14)
    /// NAT-D — RFC 3947.
    public static let natDiscovery = Self(rawValue: 20)
    /// NAT-OA — RFC 3947.
    public static let natOriginalAddress = Self(rawValue: 21)
    /// NAT-D of draft-ietf-ipsec-nat-t-ike-02/03.
    public static let natDiscoveryDraft = Self(rawValue: 130)
    public static let natOriginalAddressDraft = Self(rawValue: 131)
    /// Cisco / strongSwan proprietary IKEv1 fragmentation.
    public static let fragment = Self(rawValue: 132)

    public var isNATDiscovery: Bool { self == .natDiscovery || self == .natDiscoveryDraft }
    public var isNATOriginalAddress: Bool { self == .natOriginalAddress || self == .natOriginalAddressDraft }

    public static let names: [UInt8: String] = [
        0: "NONE", 1: "SA", 2: "P", 3: "T", 4: "KE", 5: "ID", 6: "CERT", 7: "CR", 8: "HASH", 9: "SIG", 10: "NONCE",
        11: "N", 12: "D", 13: "VID", 14: "ATTR", 15: "SAK", 16: "SAT", 17: "KD", 18: "SEQ", 19: "POP", 20: "NAT-D",
        21: "NAT-OA", 22: "GAP", 130: "NAT-D(draft)", 131: "NAT-OA(draft)", 132: "FRAG",
    ]
}

/// ISAKMP notify message type — RFC 2408 §3.14.1, IPsec DOI (RFC 2407 §4.6.3), DPD (RFC 3706).
public struct IKEv1NotifyType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let invalidPayloadType = Self(rawValue: 1)
    public static let invalidCookie = Self(rawValue: 4)
    public static let invalidExchangeType = Self(rawValue: 7)
    public static let invalidSPI = Self(rawValue: 11)
    public static let noProposalChosen = Self(rawValue: 14)
    public static let payloadMalformed = Self(rawValue: 16)
    public static let invalidIDInformation = Self(rawValue: 18)
    public static let invalidHashInformation = Self(rawValue: 23)
    public static let authenticationFailed = Self(rawValue: 24)
    public static let responderLifetime = Self(rawValue: 24576)
    public static let initialContact = Self(rawValue: 24578)
    public static let rUThere = Self(rawValue: 36136)
    public static let rUThereAck = Self(rawValue: 36137)

    /// Error types are 1–16383 (RFC 2408 §3.14.1).
    public var isError: Bool { self.rawValue >= 1 && self.rawValue < 16384 }

    public static let names: [UInt16: String] = [
        1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED", 4: "INVALID-COOKIE",
        5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION", 7: "INVALID-EXCHANGE-TYPE", 8: "INVALID-FLAGS",
        9: "INVALID-MESSAGE-ID", 10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI", 12: "INVALID-TRANSFORM-ID",
        13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN", 15: "BAD-PROPOSAL-SYNTAX", 16: "PAYLOAD-MALFORMED",
        17: "INVALID-KEY-INFORMATION", 18: "INVALID-ID-INFORMATION", 19: "INVALID-CERT-ENCODING",
        20: "INVALID-CERTIFICATE", 21: "CERT-TYPE-UNSUPPORTED", 22: "INVALID-CERT-AUTHORITY",
        23: "INVALID-HASH-INFORMATION", 24: "AUTHENTICATION-FAILED", 25: "INVALID-SIGNATURE",
        26: "ADDRESS-NOTIFICATION", 27: "NOTIFY-SA-LIFETIME", 28: "CERTIFICATE-UNAVAILABLE",
        29: "UNSUPPORTED-EXCHANGE-TYPE", 30: "UNEQUAL-PAYLOAD-LENGTHS", 16384: "CONNECTED",
        24576: "RESPONDER-LIFETIME", 24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT",
        36136: "R-U-THERE", 36137: "R-U-THERE-ACK",
    ]
}

/// ISAKMP protocol identifier of a proposal, notify or delete — RFC 2407 §4.4.1.
public struct IKEv1ProtocolID: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let isakmp = Self(rawValue: 1)
    public static let ah = Self(rawValue: 2)
    public static let esp = Self(rawValue: 3)
    public static let ipcomp = Self(rawValue: 4)
    public static let names: [UInt8: String] = [1: "ISAKMP", 2: "IPSEC_AH", 3: "IPSEC_ESP", 4: "IPCOMP", 5: "GIGABEAM_RADIO"]
}

/// Phase 1 (ISAKMP SA) attribute class — RFC 2409 appendix A.
public struct IKEv1SAAttributeType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let encryptionAlgorithm = Self(rawValue: 1)
    public static let hashAlgorithm = Self(rawValue: 2)
    public static let authenticationMethod = Self(rawValue: 3)
    public static let groupDescription = Self(rawValue: 4)
    public static let lifeType = Self(rawValue: 11)
    public static let lifeDuration = Self(rawValue: 12)
    public static let keyLength = Self(rawValue: 14)
    public static let names: [UInt16: String] = [
        1: "Encryption-Algorithm", 2: "Hash-Algorithm", 3: "Authentication-Method", 4: "Group-Description",
        5: "Group-Type", 6: "Group-Prime", 7: "Group-Generator-One", 8: "Group-Generator-Two", 9: "Group-Curve-A",
        10: "Group-Curve-B", 11: "Life-Type", 12: "Life-Duration", 13: "PRF", 14: "Key-Length", 15: "Field-Size",
        16: "Group-Order",
    ]
}

/// Phase 2 (IPsec SA) attribute type — RFC 2407 §4.5, RFC 3947 encapsulation modes.
public struct IPsecSAAttributeType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let lifeType = Self(rawValue: 1)
    public static let lifeDuration = Self(rawValue: 2)
    public static let groupDescription = Self(rawValue: 3)
    public static let encapsulationMode = Self(rawValue: 4)
    public static let authenticationAlgorithm = Self(rawValue: 5)
    public static let keyLength = Self(rawValue: 6)
    public static let names: [UInt16: String] = [
        1: "SA-Life-Type", 2: "SA-Life-Duration", 3: "Group-Description", 4: "Encapsulation-Mode",
        5: "Authentication-Algorithm", 6: "Key-Length", 7: "Key-Rounds", 8: "Compress-Dictionary-Size",
        9: "Compress-Private-Algorithm", 10: "ECN-Tunnel", 11: "Extended-Sequence-Number",
    ]
}

/// Phase 1 encryption algorithm — RFC 2409 appendix A.
public struct IKEv1EncryptionAlgorithm: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let names: [UInt16: String] = [
        1: "DES-CBC", 2: "IDEA-CBC", 3: "Blowfish-CBC", 4: "RC5-R16-B64-CBC", 5: "3DES-CBC", 6: "CAST-CBC",
        7: "AES-CBC", 8: "CAMELLIA-CBC",
    ]
}

/// Phase 1 hash algorithm — RFC 2409 appendix A.
public struct IKEv1HashAlgorithm: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let names: [UInt16: String] = [1: "MD5", 2: "SHA", 3: "Tiger", 4: "SHA2-256", 5: "SHA2-384", 6: "SHA2-512"]
}

/// Phase 1 authentication method — RFC 2409 appendix A, XAUTH and hybrid values from
/// draft-beaulieu-ike-xauth-02 §7.2.
public struct IKEv1AuthMethod: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let preSharedKey = Self(rawValue: 1)
    public static let rsaSignature = Self(rawValue: 3)
    public static let xauthInitPreShared = Self(rawValue: 65001)
    /// True for the XAUTH variants (a user name/password step follows Main or Aggressive Mode).
    public var isXAUTH: Bool { (65001...65010).contains(self.rawValue) }
    public static let names: [UInt16: String] = [
        1: "Pre-shared key", 2: "DSS signatures", 3: "RSA signatures", 4: "Encryption with RSA",
        5: "Revised encryption with RSA", 6: "Encryption with El-Gamal", 7: "Revised encryption with El-Gamal",
        8: "ECDSA signatures", 9: "ECDSA with SHA-256 on the P-256 curve", 10: "ECDSA with SHA-384 on the P-384 curve",
        11: "ECDSA with SHA-512 on the P-521 curve",
        64221: "HybridInitRSA", 64222: "HybridRespRSA", 64223: "HybridInitDSS", 64224: "HybridRespDSS",
        65001: "XAUTHInitPreShared", 65002: "XAUTHRespPreShared", 65003: "XAUTHInitDSS", 65004: "XAUTHRespDSS",
        65005: "XAUTHInitRSA", 65006: "XAUTHRespRSA", 65007: "XAUTHInitRSAEncryption",
        65008: "XAUTHRespRSAEncryption", 65009: "XAUTHInitRSARevisedEncryption",
        65010: "XAUTHRespRSARevisedEncryption",
    ]
}

/// IPsec transform identifier of an ESP/AH proposal — RFC 2407 §4.4.4 (ESP) and §4.4.3 (AH);
/// the name depends on the proposal's protocol.
public struct IPsecTransformID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var protocolID: IKEv1ProtocolID
    public var rawValue: UInt8
    public init(protocolID: IKEv1ProtocolID, rawValue: UInt8) {
        self.protocolID = protocolID
        self.rawValue = rawValue
    }
    static let esp: [UInt8: String] = [
        1: "DES_IV64", 2: "DES", 3: "3DES", 4: "RC5", 5: "IDEA", 6: "CAST", 7: "BLOWFISH", 8: "3IDEA", 9: "DES_IV32",
        10: "RC4", 11: "NULL", 12: "AES-CBC", 13: "AES-CTR", 14: "AES-CCM_8", 15: "AES-CCM_12", 16: "AES-CCM_16",
        18: "AES-GCM_8", 19: "AES-GCM_12", 20: "AES-GCM_16", 21: "NULL_AUTH_AES_GMAC", 22: "CAMELLIA",
    ]
    static let ah: [UInt8: String] = [2: "MD5", 3: "SHA", 4: "DES", 5: "SHA2-256", 6: "SHA2-384", 7: "SHA2-512"]
    public var name: String? {
        switch self.protocolID {
        case .isakmp: self.rawValue == 1 ? "KEY_IKE" : nil
        case .esp: Self.esp[self.rawValue]
        case .ah: Self.ah[self.rawValue]
        case .ipcomp: [1: "OUI", 2: "DEFLATE", 3: "LZS", 4: "LZJH"][self.rawValue]
        default: nil
        }
    }
    public var description: String { self.name ?? "unknown(\(self.rawValue))" }
    private enum CodingKeys: String, CodingKey { case value, name }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(protocolID: .isakmp, rawValue: try c.decode(UInt8.self, forKey: .value))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.rawValue, forKey: .value)
        try c.encode(self.description, forKey: .name)
    }
}

/// IPsec encapsulation mode — RFC 2407 §4.5, RFC 3947 §5 (3, 4) and the NAT-T drafts (61443, 61444).
public struct IPsecEncapsulationMode: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let names: [UInt16: String] = [
        1: "Tunnel", 2: "Transport", 3: "UDP-Encapsulated-Tunnel", 4: "UDP-Encapsulated-Transport",
        61443: "UDP-Encapsulated-Tunnel (draft)", 61444: "UDP-Encapsulated-Transport (draft)",
    ]
}

/// IPsec authentication algorithm attribute — RFC 2407 §4.5.
public struct IPsecAuthAlgorithm: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let names: [UInt16: String] = [
        1: "HMAC-MD5", 2: "HMAC-SHA", 3: "DES-MAC", 4: "KPDK", 5: "HMAC-SHA2-256", 6: "HMAC-SHA2-384",
        7: "HMAC-SHA2-512", 8: "HMAC-RIPEMD", 9: "AES-XCBC-MAC", 10: "SIG-RSA", 11: "AES-128-GMAC",
        12: "AES-192-GMAC", 13: "AES-256-GMAC",
    ]
}

/// Identification type — RFC 2407 §4.6.2.1 (IKEv1); IKEv2 uses a subset (RFC 7296 §3.5).
public struct IKEIDType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4Address = Self(rawValue: 1)
    public static let fqdn = Self(rawValue: 2)
    public static let userFQDN = Self(rawValue: 3)
    public static let ipv4Subnet = Self(rawValue: 4)
    public static let ipv6Address = Self(rawValue: 5)
    public static let ipv6Subnet = Self(rawValue: 6)
    public static let ipv4Range = Self(rawValue: 7)
    public static let ipv6Range = Self(rawValue: 8)
    public static let derASN1DN = Self(rawValue: 9)
    public static let derASN1GN = Self(rawValue: 10)
    public static let keyID = Self(rawValue: 11)
    public static let names: [UInt8: String] = [
        1: "IPV4_ADDR", 2: "FQDN", 3: "USER_FQDN", 4: "IPV4_ADDR_SUBNET", 5: "IPV6_ADDR", 6: "IPV6_ADDR_SUBNET",
        7: "IPV4_ADDR_RANGE", 8: "IPV6_ADDR_RANGE", 9: "DER_ASN1_DN", 10: "DER_ASN1_GN", 11: "KEY_ID", 12: "LIST",
        13: "NULL",
    ]
}

/// Mode-Config (IKEv1) and Configuration Payload (IKEv2, RFC 7296 §3.15.1) attribute type; the
/// numbering is shared. XAUTH (16520–16529) and Cisco Unity (28672–28683) values included.
public struct IKEConfigAttributeType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let internalIP4Address = Self(rawValue: 1)
    public static let internalIP4DNS = Self(rawValue: 3)
    public static let xauthUserPassword = Self(rawValue: 16522)
    public static let xauthStatus = Self(rawValue: 16527)
    public static let names: [UInt16: String] = [
        1: "INTERNAL_IP4_ADDRESS", 2: "INTERNAL_IP4_NETMASK", 3: "INTERNAL_IP4_DNS", 4: "INTERNAL_IP4_NBNS",
        5: "INTERNAL_ADDRESS_EXPIRY", 6: "INTERNAL_IP4_DHCP", 7: "APPLICATION_VERSION", 8: "INTERNAL_IP6_ADDRESS",
        9: "INTERNAL_IP6_NETMASK", 10: "INTERNAL_IP6_DNS", 11: "INTERNAL_IP6_NBNS", 12: "INTERNAL_IP6_DHCP",
        13: "INTERNAL_IP4_SUBNET", 14: "SUPPORTED_ATTRIBUTES", 15: "INTERNAL_IP6_SUBNET", 16: "MIP6_HOME_PREFIX",
        17: "INTERNAL_IP6_LINK", 18: "INTERNAL_IP6_PREFIX", 19: "HOME_AGENT_ADDRESS", 20: "P_CSCF_IP4_ADDRESS",
        21: "P_CSCF_IP6_ADDRESS", 25: "INTERNAL_DNS_DOMAIN", 26: "INTERNAL_DNSSEC_TA",
        16520: "XAUTH_TYPE", 16521: "XAUTH_USER_NAME", 16522: "XAUTH_USER_PASSWORD", 16523: "XAUTH_PASSCODE",
        16524: "XAUTH_MESSAGE", 16525: "XAUTH_CHALLENGE", 16526: "XAUTH_DOMAIN", 16527: "XAUTH_STATUS",
        16528: "XAUTH_NEXT_PIN", 16529: "XAUTH_ANSWER",
        28672: "UNITY_BANNER", 28673: "UNITY_SAVE_PASSWD", 28674: "UNITY_DEF_DOMAIN", 28675: "UNITY_SPLIT_DNS",
        28676: "UNITY_SPLIT_INCLUDE", 28677: "UNITY_NATT_PORT", 28678: "UNITY_LOCAL_LAN", 28679: "UNITY_PFS",
        28680: "UNITY_FW_TYPE", 28681: "UNITY_BACKUP_SERVERS", 28682: "UNITY_DDNS_HOSTNAME",
    ]
}

/// Mode-Config / CP message type — draft-dukes-ike-mode-cfg §3.2, RFC 7296 §3.15.
public struct IKEConfigType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let names: [UInt8: String] = [1: "REQUEST", 2: "REPLY", 3: "SET", 4: "ACK"]
}

/// Diffie-Hellman group — IANA "Transform Type 4 - Key Exchange Method Transform IDs" (the same
/// numbers serve IKEv1's Group-Description attribute).
public struct DHGroup: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let modp1024 = Self(rawValue: 2)
    public static let modp2048 = Self(rawValue: 14)
    public static let ecp256 = Self(rawValue: 19)
    public static let names: [UInt16: String] = [
        0: "NONE", 1: "768-bit MODP", 2: "1024-bit MODP", 5: "1536-bit MODP", 14: "2048-bit MODP",
        15: "3072-bit MODP", 16: "4096-bit MODP", 17: "6144-bit MODP", 18: "8192-bit MODP",
        19: "256-bit random ECP", 20: "384-bit random ECP", 21: "521-bit random ECP",
        22: "1024-bit MODP with 160-bit Prime Order Subgroup", 23: "2048-bit MODP with 224-bit Prime Order Subgroup",
        24: "2048-bit MODP with 256-bit Prime Order Subgroup", 25: "192-bit random ECP", 26: "224-bit random ECP",
        27: "brainpoolP224r1", 28: "brainpoolP256r1", 29: "brainpoolP384r1", 30: "brainpoolP512r1",
        31: "Curve25519", 32: "Curve448", 33: "GOST3410_2012_256", 34: "GOST3410_2012_512",
        35: "ML-KEM-512", 36: "ML-KEM-768", 37: "ML-KEM-1024",
    ]
    /// Groups considered weak today (RFC 8247 §2.4: MUST NOT 1, 2, 5, 22–24).
    public var isWeak: Bool { [1, 2, 5, 22, 23, 24].contains(self.rawValue) }
}
