import Capture

/// The L2TP header — RFC 2661 §3.1 (version 2 over UDP 1701), RFC 3931 §4.1.2.1 (version 3 over
/// UDP) and §4.1.1.1 (version 3 over IP protocol 115). Data messages are data plane: this header
/// holds plain values and the PPP payload stays in the frame. Control messages are followed by an
/// `L2TPControl` layer with their AVPs.
public struct L2TP: Hashable, Sendable, Codable {
    /// How the message arrived: over UDP (v2 or v3 header) or directly over IP (v3).
    public enum Transport: String, Hashable, Sendable, Codable { case udp, ip }

    public var transport: Transport
    /// The flags and version word (0 for an L2TPv3-over-IP data message, which has none).
    public var flagsAndVersion: UInt16
    /// Header's length field (L bit), whole message.
    public var length: UInt16?
    /// v2: tunnel ID; v3: control connection ID (0 for data messages).
    public var tunnelID: UInt32
    /// v2: session ID; v3: session ID (0 for control messages).
    public var sessionID: UInt32
    public var ns: UInt16?
    public var nr: UInt16?
    /// Offset Size (O bit, v2): padding bytes skipped before the payload.
    public var offsetSize: UInt16?
    public var payload: ByteRange

    public static let typeBit: UInt16 = 0x8000
    public static let lengthBit: UInt16 = 0x4000
    public static let sequenceBit: UInt16 = 0x0800
    public static let offsetBit: UInt16 = 0x0200
    public static let priorityBit: UInt16 = 0x0100

    public var version: UInt8 { self.transport == .ip && self.sessionID != 0 ? 3 : UInt8(self.flagsAndVersion & 0x000F) }
    /// T bit: control message.
    public var isControl: Bool { self.flagsAndVersion & Self.typeBit != 0 }
    /// A control message with no AVPs: a Zero-Length Body acknowledgment (RFC 2661 §5.8).
    public var isZLB: Bool { self.isControl && self.payload.count == 0 }

    /// Decodes an L2TP header carried over UDP and leaves `r` on the payload (PPP for v2 data,
    /// AVPs for control messages).
    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .l2tp
        let start = r.offset
        self.transport = .udp
        self.flagsAndVersion = try r.read()
        self.length = nil
        self.tunnelID = 0
        self.sessionID = 0
        self.ns = nil
        self.nr = nil
        self.offsetSize = nil
        self.payload = ByteRange(start: r.offset, end: r.offset)
        let flags = self.flagsAndVersion
        switch flags & 0x000F {
        case 2:
            if flags & Self.lengthBit != 0 { self.length = try r.read() }
            self.tunnelID = UInt32(try r.read(UInt16.self))
            self.sessionID = UInt32(try r.read(UInt16.self))
            if flags & Self.sequenceBit != 0 {
                self.ns = try r.read()
                self.nr = try r.read()
            }
            if flags & Self.offsetBit != 0 {
                let size = try r.read(UInt16.self)
                self.offsetSize = size
                try r.skip(Int(size))
            }
        case 3:
            if flags & Self.typeBit != 0 {
                try self.readV3Control(&r, flags: flags)
            } else {
                try r.skip(2)  // reserved
                self.sessionID = try r.read()
                // The cookie length (0, 4 or 8) is configured, not on the wire: stop here.
            }
        default:
            throw DecodeError(.badVersion, layer: .l2tp, offset: start, detail: "L2TP version is not 2 or 3")
        }
        try self.applyLength(&r, start: start)
        self.payload = r.rest
    }

    /// Decodes an L2TPv3 header carried directly over IP (protocol 115, RFC 3931 §4.1.1): a session
    /// ID, which is 0 for control messages (then the control header follows).
    public init(overIP r: inout ByteReader) throws(DecodeError) {
        r.layer = .l2tp
        self.transport = .ip
        self.length = nil
        self.ns = nil
        self.nr = nil
        self.offsetSize = nil
        self.payload = ByteRange(start: r.offset, end: r.offset)
        let session = try r.read(UInt32.self)
        self.sessionID = session
        self.tunnelID = 0
        self.flagsAndVersion = 0
        if session == 0 {
            let start = r.offset
            let flags = try r.read(UInt16.self)
            self.flagsAndVersion = flags
            guard flags & 0x000F == 3 else {
                throw DecodeError(.badVersion, layer: .l2tp, offset: start, detail: "L2TPv3 control version is not 3")
            }
            try self.readV3Control(&r, flags: flags)
            try self.applyLength(&r, start: start)
        }
        self.payload = r.rest
    }

    /// RFC 3931 §3.2.1: length, control connection ID, Ns, Nr after the flags word.
    private mutating func readV3Control(_ r: inout ByteReader, flags: UInt16) throws(DecodeError) {
        if flags & Self.lengthBit != 0 { self.length = try r.read() }
        self.tunnelID = try r.read()
        self.sessionID = 0
        if flags & Self.sequenceBit != 0 {
            self.ns = try r.read()
            self.nr = try r.read()
        }
    }

    /// Narrows `r` to the message length, checked against what was already read.
    private func applyLength(_ r: inout ByteReader, start: Int) throws(DecodeError) {
        guard let length else { return }
        let headerSize = r.offset - start
        guard Int(length) >= headerSize else {
            throw DecodeError(.lengthFieldTooSmall, layer: .l2tp, offset: start + 2, needed: headerSize,
                              available: Int(length), lengthSource: .l2tpLength)
        }
        r.limit(to: Int(length) - headerSize, source: .l2tpLength)
    }

    /// "L2TP data tunnel=1 session=2", "L2TP ZLB tunnel=1 Ns=2 Nr=3".
    public var summary: String {
        var s = "L2TP"
        if self.version == 3 { s += "v3" }
        if !self.isControl { s += " data" } else if self.isZLB { s += " ZLB" }
        s += self.version == 3 && self.isControl ? " ccid=\(self.tunnelID)" : " tunnel=\(self.tunnelID)"
        if self.sessionID != 0 || !self.isControl { s += " session=\(self.sessionID)" }
        if let ns, let nr { s += " Ns=\(ns) Nr=\(nr)" }
        return s
    }
}

/// L2TP control message type — RFC 2661 §3.2 (the Message Type AVP).
public struct L2TPMessageType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let sccrq = Self(rawValue: 1)
    public static let stopCCN = Self(rawValue: 4)
    public static let hello = Self(rawValue: 6)
    public static let cdn = Self(rawValue: 14)
    public static let names: [UInt16: String] = [
        1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ", 8: "OCRP", 9: "OCCN", 10: "ICRQ",
        11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI",
        // RFC 3931 §6 (L2TPv3)
        20: "ACK", 21: "FSQ", 22: "FSR", 23: "SRRQ", 24: "SRRP",
    ]
}

/// L2TP AVP type — RFC 2661 §4.4 (IETF AVPs, vendor 0).
public struct L2TPAVPType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let messageType = Self(rawValue: 0)
    public static let resultCode = Self(rawValue: 1)
    public static let protocolVersion = Self(rawValue: 2)
    public static let framingCapabilities = Self(rawValue: 3)
    public static let bearerCapabilities = Self(rawValue: 4)
    public static let firmwareRevision = Self(rawValue: 6)
    public static let hostName = Self(rawValue: 7)
    public static let vendorName = Self(rawValue: 8)
    public static let assignedTunnelID = Self(rawValue: 9)
    public static let receiveWindowSize = Self(rawValue: 10)
    public static let challenge = Self(rawValue: 11)
    public static let challengeResponse = Self(rawValue: 13)
    public static let assignedSessionID = Self(rawValue: 14)
    public static let callSerialNumber = Self(rawValue: 15)
    public static let bearerType = Self(rawValue: 18)
    public static let framingType = Self(rawValue: 19)
    public static let names: [UInt16: String] = [
        0: "Message Type", 1: "Result Code", 2: "Protocol Version", 3: "Framing Capabilities",
        4: "Bearer Capabilities", 5: "Tie Breaker", 6: "Firmware Revision", 7: "Host Name", 8: "Vendor Name",
        9: "Assigned Tunnel ID", 10: "Receive Window Size", 11: "Challenge", 12: "Q.931 Cause Code",
        13: "Challenge Response", 14: "Assigned Session ID", 15: "Call Serial Number", 16: "Minimum BPS",
        17: "Maximum BPS", 18: "Bearer Type", 19: "Framing Type", 21: "Called Number", 22: "Calling Number",
        23: "Sub-Address", 24: "Tx Connect Speed", 25: "Physical Channel ID", 26: "Initial Received LCP CONFREQ",
        27: "Last Sent LCP CONFREQ", 28: "Last Received LCP CONFREQ", 29: "Proxy Authen Type",
        30: "Proxy Authen Name", 31: "Proxy Authen Challenge", 32: "Proxy Authen ID", 33: "Proxy Authen Response",
        34: "Call Errors", 35: "ACCM", 36: "Random Vector", 37: "Private Group ID", 38: "Rx Connect Speed",
        39: "Sequencing Required",
    ]
}

/// The Result Code AVP — RFC 2661 §4.4.2: result, optional error and message. Result names
/// differ between StopCCN and CDN, so the value keeps the message type it came with.
public struct L2TPResult: Hashable, Sendable, Codable, CustomStringConvertible {
    public var messageType: L2TPMessageType?
    public var result: UInt16
    public var error: UInt16?
    public var message: String?

    static let stopCCNNames: [UInt16: String] = [
        1: "General request to clear control connection", 2: "General error", 3: "Control channel already exists",
        4: "Requester is not authorized", 5: "Protocol version not supported", 6: "Requester is being shut down",
        7: "Finite State Machine error",
    ]
    static let cdnNames: [UInt16: String] = [
        1: "Lost carrier", 2: "General error", 3: "Administrative reasons", 4: "No facilities (temporary)",
        5: "No facilities (permanent)", 6: "Invalid destination", 7: "No carrier detected", 8: "Busy signal",
        9: "No dial tone", 10: "Not established in time", 11: "No framing detected",
    ]
    static let errorNames: [UInt16: String] = [
        0: "No general error", 1: "No control connection exists yet", 2: "Length is wrong",
        3: "Field value out of range or reserved field non-zero", 4: "Insufficient resources",
        5: "Invalid Session ID", 6: "Vendor-specific error", 7: "Try another", 8: "Unknown mandatory AVP",
    ]

    public var resultName: String? {
        self.messageType == .cdn ? Self.cdnNames[self.result] : Self.stopCCNNames[self.result]
    }
    public var errorName: String? { self.error.flatMap { Self.errorNames[$0] } }

    public var description: String {
        var s = self.resultName ?? "unknown(\(self.result))"
        if let error, error != 0 { s += ", error: " + (self.errorName ?? "unknown(\(error))") }
        if let message, !message.isEmpty { s += ", \"\(message)\"" }
        return s
    }
}

/// One AVP — RFC 2661 §4.1: M and H bits, length ≥ 6, vendor ID, type, value. A hidden AVP's value
/// is encrypted (RFC 2661 §4.3) and is kept but not interpreted.
public struct L2TPAVP: Hashable, Sendable, Codable {
    public var mandatory: Bool
    public var hidden: Bool
    public var vendorID: UInt16
    public var type: L2TPAVPType
    public var value: [UInt8]

    public static let headerSize = 6

    init(from r: inout ByteReader) throws(DecodeError) {
        let start = r.offset
        let word = try r.read(UInt16.self)
        self.mandatory = word & 0x8000 != 0
        self.hidden = word & 0x4000 != 0
        let length = Int(word & 0x03FF)
        guard length >= Self.headerSize else {
            throw DecodeError(.lengthFieldTooSmall, layer: .l2tp, offset: start, needed: Self.headerSize,
                              available: length, lengthSource: .l2tpAVPLength)
        }
        self.vendorID = try r.read()
        self.type = L2TPAVPType(rawValue: try r.read())
        var body = try r.sub(exactly: length - Self.headerSize, source: .l2tpAVPLength)
        self.value = body.readRemainingBytes()
    }

    /// True for an IETF (vendor 0), non-hidden AVP of `type`.
    func isIETF(_ type: L2TPAVPType) -> Bool { self.vendorID == 0 && !self.hidden && self.type == type }

    var uint16: UInt16? { self.value.bigEndian(UInt16.self) }
    var uint32: UInt32? { self.value.bigEndian(UInt32.self) }
    var text: String { String(decoding: self.value, as: UTF8.self) }
}

/// The AVPs of an L2TP control message — RFC 2661 §4 (and RFC 3931 §5 for v3, which uses the same
/// AVP format). The generic list is kept whole; the well-known AVPs are also decoded into typed
/// fields. A ZLB acknowledgment has no AVPs and no message type.
public struct L2TPControl: Hashable, Sendable, Codable {
    public var avps: [L2TPAVP]
    public var messageType: L2TPMessageType?
    public var result: L2TPResult?
    public var protocolVersion: UInt16?
    public var hostName: String?
    public var vendorName: String?
    public var assignedTunnelID: UInt16?
    public var assignedSessionID: UInt16?
    public var callSerialNumber: UInt32?
    public var framingCapabilities: UInt32?
    public var bearerCapabilities: UInt32?
    public var framingType: UInt32?
    public var bearerType: UInt32?
    public var receiveWindowSize: UInt16?
    public var hasChallenge: Bool
    public var hasChallengeResponse: Bool
    public var hiddenAVPCount: Int
    /// From the header, for the one-line summary.
    public var tunnelID: UInt32
    public var ns: UInt16?
    public var nr: UInt16?

    /// Reads AVPs to the end of `r` (the body of the control message whose header is `header`).
    public init(from r: inout ByteReader, header: L2TP, limits: DecodeLimits = .standard) throws(DecodeError) {
        r.layer = .l2tp
        self.tunnelID = header.tunnelID
        self.ns = header.ns
        self.nr = header.nr
        var avps: [L2TPAVP] = []
        while !r.isEmpty {
            guard avps.count < limits.maxL2TPAVPs else { throw r.limitExceeded("too many L2TP AVPs") }
            avps.append(try L2TPAVP(from: &r))  // consumes ≥ 6 bytes or throws
        }
        self.avps = avps
        self.messageType = avps.first { $0.isIETF(.messageType) }?.uint16.map(L2TPMessageType.init(rawValue:))
        self.protocolVersion = avps.first { $0.isIETF(.protocolVersion) }?.uint16
        self.hostName = avps.first { $0.isIETF(.hostName) }?.text
        self.vendorName = avps.first { $0.isIETF(.vendorName) }?.text
        self.assignedTunnelID = avps.first { $0.isIETF(.assignedTunnelID) }?.uint16
        self.assignedSessionID = avps.first { $0.isIETF(.assignedSessionID) }?.uint16
        self.callSerialNumber = avps.first { $0.isIETF(.callSerialNumber) }?.uint32
        self.framingCapabilities = avps.first { $0.isIETF(.framingCapabilities) }?.uint32
        self.bearerCapabilities = avps.first { $0.isIETF(.bearerCapabilities) }?.uint32
        self.framingType = avps.first { $0.isIETF(.framingType) }?.uint32
        self.bearerType = avps.first { $0.isIETF(.bearerType) }?.uint32
        self.receiveWindowSize = avps.first { $0.isIETF(.receiveWindowSize) }?.uint16
        self.hasChallenge = avps.contains { $0.vendorID == 0 && $0.type == .challenge }
        self.hasChallengeResponse = avps.contains { $0.vendorID == 0 && $0.type == .challengeResponse }
        self.hiddenAVPCount = avps.count { $0.hidden }
        if let avp = avps.first(where: { $0.isIETF(.resultCode) }), let code = avp.uint16 {
            let v = avp.value
            let error = Array(v.dropFirst(2)).bigEndian(UInt16.self)
            let message = v.count > 4 ? String(decoding: v[4...], as: UTF8.self) : nil
            self.result = L2TPResult(messageType: self.messageType, result: code, error: error, message: message)
        } else {
            self.result = nil
        }
    }

    /// "L2TP SCCRQ tunnel=0 Ns=0 Nr=0 host=lns assigned-tunnel=5".
    public var summary: String {
        let type = self.messageType.map(\.description) ?? (self.avps.isEmpty ? "ZLB" : "(no Message Type AVP)")
        var s = "L2TP \(type) tunnel=\(self.tunnelID)"
        if let ns, let nr { s += " Ns=\(ns) Nr=\(nr)" }
        if let result { s += " result=\(result)" }
        if let hostName { s += " host=\(hostName)" }
        if let assignedTunnelID { s += " assigned-tunnel=\(assignedTunnelID)" }
        if let assignedSessionID { s += " assigned-session=\(assignedSessionID)" }
        if self.hiddenAVPCount > 0 { s += " hidden=\(self.hiddenAVPCount)" }
        return s
    }
}
