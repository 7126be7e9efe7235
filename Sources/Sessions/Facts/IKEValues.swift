import Capture
import Decoding

/// ISAKMP/IKE exchange type of either version. The IKEv1 (RFC 2408/2409) and IKEv2 (RFC 7296,
/// from 34 up) registries do not overlap, so one value serves both; names come from the decoders'
/// `IKEv1ExchangeType` and `IKEv2ExchangeType`.
public struct IKEExchange: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// IKEv1 Main Mode.
    public static let identityProtection = Self(rawValue: IKEv1ExchangeType.identityProtection.rawValue)
    public static let aggressive = Self(rawValue: IKEv1ExchangeType.aggressive.rawValue)
    public static let informationalV1 = Self(rawValue: IKEv1ExchangeType.informational.rawValue)
    public static let transaction = Self(rawValue: IKEv1ExchangeType.transaction.rawValue)
    public static let quickMode = Self(rawValue: IKEv1ExchangeType.quickMode.rawValue)
    public static let ikeSAInit = Self(rawValue: 34)
    public static let ikeAuth = Self(rawValue: 35)
    public static let createChildSA = Self(rawValue: 36)
    public static let informational = Self(rawValue: IKEv2ExchangeType.informational.rawValue)
    public static let names: [UInt8: String] = IKEv1ExchangeType.names.merging(IKEv2ExchangeType.names) { v1, _ in v1 }
}

/// IKE notify message type of either version. IKEv1 (RFC 2408 §3.14.1) and IKEv2 (RFC 7296
/// §3.10.1) share the error numbers 1–30 with a few different meanings (17 is IKEv1
/// INVALID-KEY-INFORMATION but IKEv2 INVALID_KE_PAYLOAD), so names depend on the version.
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

    /// Error notifies are below 8192 in both versions (16384 and up are status types).
    public var isError: Bool { self.rawValue >= 1 && self.rawValue < 8192 }

    public static let names: [UInt16: String] = IKEv2NotifyType.names

    /// The registry name for `version` (1 or 2).
    public func name(version: UInt8) -> String {
        version == 1 ? IKEv1NotifyType(rawValue: self.rawValue).description : IKEv2NotifyType(rawValue: self.rawValue).description
    }
}

/// Names and strength of algorithm IDs, from the decoders' registries (IKEv1 RFC 2409 App. A;
/// IKEv2 IANA "Transform Type" tables).
public enum IKEAlgorithmNames {
    public static func name(_ a: IKEAlgorithm, version: UInt8) -> String {
        let base: String
        switch (a.kind, version) {
        case (.encryption, 1): base = IKEv1EncryptionAlgorithm(rawValue: a.id).description
        case (.encryption, _): base = IKEv2TransformID(type: .encryption, rawValue: a.id).description
        case (.hash, _): base = IKEv1HashAlgorithm(rawValue: a.id).description
        case (.prf, _): base = IKEv2TransformID(type: .prf, rawValue: a.id).description
        case (.integrity, _): base = IKEv2TransformID(type: .integrity, rawValue: a.id).description
        case (.dhGroup, _): base = "DH group \(a.id) (\(DHGroup(rawValue: a.id)))"
        case (.authMethod, _): base = IKEv1AuthMethod(rawValue: a.id).description
        }
        if let k = a.keyLength { return "\(base)-\(k)" }
        return base
    }

    /// True for algorithms considered broken or too weak today (RFC 8247 for IKEv2; DES, 3DES, MD5,
    /// DH groups 1, 2, 5, 22–24).
    public static func isWeak(_ a: IKEAlgorithm, version: UInt8) -> Bool {
        switch (a.kind, version) {
        case (.encryption, 1): return a.id == 1 || a.id == 5
        case (.encryption, _): return [1, 2, 3, 9, 11].contains(a.id)
        case (.hash, _): return a.id == 1
        case (.prf, _), (.integrity, _): return a.id == 1
        case (.dhGroup, _): return DHGroup(rawValue: a.id).isWeak
        case (.authMethod, _): return false
        }
    }
}

/// Vendor IDs the analyzer acts on, recognised by the decoders' `KnownVendorID` table.
public enum IKEVendorIDs {
    /// "MS NT5 ISAKMPOAKLEY": a Windows peer.
    public static func isMicrosoft(_ vid: [UInt8]) -> Bool { KnownVendorID.match(vid)?.feature == .microsoft }
}
