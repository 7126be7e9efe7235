import Capture

/// ISAKMP/IKE exchange type — IKEv1 RFC 2408 §3.1 / RFC 2409, IKEv2 RFC 7296 §3.1 (IANA "IKEv2
/// Exchange Types"). The two registries do not overlap (v2 starts at 34), so one type serves both.
public struct IKEExchange: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// IKEv1 Main Mode.
    public static let identityProtection = Self(rawValue: 2)
    public static let aggressive = Self(rawValue: 4)
    public static let informationalV1 = Self(rawValue: 5)
    public static let transaction = Self(rawValue: 6)
    public static let quickMode = Self(rawValue: 32)
    public static let ikeSAInit = Self(rawValue: 34)
    public static let ikeAuth = Self(rawValue: 35)
    public static let createChildSA = Self(rawValue: 36)
    public static let informational = Self(rawValue: 37)
    public static let names: [UInt8: String] = [
        1: "Base", 2: "Identity Protection (Main Mode)", 3: "Authentication Only", 4: "Aggressive",
        5: "Informational", 6: "Transaction (Mode Config)", 32: "Quick Mode", 33: "New Group Mode",
        34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL", 243: "AuthIP Main Mode",
    ]
}

/// IKE notify message type. IKEv1 (RFC 2408 §3.14.1) and IKEv2 (RFC 7296 §3.10.1) share the
/// error numbers 1–30 with a few different meanings, so names depend on the version.
public struct IKENotifyType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let invalidMajorVersion = Self(rawValue: 5)
    public static let invalidSyntax = Self(rawValue: 7)
    public static let noProposalChosen = Self(rawValue: 14)
    public static let payloadMalformed = Self(rawValue: 16)
    /// IKEv2 INVALID_KE_PAYLOAD (IKEv1: INVALID-KEY-INFORMATION).
    public static let invalidKEPayload = Self(rawValue: 17)
    public static let invalidIDInformation = Self(rawValue: 18)
    public static let invalidHashInformation = Self(rawValue: 23)
    public static let authenticationFailed = Self(rawValue: 24)
    public static let tsUnacceptable = Self(rawValue: 38)
    public static let natDetectionSourceIP = Self(rawValue: 16388)
    public static let natDetectionDestinationIP = Self(rawValue: 16389)
    public static let cookie = Self(rawValue: 16390)
    public static let fragmentationSupported = Self(rawValue: 16430)

    /// Error notifies are below 16384 (both versions).
    public var isError: Bool { self.rawValue < 8192 }

    public static let names: [UInt16: String] = [
        1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI", 5: "INVALID_MAJOR_VERSION", 7: "INVALID_SYNTAX",
        9: "INVALID_MESSAGE_ID", 11: "INVALID_SPI", 14: "NO_PROPOSAL_CHOSEN", 17: "INVALID_KE_PAYLOAD",
        24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED", 35: "NO_ADDITIONAL_SAS",
        36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED", 38: "TS_UNACCEPTABLE", 39: "INVALID_SELECTORS",
        43: "TEMPORARY_FAILURE", 44: "CHILD_SA_NOT_FOUND", 16384: "INITIAL_CONTACT", 16388: "NAT_DETECTION_SOURCE_IP",
        16389: "NAT_DETECTION_DESTINATION_IP", 16390: "COOKIE", 16392: "HTTP_CERT_LOOKUP_SUPPORTED",
        16393: "REKEY_SA", 16394: "ESP_TFC_PADDING_NOT_SUPPORTED", 16395: "NON_FIRST_FRAGMENTS_ALSO",
        16404: "MULTIPLE_AUTH_SUPPORTED", 16407: "REDIRECT", 16430: "IKEV2_FRAGMENTATION_SUPPORTED",
        16431: "SIGNATURE_HASH_ALGORITHMS",
    ]

    public static let v1Names: [UInt16: String] = [
        1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED", 4: "INVALID-COOKIE",
        5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION", 7: "INVALID-EXCHANGE-TYPE", 8: "INVALID-FLAGS",
        9: "INVALID-MESSAGE-ID", 10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI", 12: "INVALID-TRANSFORM-ID",
        13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN", 15: "BAD-PROPOSAL-SYNTAX", 16: "PAYLOAD-MALFORMED",
        17: "INVALID-KEY-INFORMATION", 18: "INVALID-ID-INFORMATION", 19: "INVALID-CERT-ENCODING",
        20: "INVALID-CERTIFICATE", 21: "CERT-TYPE-UNSUPPORTED", 22: "INVALID-CERT-AUTHORITY",
        23: "INVALID-HASH-INFORMATION", 24: "AUTHENTICATION-FAILED", 25: "INVALID-SIGNATURE",
        26: "ADDRESS-NOTIFICATION", 27: "NOTIFY-SA-LIFETIME", 28: "CERTIFICATE-UNAVAILABLE",
        29: "UNSUPPORTED-EXCHANGE-TYPE", 30: "UNEQUAL-PAYLOAD-LENGTHS", 24576: "RESPONDER-LIFETIME",
        24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT", 36136: "R-U-THERE", 36137: "R-U-THERE-ACK",
    ]

    /// The registry name for `version` (1 or 2).
    public func name(version: UInt8) -> String {
        (version == 1 ? Self.v1Names[self.rawValue] : Self.names[self.rawValue]) ?? "unknown(\(self.rawValue))"
    }
}

/// Names of algorithm IDs, for weak-proposal advice and reports (IKEv1 RFC 2409 App. A; IKEv2
/// IANA "Transform Type" registries).
public enum IKEAlgorithmNames {
    public static func name(_ a: IKEAlgorithm, version: UInt8) -> String {
        let table: [UInt16: String]
        switch (a.kind, version) {
        case (.encryption, 1): table = [1: "DES", 2: "IDEA", 3: "Blowfish", 5: "3DES", 6: "CAST", 7: "AES-CBC"]
        case (.encryption, _): table = [2: "DES", 3: "3DES", 11: "NULL", 12: "AES-CBC", 13: "AES-CTR", 18: "AES-GCM-8",
                                        19: "AES-GCM-12", 20: "AES-GCM-16", 28: "ChaCha20-Poly1305"]
        case (.hash, _): table = [1: "MD5", 2: "SHA1", 3: "Tiger", 4: "SHA2-256", 5: "SHA2-384", 6: "SHA2-512"]
        case (.prf, _): table = [1: "PRF_HMAC_MD5", 2: "PRF_HMAC_SHA1", 4: "PRF_AES128_XCBC", 5: "PRF_HMAC_SHA2_256",
                                 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512"]
        case (.integrity, _): table = [1: "HMAC_MD5_96", 2: "HMAC_SHA1_96", 5: "AES-XCBC-96", 12: "HMAC_SHA2_256_128",
                                       13: "HMAC_SHA2_384_192", 14: "HMAC_SHA2_512_256"]
        case (.dhGroup, _): table = [1: "modp768", 2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072",
                                     16: "modp4096", 19: "ecp256", 20: "ecp384", 21: "ecp521", 31: "curve25519"]
        case (.authMethod, _): table = [1: "PSK", 2: "DSS", 3: "RSA-sig", 4: "RSA-enc", 9: "ECDSA",
                                        64221: "HybridInitRSA", 65001: "XAUTHInitPreShared", 65005: "XAUTHInitRSA"]
        }
        let base = table[a.id] ?? "\(a.kind.rawValue)(\(a.id))"
        if let k = a.keyLength { return "\(base)-\(k)" }
        return base
    }

    /// True for algorithms considered broken or too weak today.
    public static func isWeak(_ a: IKEAlgorithm, version: UInt8) -> Bool {
        switch (a.kind, version) {
        case (.encryption, 1): return a.id == 1 || a.id == 5
        case (.encryption, _): return a.id == 2 || a.id == 3 || a.id == 11
        case (.hash, _): return a.id == 1
        case (.prf, _), (.integrity, _): return a.id == 1
        case (.dhGroup, _): return a.id == 1 || a.id == 2
        case (.authMethod, _): return false
        }
    }
}

/// Well-known vendor IDs (the prefix is enough to recognise them).
public enum IKEVendorIDs {
    /// "MS NT5 ISAKMPOAKLEY" — MD5 1e2b516905991c7d7c96fcbfb587e461 followed by a version.
    public static let microsoft: [UInt8] = [0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d,
                                            0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61]
    /// RFC 3947 NAT-T — 4a131c81070358455c5728f20e95452f.
    public static let rfc3947: [UInt8] = [0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
                                          0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f]

    public static func isMicrosoft(_ vid: [UInt8]) -> Bool { vid.starts(with: microsoft) }
}
