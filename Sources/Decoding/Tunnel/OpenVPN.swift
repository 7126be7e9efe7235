import Capture

/// OpenVPN opcode: the high five bits of a packet's first byte (the low three are the key ID) —
/// OpenVPN's `ssl_pkt.h`; the names are the protocol's own (Wireshark's `openvpn.opcode`).
public struct OpenVPNOpcode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let hardResetClientV1 = Self(rawValue: 1)
    public static let hardResetServerV1 = Self(rawValue: 2)
    public static let softResetV1 = Self(rawValue: 3)
    public static let controlV1 = Self(rawValue: 4)
    public static let ackV1 = Self(rawValue: 5)
    public static let dataV1 = Self(rawValue: 6)
    public static let hardResetClientV2 = Self(rawValue: 7)
    public static let hardResetServerV2 = Self(rawValue: 8)
    public static let dataV2 = Self(rawValue: 9)
    /// tls-crypt-v2: the client's wrapped key follows the packet.
    public static let hardResetClientV3 = Self(rawValue: 10)
    public static let controlWKCV1 = Self(rawValue: 11)
    public static let names: [UInt8: String] = [
        1: "P_CONTROL_HARD_RESET_CLIENT_V1", 2: "P_CONTROL_HARD_RESET_SERVER_V1", 3: "P_CONTROL_SOFT_RESET_V1",
        4: "P_CONTROL_V1", 5: "P_ACK_V1", 6: "P_DATA_V1", 7: "P_CONTROL_HARD_RESET_CLIENT_V2",
        8: "P_CONTROL_HARD_RESET_SERVER_V2", 9: "P_DATA_V2", 10: "P_CONTROL_HARD_RESET_CLIENT_V3",
        11: "P_CONTROL_WKC_V1",
    ]

    public var isData: Bool { self == .dataV1 || self == .dataV2 }
    public var isClientReset: Bool { self == .hardResetClientV1 || self == .hardResetClientV2 || self == .hardResetClientV3 }
    public var isServerReset: Bool { self == .hardResetServerV1 || self == .hardResetServerV2 }
    /// tls-crypt-v2 opcodes: the control channel is always encrypted.
    var isTLSCryptV2: Bool { self == .hardResetClientV3 || self == .controlWKCV1 }
    var isKnown: Bool { (1...11).contains(self.rawValue) }
}

/// One OpenVPN packet — OpenVPN's `ssl_pkt.h` / `reliable.c` wire format (no RFC): over UDP one per
/// datagram, over TCP each behind a 2-byte length.
///
/// Control packets: opcode/key ID, the sender's 8-byte session ID, then with `--tls-auth` an HMAC
/// and a replay packet ID + time; an ACK array (at most 8 IDs, then the peer's session ID when
/// not empty); a message packet ID (not in `P_ACK_V1`); TLS bytes. With `--tls-crypt` everything
/// after the replay packet ID and time (a 32-byte tag, then the ACKs, IDs and TLS) is encrypted.
/// The HMAC's size is configured, not on the wire: it is the one size at which the rest of the
/// packet parses (`Layout`). Data packets: opcode/key ID (`P_DATA_V2`: and a 3-byte peer ID), then
/// encrypted data.
public struct OpenVPN: Sendable, Equatable {
    /// HMAC sizes tried, most common first: none, SHA-1, SHA-256, MD5, SHA-224, SHA-384, SHA-512.
    static let hmacSizes = [0, 20, 32, 16, 28, 48, 64]
    /// OpenVPN acknowledges at most 8 packet IDs per packet (`RELIABLE_ACK_SIZE`).
    public static let maxAcks = 8
    /// tls-crypt's authentication tag (HMAC-SHA256).
    public static let tlsCryptTagSize = 32
    /// Packet IDs (message and replay) count from 0 or 1 per session and key; one this large in the
    /// field that should hold it means the layout is wrong.
    static let maxPlausiblePacketID: UInt32 = 1 << 24
    /// `net_time` (seconds since 1970) before 2001 means the layout is wrong.
    static let minPlausibleTime: UInt32 = 1_000_000_000

    public var opcode: OpenVPNOpcode
    public var keyID: UInt8
    /// Over TCP: the length prefix (bytes after it).
    public var length: Int?
    /// `P_DATA_V2`'s peer ID.
    public var peerID: UInt32?
    public var sessionID: UInt64?
    /// tls-auth's HMAC size in bytes (0: none); nil for data and tls-crypt packets.
    public var hmacSize: Int?
    /// tls-crypt (v1 or v2): the control channel after the replay packet ID and time is encrypted.
    public var tlsCrypt: Bool
    /// The HMAC (tls-auth) or authentication tag (tls-crypt).
    public var hmac: [UInt8]
    /// The replay-protection packet ID and time (tls-auth and tls-crypt).
    public var replayPacketID: UInt32?
    public var netTime: UInt32?
    public var acks: [UInt32]
    public var remoteSessionID: UInt64?
    public var messagePacketID: UInt32?
    /// Control: the TLS bytes carried (a piece of the TLS stream; empty for resets and ACKs).
    public var tls: [UInt8]
    /// Where the packet's payload (TLS or encrypted data) sits in the frame.
    public var payload: ByteRange

    /// Where the fields of a control packet sit, found without reading them into arrays (the
    /// recognition heuristic runs on the wire path and must not allocate).
    struct Layout {
        var hmacSize: Int
        var tlsCrypt: Bool
    }

    /// Decodes one packet filling the reader (UDP), or one length-prefixed packet (TCP), leaving `r`
    /// after it.
    public init(from r: inout ByteReader, tcp: Bool) throws(DecodeError) {
        r.layer = .openvpn
        var m: ByteReader
        if tcp {
            let start = r.offset
            let length = Int(try r.read(UInt16.self))
            guard length >= 1 else {
                throw DecodeError(.lengthFieldTooSmall, layer: .openvpn, offset: start, needed: 1, available: length,
                                  lengthSource: .openvpnLength)
            }
            m = try r.sub(length, source: .openvpnLength)
            self.length = length
        } else {
            m = r
            try r.skip(r.remaining)
            self.length = nil
        }
        let first = try m.read(UInt8.self)
        self.opcode = OpenVPNOpcode(rawValue: first >> 3)
        self.keyID = first & 0x07
        self.peerID = nil
        self.sessionID = nil
        self.hmacSize = nil
        self.tlsCrypt = false
        self.hmac = []
        self.replayPacketID = nil
        self.netTime = nil
        self.acks = []
        self.remoteSessionID = nil
        self.messagePacketID = nil
        self.tls = []
        guard self.opcode.isKnown else { throw m.malformed("unknown OpenVPN opcode") }
        if self.opcode.isData {
            if self.opcode == .dataV2 { self.peerID = UInt32(try m.read(UInt16.self)) << 8 | UInt32(try m.read(UInt8.self)) }
            self.payload = m.rest
            return
        }
        guard let layout = Self.layout(m, opcode: self.opcode) else {
            // Cut by the snaplen (the reader ends where the capture does): the layout may be whole
            // further on.
            if m.lengthSource == .captureLength { throw m.truncated(m.remaining + 1) }
            throw m.malformed("OpenVPN control packet parses with no HMAC size")
        }
        self.sessionID = try m.read(UInt64.self)
        self.tlsCrypt = layout.tlsCrypt
        if layout.tlsCrypt {
            self.replayPacketID = try m.read(UInt32.self)
            self.netTime = try m.read(UInt32.self)
            self.hmac = try m.readBytes(Self.tlsCryptTagSize)
            self.payload = m.rest
            return
        }
        self.hmacSize = layout.hmacSize
        if layout.hmacSize > 0 {
            self.hmac = try m.readBytes(layout.hmacSize)
            self.replayPacketID = try m.read(UInt32.self)
            self.netTime = try m.read(UInt32.self)
        }
        let count = Int(try m.read(UInt8.self))
        for _ in 0..<count { self.acks.append(try m.read(UInt32.self)) }
        if count > 0 { self.remoteSessionID = try m.read(UInt64.self) }
        if self.opcode != .ackV1 { self.messagePacketID = try m.read(UInt32.self) }
        self.payload = m.rest
        if self.opcode == .controlV1 { self.tls = m.readRemainingBytes() }
    }

    /// The layout at which a control packet (reader just after the opcode byte) parses: an HMAC size
    /// (`hmacSizes`) at which ACK count, packet IDs and time are plausible and the packet ends where
    /// its opcode says (`P_ACK_V1` and resets with nothing after; `P_CONTROL_V1` with TLS bytes), or
    /// tls-crypt (a plausible replay packet ID and time where the ACK count would be). Packets of a
    /// fixed length are tried without HMAC first; `P_CONTROL_V1`, whose length proves nothing, is
    /// tried without HMAC last, because its message packet ID is just as plausible read from the
    /// start of tls-crypt's replay packet ID. Nil when nothing parses (`allowTLSCrypt` false: the
    /// recognition heuristic, which tls-crypt's opaque bytes would pass too often).
    static func layout(_ r: ByteReader, opcode: OpenVPNOpcode, allowTLSCrypt: Bool = true) -> Layout? {
        guard r.remaining >= 8 + 1 + (opcode == .ackV1 ? 0 : 4) else { return nil }
        let plainFirst = opcode != .controlV1
        if !opcode.isTLSCryptV2 {
            for size in Self.hmacSizes where size > 0 || plainFirst {
                if Self.parses(r, hmacSize: size, opcode: opcode) { return Layout(hmacSize: size, tlsCrypt: false) }
            }
        }
        if allowTLSCrypt, r.remaining >= 8 + 8 + Self.tlsCryptTagSize,
           let id = try? r.peek(UInt32.self, at: 8), let time = try? r.peek(UInt32.self, at: 12),
           Self.plausible(packetID: id, time: time, anyID: true) {
            return Layout(hmacSize: 0, tlsCrypt: true)
        }
        if !plainFirst, !opcode.isTLSCryptV2, Self.parses(r, hmacSize: 0, opcode: opcode) {
            return Layout(hmacSize: 0, tlsCrypt: false)
        }
        return nil
    }

    /// A replay packet ID and time as OpenVPN sends them: counting from 1 (tls-crypt-v2 clients set
    /// high bits: only 0 is implausible there), and a time between 2001 and 2038.
    static func plausible(packetID: UInt32, time: UInt32, anyID: Bool = false) -> Bool {
        packetID > 0 && (anyID || packetID < Self.maxPlausiblePacketID) && time >= Self.minPlausibleTime && time < 1 << 31
    }

    /// Whether the packet parses with an HMAC of `hmacSize` bytes.
    private static func parses(_ r: ByteReader, hmacSize: Int, opcode: OpenVPNOpcode) -> Bool {
        var t = r
        do throws(DecodeError) {
            try t.skip(8 + hmacSize)
            if hmacSize > 0 {
                guard Self.plausible(packetID: try t.read(UInt32.self), time: try t.read(UInt32.self)) else { return false }
            }
            let count = Int(try t.read(UInt8.self))
            guard count <= Self.maxAcks else { return false }
            try t.skip(count * 4 + (count > 0 ? 8 : 0))
            if opcode != .ackV1 {
                guard try t.read(UInt32.self) < Self.maxPlausiblePacketID else { return false }
            }
            switch opcode {
            case .controlV1: return !t.isEmpty
            case .ackV1: return count > 0 && t.isEmpty
            default: return t.isEmpty || Self.isEarlyNegotiation(t)
            }
        } catch {
            return false
        }
    }

    /// OpenVPN 2.6's early-negotiation TLVs after a client's hard reset (type 1 `EARLY_NEG_FLAGS`,
    /// 2-byte length, value), filling the rest exactly.
    private static func isEarlyNegotiation(_ r: ByteReader) -> Bool {
        var t = r
        var tlvs = 0
        while !t.isEmpty, tlvs < 8 {
            guard (try? t.read(UInt16.self)) != nil, let length = try? t.read(UInt16.self),
                  (try? t.skip(Int(length))) != nil else { return false }
            tlvs += 1
        }
        return t.isEmpty && tlvs > 0
    }

    /// Whether a UDP payload on a port without a registry entry is an OpenVPN control packet: a
    /// known control opcode whose layout parses exactly (see `layout`), with key ID 0 for a hard
    /// reset. Data packets have no structure to recognise; the analyzer counts them by the endpoints
    /// of the sessions it has seen. Does not allocate.
    public static func recognised(_ r: ByteReader) -> Bool {
        guard let first = try? r.peek(UInt8.self) else { return false }
        let opcode = OpenVPNOpcode(rawValue: first >> 3)
        guard opcode.isKnown, !opcode.isData else { return false }
        if opcode.isClientReset || opcode.isServerReset, first & 0x07 != 0 { return false }
        var t = r
        guard (try? t.skip(1)) != nil else { return false }
        return Self.layout(t, opcode: opcode, allowTLSCrypt: false) != nil
    }

    public var summary: String {
        var parts = ["OpenVPN \(self.opcode) key=\(self.keyID)"]
        if let id = self.peerID { parts.append("peer=\(id)") }
        if let id = self.sessionID { parts.append("sid=\(hex64(id))") }
        if self.tlsCrypt { parts.append("tls-crypt") } else if let size = self.hmacSize, size > 0 { parts.append("hmac=\(size)") }
        if !self.acks.isEmpty { parts.append("ack=\(self.acks.map(String.init).joined(separator: ","))") }
        if let id = self.messagePacketID { parts.append("pid=\(id)") }
        if !self.tls.isEmpty { parts.append("tls=\(self.tls.count)") }
        if self.opcode.isData { parts.append("len=\(self.payload.count)") }
        return parts.joined(separator: " ")
    }
}

/// 16 hex digits (OpenVPN session IDs as OpenVPN logs them).
public func hex64(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}

extension OpenVPN: Encodable {
    private enum CodingKeys: String, CodingKey {
        case opcode, keyID, length, peerID, sessionID, hmacSize, tlsCrypt, replayPacketID, netTime, acks
        case remoteSessionID, messagePacketID, tlsBytes, payload
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.opcode, forKey: .opcode)
        try c.encode(self.keyID, forKey: .keyID)
        try c.encodeIfPresent(self.length, forKey: .length)
        try c.encodeIfPresent(self.peerID, forKey: .peerID)
        try c.encodeIfPresent(self.sessionID.map(hex64), forKey: .sessionID)
        try c.encodeIfPresent(self.hmacSize, forKey: .hmacSize)
        try c.encode(self.tlsCrypt, forKey: .tlsCrypt)
        try c.encodeIfPresent(self.replayPacketID, forKey: .replayPacketID)
        try c.encodeIfPresent(self.netTime, forKey: .netTime)
        if !self.acks.isEmpty { try c.encode(self.acks, forKey: .acks) }
        try c.encodeIfPresent(self.remoteSessionID.map(hex64), forKey: .remoteSessionID)
        try c.encodeIfPresent(self.messagePacketID, forKey: .messagePacketID)
        if !self.tls.isEmpty { try c.encode(self.tls.count, forKey: .tlsBytes) }
        try c.encode(self.payload, forKey: .payload)
    }
}
