/// TLS records (RFC 8446 §5.1) as far as they are in clear: the one reader of TLS bytes, used for
/// TLS-VPN connections on TCP (one segment at a time, `TLSSegment`) and for the TLS inside
/// OpenVPN's control channel (`OpenVPNTracker`). It reads what names a VPN and tells whether its
/// handshake went through: the hellos (server name, ALPN, versions), alerts, and each record's type.
public struct TLSRecord: Sendable, Hashable, Codable {
    /// 20 ChangeCipherSpec, 21 alert, 22 handshake, 23 application data.
    public var contentType: UInt8
    public var version: UInt16
    /// The record's declared length (its body may go on in later segments).
    public var length: Int
    /// The handshake message types that start in the bytes we have (type 22 only).
    public var handshakeTypes: [UInt8] = []
    /// A 2-byte alert body: in clear (an encrypted alert is longer: its tag).
    public var alertLevel: UInt8?
    public var alertDescription: UInt8?
    /// The ClientHello or ServerHello the record starts with, read as far as its bytes go.
    public var hello: TLSHello?

    public static let handshake: UInt8 = 22
    public static let alert: UInt8 = 21
    public static let applicationData: UInt8 = 23
    public static let changeCipherSpec: UInt8 = 20

    /// True when bytes reading `type`, `version` and `length` start a TLS record: the one recognition
    /// rule (the dissector and `Classifier.wire` both ask it).
    @inline(__always)
    public static func recognises(type: UInt8, version: UInt16, length: Int) -> Bool {
        (20...23).contains(type) && version >> 8 == 3 && version & 0xFF <= 4 && length > 0 && length <= (1 << 14) + 2048
    }

    /// The record at the start of `bytes` (header and as much of its body as is there); nil when
    /// `bytes` does not start like one.
    public init?(_ bytes: ArraySlice<UInt8>) {
        guard bytes.count >= 5 else { return nil }
        let b = bytes.startIndex
        let version = UInt16(bytes[b + 1]) << 8 | UInt16(bytes[b + 2])
        let length = Int(bytes[b + 3]) << 8 | Int(bytes[b + 4])
        guard Self.recognises(type: bytes[b], version: version, length: length) else { return nil }
        (self.contentType, self.version, self.length) = (bytes[b], version, length)
        let body = bytes[(b + 5)..<min(bytes.endIndex, b + 5 + length)]
        switch self.contentType {
        case Self.alert where length == 2 && body.count == 2:
            (self.alertLevel, self.alertDescription) = (body[body.startIndex], body[body.startIndex + 1])
        case Self.handshake:
            var i = body.startIndex
            while body.endIndex - i >= 4, self.handshakeTypes.count < 8 {
                self.handshakeTypes.append(body[i])
                i += 4 + (Int(body[i + 1]) << 16 | Int(body[i + 2]) << 8 | Int(body[i + 3]))
            }
            self.hello = TLSHello(body)
        default: break
        }
    }

    /// A capture filter (BPF) for the TCP segments of `port` a TLS reader needs: SYN, FIN and RST
    /// (whether the connection was answered and how it ended) and segments that start with a TLS
    /// record header (type 20–23, major version 3). Bulk segments that continue a record are left
    /// out: on a busy HTTPS port that is most of them.
    public static func captureFilter(port: UInt16) -> String {
        let payload = "((tcp[12] & 0xf0) >> 2)"
        return "(tcp port \(port) and (tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0"
            + " or (tcp[\(payload)] & 0xfc = 20 and tcp[\(payload) + 1] = 3)))"
    }

    /// The records at the start of `bytes`, one after another, the last possibly cut short; at most
    /// `limit`.
    public static func records(in bytes: ArraySlice<UInt8>, limit: Int = 8) -> [TLSRecord] {
        var found: [TLSRecord] = [], at = bytes.startIndex
        while found.count < limit, let record = TLSRecord(bytes[at...]) {
            found.append(record)
            at += 5 + record.length
            guard at < bytes.endIndex else { break }
        }
        return found
    }

    /// The whole byte count of the record (header included).
    public var wireLength: Int { 5 + self.length }
    public var alertName: String? { self.alertDescription.map(TLSNames.alert) }
    public var handshakeNames: [String] { self.handshakeTypes.map(TLSNames.handshake) }
}

/// What a ClientHello or ServerHello shows in clear (RFC 8446 §4.1.2–4.1.3, RFC 6066 §3, RFC 7301).
public struct TLSHello: Sendable, Hashable, Codable {
    public var isClient: Bool
    /// The legacy version field (0x0303 for TLS 1.2 and 1.3).
    public var legacyVersion: UInt16
    /// server_name (SNI).
    public var serverName: String?
    /// ALPN: what the client offers, or what the server chose.
    public var alpn: [String] = []
    /// supported_versions: the client's offer, or the one the server chose (TLS 1.3).
    public var supportedVersions: [UInt16] = []
    /// The extensions were read to their end (a ClientHello split over segments is not).
    public var complete = false

    /// The version the server chose: supported_versions, else the legacy field.
    public var version: UInt16 { self.isClient ? self.supportedVersions.max() ?? self.legacyVersion : self.supportedVersions.first ?? self.legacyVersion }

    /// Reads a handshake body starting with a ClientHello (1) or ServerHello (2); nil for others.
    init?(_ body: ArraySlice<UInt8>) {
        var r = SliceReader(body)
        guard let type = r.u8(), type == 1 || type == 2, r.skip(3), let legacy = r.u16(), legacy >> 8 == 3, r.skip(32),
              let sessionID = r.u8(), r.skip(Int(sessionID)) else { return nil }
        (self.isClient, self.legacyVersion) = (type == 1, legacy)
        if self.isClient {
            guard let suites = r.u16(), r.skip(Int(suites)), let compression = r.u8(), r.skip(Int(compression)) else { return }
        } else {
            guard r.skip(3) else { return }  // cipher suite, compression method
        }
        guard let total = r.u16() else { return }
        var ext = SliceReader(r.take(Int(total)))
        let whole = ext.count == Int(total)
        while let type = ext.u16(), let length = ext.u16() {
            var data = SliceReader(ext.take(Int(length)))
            guard data.count == Int(length) else { return }  // cut short: what came before stands
            switch type {
            case 0 where self.isClient:  // server_name: list length, then (type 0, 2-byte length, name)
                if data.skip(2), data.u8() == 0, let n = data.u16() { self.serverName = String(decoding: data.take(Int(n)), as: UTF8.self) }
            case 16:  // ALPN: list length, then (1-byte length, name)…
                _ = data.skip(2)
                while let n = data.u8(), self.alpn.count < 8 { self.alpn.append(String(decoding: data.take(Int(n)), as: UTF8.self)) }
            case 43:  // supported_versions: the client's list (1-byte length), the server's one version
                if self.isClient { _ = data.skip(1) }
                while let v = data.u16(), self.supportedVersions.count < 16 { self.supportedVersions.append(v) }
            default: break
            }
        }
        self.complete = whole && ext.count == 0
    }

    /// "TLS 1.3", "TLS 1.2"…
    public static func name(_ version: UInt16) -> String {
        switch version {
        case 0x0300: "SSL 3.0"
        case 0x0301...0x0304: "TLS 1.\(version - 0x0301)"
        default: "0x" + String(version, radix: 16)
        }
    }
}

/// A bounds-checked cursor over a byte slice: every read is nil, never a trap, past the end.
struct SliceReader {
    private var bytes: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    var count: Int { self.bytes.count }
    mutating func u8() -> UInt8? {
        guard let first = self.bytes.first else { return nil }
        self.skip(1)
        return first
    }
    mutating func u16() -> UInt16? {
        guard self.bytes.count >= 2 else { return nil }
        defer { self.skip(2) }
        return UInt16(self.bytes[self.bytes.startIndex]) << 8 | UInt16(self.bytes[self.bytes.startIndex + 1])
    }
    @discardableResult mutating func skip(_ n: Int) -> Bool {
        guard self.bytes.count >= n else { return false }
        self.bytes = self.bytes.dropFirst(n)
        return true
    }
    /// Up to `n` bytes (fewer at the end).
    mutating func take(_ n: Int) -> ArraySlice<UInt8> {
        let taken = self.bytes.prefix(n)
        self.skip(taken.count)
        return taken
    }
}

/// The TLS records a TCP segment on a TLS-VPN port starts with (`ProtocolRegistry`'s `.tls`
/// entries): read one segment at a time, only from a segment that starts at a record boundary.
public struct TLSSegment: Sendable, Hashable, Codable {
    public var records: [TLSRecord]

    /// At most this many bytes of a segment are read (a ClientHello is well under it).
    static let maxRead = 4096

    /// The segment's records; nil, consuming nothing, when it does not start like one.
    public init?(from r: inout ByteReader) throws(DecodeError) {
        guard r.remaining >= 5,
              TLSRecord.recognises(type: try r.peek(UInt8.self), version: try r.peek(UInt16.self, at: 1),
                                   length: Int(try r.peek(UInt16.self, at: 3))) else { return nil }
        r.layer = .tls
        let bytes = try r.readBytes(min(r.remaining, Self.maxRead))
        self.records = TLSRecord.records(in: bytes[...])
        if r.remaining > 0 { try r.skip(r.remaining) }
    }

    public var summary: String {
        "TLS " + self.records.map { record in
            var s = TLSNames.contentType(record.contentType)
            if !record.handshakeTypes.isEmpty { s += " " + record.handshakeNames.joined(separator: ",") }
            if let sni = record.hello?.serverName { s += " SNI=\(sni)" }
            if let alert = record.alertName { s += " \(record.alertLevel == 2 ? "fatal" : "warning") \(alert)" }
            return s
        }.joined(separator: "; ")
    }
}

/// Names of TLS content types, handshake messages and alerts (RFC 8446 §4, §5.1, §6; RFC 5246 §7.2).
public enum TLSNames {
    public static func contentType(_ type: UInt8) -> String {
        [20: "ChangeCipherSpec", 21: "Alert", 22: "Handshake", 23: "ApplicationData"][type] ?? "type(\(type))"
    }

    public static func handshake(_ type: UInt8) -> String {
        [1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 8: "EncryptedExtensions", 11: "Certificate",
         12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone", 15: "CertificateVerify",
         16: "ClientKeyExchange", 20: "Finished"][type] ?? "handshake(\(type))"
    }

    public static func alert(_ description: UInt8) -> String {
        [0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow", 40: "handshake_failure",
         42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
         46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
         51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
         86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension", 110: "unsupported_extension",
         112: "unrecognized_name", 113: "bad_certificate_status_response", 115: "unknown_psk_identity",
         116: "certificate_required", 120: "no_application_protocol"][description] ?? "alert(\(description))"
    }
}
