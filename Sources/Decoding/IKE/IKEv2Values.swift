import Capture

// Wire numbers of IKEv2 — IANA "Internet Key Exchange Version 2 (IKEv2) Parameters"
// (RFC 7296, 7383, 5685, 9242, 9370).

/// IKEv2 exchange type — RFC 7296 §3.1.
public struct IKEv2ExchangeType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ikeSAInit = Self(rawValue: 34)
    public static let ikeAuth = Self(rawValue: 35)
    public static let createChildSA = Self(rawValue: 36)
    public static let informational = Self(rawValue: 37)
    /// RFC 9242.
    public static let ikeIntermediate = Self(rawValue: 43)
    /// RFC 9370.
    public static let ikeFollowupKE = Self(rawValue: 44)
    public static let names: [UInt8: String] = [
        34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL", 38: "IKE_SESSION_RESUME",
        39: "GSA_AUTH", 40: "GSA_REGISTRATION", 41: "GSA_REKEY", 42: "GSA_INBAND_REKEY", 43: "IKE_INTERMEDIATE",
        44: "IKE_FOLLOWUP_KE",
    ]
}

/// IKEv2 payload type — RFC 7296 §3.2, RFC 7383 (SKF).
public struct IKEv2PayloadType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let securityAssociation = Self(rawValue: 33)
    public static let keyExchange = Self(rawValue: 34)
    public static let idInitiator = Self(rawValue: 35)
    public static let idResponder = Self(rawValue: 36)
    public static let certificate = Self(rawValue: 37)
    public static let certificateRequest = Self(rawValue: 38)
    public static let authentication = Self(rawValue: 39)
    public static let nonce = Self(rawValue: 40)
    public static let notify = Self(rawValue: 41)
    public static let delete = Self(rawValue: 42)
    public static let vendorID = Self(rawValue: 43)
    public static let tsInitiator = Self(rawValue: 44)
    public static let tsResponder = Self(rawValue: 45)
    /// Encrypted and Authenticated.
    public static let encrypted = Self(rawValue: 46)
    public static let configuration = Self(rawValue: 47)
    public static let eap = Self(rawValue: 48)
    /// Encrypted and Authenticated Fragment — RFC 7383.
    public static let encryptedFragment = Self(rawValue: 53)

    /// SK and SKF: the body is ciphertext and their next-payload field names the first inner payload.
    public var isEncrypted: Bool { self == .encrypted || self == .encryptedFragment }

    public static let names: [UInt8: String] = [
        0: "NONE", 33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ", 39: "AUTH", 40: "Nonce",
        41: "N", 42: "D", 43: "V", 44: "TSi", 45: "TSr", 46: "SK", 47: "CP", 48: "EAP", 49: "GSPM", 50: "IDg",
        51: "GSA", 52: "KD", 53: "SKF", 54: "PS",
    ]
}

/// IKEv2 notify message type — RFC 7296 §3.10.1 and IANA "IKEv2 Notify Message Types".
public struct IKEv2NotifyType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let unsupportedCriticalPayload = Self(rawValue: 1)
    public static let invalidSyntax = Self(rawValue: 7)
    public static let noProposalChosen = Self(rawValue: 14)
    public static let invalidKEPayload = Self(rawValue: 17)
    public static let authenticationFailed = Self(rawValue: 24)
    public static let tsUnacceptable = Self(rawValue: 38)
    public static let initialContact = Self(rawValue: 16384)
    public static let natDetectionSourceIP = Self(rawValue: 16388)
    public static let natDetectionDestinationIP = Self(rawValue: 16389)
    public static let cookie = Self(rawValue: 16390)
    public static let redirectSupported = Self(rawValue: 16406)
    public static let redirect = Self(rawValue: 16407)
    public static let redirectedFrom = Self(rawValue: 16408)
    public static let fragmentationSupported = Self(rawValue: 16430)

    /// Error types are below 16384 (RFC 7296 §3.10.1).
    public var isError: Bool { self.rawValue < 16384 }

    public static let names: [UInt16: String] = [
        1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI", 5: "INVALID_MAJOR_VERSION", 7: "INVALID_SYNTAX",
        9: "INVALID_MESSAGE_ID", 11: "INVALID_SPI", 14: "NO_PROPOSAL_CHOSEN", 17: "INVALID_KE_PAYLOAD",
        24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED", 35: "NO_ADDITIONAL_SAS",
        36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED", 38: "TS_UNACCEPTABLE", 39: "INVALID_SELECTORS",
        40: "UNACCEPTABLE_ADDRESSES", 41: "UNEXPECTED_NAT_DETECTED", 42: "USE_ASSIGNED_HoA", 43: "TEMPORARY_FAILURE",
        44: "CHILD_SA_NOT_FOUND", 45: "INVALID_GROUP_ID", 46: "AUTHORIZATION_FAILED", 47: "STATE_NOT_FOUND",
        48: "TS_MAX_QUEUE",
        16384: "INITIAL_CONTACT", 16385: "SET_WINDOW_SIZE", 16386: "ADDITIONAL_TS_POSSIBLE", 16387: "IPCOMP_SUPPORTED",
        16388: "NAT_DETECTION_SOURCE_IP", 16389: "NAT_DETECTION_DESTINATION_IP", 16390: "COOKIE",
        16391: "USE_TRANSPORT_MODE", 16392: "HTTP_CERT_LOOKUP_SUPPORTED", 16393: "REKEY_SA",
        16394: "ESP_TFC_PADDING_NOT_SUPPORTED", 16395: "NON_FIRST_FRAGMENTS_ALSO", 16396: "MOBIKE_SUPPORTED",
        16397: "ADDITIONAL_IP4_ADDRESS", 16398: "ADDITIONAL_IP6_ADDRESS", 16399: "NO_ADDITIONAL_ADDRESSES",
        16400: "UPDATE_SA_ADDRESSES", 16401: "COOKIE2", 16402: "NO_NATS_ALLOWED", 16403: "AUTH_LIFETIME",
        16404: "MULTIPLE_AUTH_SUPPORTED", 16405: "ANOTHER_AUTH_FOLLOWS", 16406: "REDIRECT_SUPPORTED",
        16407: "REDIRECT", 16408: "REDIRECTED_FROM", 16409: "TICKET_LT_OPAQUE", 16410: "TICKET_REQUEST",
        16411: "TICKET_ACK", 16412: "TICKET_NACK", 16413: "TICKET_OPAQUE", 16414: "LINK_ID", 16415: "USE_WESP_MODE",
        16416: "ROHC_SUPPORTED", 16417: "EAP_ONLY_AUTHENTICATION", 16418: "CHILDLESS_IKEV2_SUPPORTED",
        16419: "QUICK_CRASH_DETECTION", 16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
        16421: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED", 16422: "IKEV2_MESSAGE_ID_SYNC",
        16423: "IPSEC_REPLAY_COUNTER_SYNC", 16424: "SECURE_PASSWORD_METHODS", 16425: "PSK_PERSIST",
        16426: "PSK_CONFIRM", 16427: "ERX_SUPPORTED", 16428: "IFOM_CAPABILITY", 16429: "SENDER_REQUEST_ID",
        16430: "IKEV2_FRAGMENTATION_SUPPORTED", 16431: "SIGNATURE_HASH_ALGORITHMS", 16432: "CLONE_IKE_SA_SUPPORTED",
        16433: "CLONE_IKE_SA", 16434: "PUZZLE", 16435: "USE_PPK", 16436: "PPK_IDENTITY", 16437: "NO_PPK_AUTH",
        16438: "INTERMEDIATE_EXCHANGE_SUPPORTED", 16439: "IP4_ALLOWED", 16440: "IP6_ALLOWED",
        16441: "ADDITIONAL_KEY_EXCHANGE", 16442: "USE_AGGFRAG", 16443: "SUPPORTED_AUTH_METHODS",
        16444: "SA_RESOURCE_INFO", 16445: "USE_PPK_INT", 16446: "PPK_IDENTITY_KEY",
    ]
}

/// Protocol ID of an IKEv2 proposal, notify or delete — RFC 7296 §3.3.1.
public struct IKEv2ProtocolID: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ike = Self(rawValue: 1)
    public static let ah = Self(rawValue: 2)
    public static let esp = Self(rawValue: 3)
    public static let names: [UInt8: String] = [0: "NONE", 1: "IKE", 2: "AH", 3: "ESP"]
}

/// IKEv2 transform type — RFC 7296 §3.3.2.
public struct IKEv2TransformType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let encryption = Self(rawValue: 1)
    public static let prf = Self(rawValue: 2)
    public static let integrity = Self(rawValue: 3)
    public static let dhGroup = Self(rawValue: 4)
    public static let esn = Self(rawValue: 5)
    public static let names: [UInt8: String] = [
        1: "ENCR", 2: "PRF", 3: "INTEG", 4: "D-H", 5: "ESN", 6: "ADDKE1", 7: "ADDKE2", 8: "ADDKE3", 9: "ADDKE4",
        10: "ADDKE5", 11: "ADDKE6", 12: "ADDKE7",
    ]
}

/// An IKEv2 transform ID, named according to its transform type (IANA tables for types 1–5).
public struct IKEv2TransformID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var type: IKEv2TransformType
    public var rawValue: UInt16
    public init(type: IKEv2TransformType, rawValue: UInt16) {
        self.type = type
        self.rawValue = rawValue
    }

    static let encryption: [UInt16: String] = [
        1: "DES_IV64", 2: "DES", 3: "3DES", 4: "RC5", 5: "IDEA", 6: "CAST", 7: "BLOWFISH", 8: "3IDEA", 9: "DES_IV32",
        11: "NULL", 12: "AES_CBC", 13: "AES_CTR", 14: "AES_CCM_8", 15: "AES_CCM_12", 16: "AES_CCM_16",
        18: "AES_GCM_8", 19: "AES_GCM_12", 20: "AES_GCM_16", 21: "NULL_AUTH_AES_GMAC", 23: "CAMELLIA_CBC",
        24: "CAMELLIA_CTR", 25: "CAMELLIA_CCM_8", 26: "CAMELLIA_CCM_12", 27: "CAMELLIA_CCM_16",
        28: "CHACHA20_POLY1305", 32: "KUZNYECHIK_MGM_KTREE", 33: "MAGMA_MGM_KTREE",
    ]
    static let prf: [UInt16: String] = [
        1: "PRF_HMAC_MD5", 2: "PRF_HMAC_SHA1", 3: "PRF_HMAC_TIGER", 4: "PRF_AES128_XCBC", 5: "PRF_HMAC_SHA2_256",
        6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512", 8: "PRF_AES128_CMAC", 9: "PRF_HMAC_STREEBOG_512",
    ]
    static let integrity: [UInt16: String] = [
        0: "NONE", 1: "AUTH_HMAC_MD5_96", 2: "AUTH_HMAC_SHA1_96", 3: "AUTH_DES_MAC", 4: "AUTH_KPDK_MD5",
        5: "AUTH_AES_XCBC_96", 6: "AUTH_HMAC_MD5_128", 7: "AUTH_HMAC_SHA1_160", 8: "AUTH_AES_CMAC_96",
        9: "AUTH_AES_128_GMAC", 10: "AUTH_AES_192_GMAC", 11: "AUTH_AES_256_GMAC", 12: "AUTH_HMAC_SHA2_256_128",
        13: "AUTH_HMAC_SHA2_384_192", 14: "AUTH_HMAC_SHA2_512_256",
    ]

    public var name: String? {
        switch self.type.rawValue {
        case 1: Self.encryption[self.rawValue]
        case 2: Self.prf[self.rawValue]
        case 3: Self.integrity[self.rawValue]
        case 4, 6...12: DHGroup(rawValue: self.rawValue).name
        case 5: [0: "No ESN", 1: "ESN"][self.rawValue]
        default: nil
        }
    }
    public var description: String { self.name ?? "unknown(\(self.rawValue))" }

    private enum CodingKeys: String, CodingKey { case type, value, name }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(type: try c.decode(IKEv2TransformType.self, forKey: .type), rawValue: try c.decode(UInt16.self, forKey: .value))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.type, forKey: .type)
        try c.encode(self.rawValue, forKey: .value)
        try c.encode(self.description, forKey: .name)
    }
}

/// IKEv2 transform attribute type — RFC 7296 §3.3.5 (only Key Length is defined).
public struct IKEv2TransformAttributeType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let keyLength = Self(rawValue: 14)
    public static let names: [UInt16: String] = [14: "Key Length"]
}

/// IKEv2 authentication method — RFC 7296 §3.8, RFC 7427, RFC 7619.
public struct IKEv2AuthMethod: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let names: [UInt8: String] = [
        1: "RSA Digital Signature", 2: "Shared Key Message Integrity Code", 3: "DSS Digital Signature",
        9: "ECDSA with SHA-256 on the P-256 curve", 10: "ECDSA with SHA-384 on the P-384 curve",
        11: "ECDSA with SHA-512 on the P-521 curve", 12: "Generic Secure Password Authentication Method",
        13: "NULL Authentication", 14: "Digital Signature",
    ]
}

/// Certificate encoding — RFC 7296 §3.6 (shared with IKEv1's CERT/CR, RFC 2408 §3.9).
public struct IKECertificateEncoding: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let names: [UInt8: String] = [
        1: "PKCS #7 wrapped X.509 certificate", 2: "PGP Certificate", 3: "DNS Signed Key",
        4: "X.509 Certificate - Signature", 6: "Kerberos Token", 7: "Certificate Revocation List (CRL)",
        8: "Authority Revocation List (ARL)", 9: "SPKI Certificate", 10: "X.509 Certificate - Attribute",
        11: "Raw RSA Key", 12: "Hash and URL of X.509 certificate", 13: "Hash and URL of X.509 bundle",
        14: "OCSP Content", 15: "Raw Public Key",
    ]
}

/// Traffic selector type — RFC 7296 §3.13.1.
public struct IKEv2TrafficSelectorType: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4Range = Self(rawValue: 7)
    public static let ipv6Range = Self(rawValue: 8)
    public static let names: [UInt8: String] = [7: "TS_IPV4_ADDR_RANGE", 8: "TS_IPV6_ADDR_RANGE", 9: "TS_FC_ADDR_RANGE"]
}
