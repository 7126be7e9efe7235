import Capture

/// PPTP control message type — RFC 2637 §2.
public struct PPTPControlType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let startControlConnectionRequest = Self(rawValue: 1)
    public static let startControlConnectionReply = Self(rawValue: 2)
    public static let stopControlConnectionRequest = Self(rawValue: 3)
    public static let stopControlConnectionReply = Self(rawValue: 4)
    public static let echoRequest = Self(rawValue: 5)
    public static let echoReply = Self(rawValue: 6)
    public static let outgoingCallRequest = Self(rawValue: 7)
    public static let outgoingCallReply = Self(rawValue: 8)
    public static let incomingCallRequest = Self(rawValue: 9)
    public static let incomingCallReply = Self(rawValue: 10)
    public static let incomingCallConnected = Self(rawValue: 11)
    public static let callClearRequest = Self(rawValue: 12)
    public static let callDisconnectNotify = Self(rawValue: 13)
    public static let wanErrorNotify = Self(rawValue: 14)
    public static let setLinkInfo = Self(rawValue: 15)
    public static let names: [UInt16: String] = [
        1: "Start-Control-Connection-Request", 2: "Start-Control-Connection-Reply",
        3: "Stop-Control-Connection-Request", 4: "Stop-Control-Connection-Reply", 5: "Echo-Request",
        6: "Echo-Reply", 7: "Outgoing-Call-Request", 8: "Outgoing-Call-Reply", 9: "Incoming-Call-Request",
        10: "Incoming-Call-Reply", 11: "Incoming-Call-Connected", 12: "Call-Clear-Request",
        13: "Call-Disconnect-Notify", 14: "WAN-Error-Notify", 15: "Set-Link-Info",
    ]
}

/// A PPTP result code (or the Stop-Control-Connection-Request reason), whose names depend on the
/// message type — RFC 2637 §2.2 ff. JSON carries the number and the name.
public struct PPTPResult: Hashable, Sendable, Codable, CustomStringConvertible {
    public var messageType: PPTPControlType
    public var rawValue: UInt8

    static let names: [UInt16: [UInt8: String]] = [
        2: [1: "Successful", 2: "General error", 3: "Command channel already exists", 4: "Requester not authorized",
            5: "Protocol version not supported"],
        3: [1: "None", 2: "Stop-Protocol", 3: "Stop-Local-Shutdown"],
        4: [1: "OK", 2: "General error"],
        6: [1: "OK", 2: "General error"],
        8: [1: "Connected", 2: "General error", 3: "No carrier", 4: "Busy", 5: "No dial tone", 6: "Time-out",
            7: "Do not accept"],
        10: [1: "Connect", 2: "General error", 3: "Do not accept"],
        13: [1: "Lost carrier", 2: "General error", 3: "Admin shutdown", 4: "Request"],
    ]

    public var name: String? { Self.names[self.messageType.rawValue]?[self.rawValue] }
    public var description: String { self.name ?? "unknown(\(self.rawValue))" }

    private enum CodingKeys: String, CodingKey { case value, name }
    public init(messageType: PPTPControlType, rawValue: UInt8) {
        self.messageType = messageType
        self.rawValue = rawValue
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(messageType: PPTPControlType(rawValue: 0), rawValue: try c.decode(UInt8.self, forKey: .value))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.rawValue, forKey: .value)
        try c.encode(self.description, forKey: .name)
    }
}

/// PPTP general error code — RFC 2637 §2.16 (carried with result code "General error").
public struct PPTPErrorCode: WireValue {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let names: [UInt8: String] = [
        0: "None", 1: "Not-Connected", 2: "Bad-Format", 3: "Bad-Value", 4: "No-Resource", 5: "Bad-Call ID",
        6: "PAC-Error",
    ]
}

/// A PPTP control message over TCP 1723 — RFC 2637 §1.4, §2. The 12-byte header (length, message
/// type 1, magic cookie 0x1A2B3C4D, control message type, reserved) is checked, then the fields
/// of each message type are decoded into the optionals below (nil when the type has none).
/// Control plane: owns its texts.
public struct PPTP: Hashable, Sendable, Codable {
    public static let magicCookie: UInt32 = 0x1A2B_3C4D
    public static let headerSize = 12

    /// The whole message, header included.
    public var length: Int
    /// 1 = control message (the only type defined).
    public var messageType: UInt16
    public var controlType: PPTPControlType

    public var protocolVersion: UInt16?
    public var result: PPTPResult?
    public var errorCode: PPTPErrorCode?
    /// Cause code (Outgoing-Call-Reply, Call-Disconnect-Notify): Q.931 cause.
    public var causeCode: UInt16?
    public var framingCapabilities: UInt32?
    public var bearerCapabilities: UInt32?
    public var maximumChannels: UInt16?
    public var firmwareRevision: UInt16?
    public var hostName: String?
    public var vendorName: String?
    /// Echo identifier.
    public var identifier: UInt32?
    public var callID: UInt16?
    public var peerCallID: UInt16?
    public var callSerialNumber: UInt16?
    public var minimumBPS: UInt32?
    public var maximumBPS: UInt32?
    public var bearerType: UInt32?
    public var framingType: UInt32?
    public var connectSpeed: UInt32?
    public var receiveWindowSize: UInt16?
    public var processingDelay: UInt16?
    public var physicalChannelID: UInt32?
    public var phoneNumber: String?
    public var dialingNumber: String?
    public var subaddress: String?
    /// Call-Disconnect-Notify statistics text.
    public var callStatistics: String?
    /// WAN-Error-Notify counters: CRC, framing, hardware overruns, buffer overruns, time-out,
    /// alignment.
    public var wanErrors: [UInt32]?
    public var sendACCM: UInt32?
    public var receiveACCM: UInt32?

    /// The length field of the message at the reader, without consuming anything (for splitting a
    /// TCP stream into messages). Nil when fewer than 2 bytes remain.
    public static func peekLength(_ r: ByteReader) -> Int? { try? Int(r.peek(UInt16.self)) }

    /// Decodes one message and leaves `r` after it.
    public init(from r: inout ByteReader) throws(DecodeError) {
        r.layer = .pptp
        let start = r.offset
        self.length = Int(try r.read(UInt16.self))
        guard self.length >= Self.headerSize else {
            throw DecodeError(.lengthFieldTooSmall, layer: .pptp, offset: start, needed: Self.headerSize,
                              available: self.length, lengthSource: .pptpLength)
        }
        var m = try r.sub(self.length - 2, source: .pptpLength)
        self.messageType = try m.read()
        guard try m.read(UInt32.self) == Self.magicCookie else {
            throw DecodeError(.malformed, layer: .pptp, offset: start + 4, lengthSource: .pptpLength,
                              detail: "PPTP magic cookie is not 0x1A2B3C4D")
        }
        self.controlType = PPTPControlType(rawValue: try m.read())
        try m.skip(2)  // Reserved0
        try self.decodeBody(&m)
    }

    private mutating func decodeBody(_ m: inout ByteReader) throws(DecodeError) {
        let type = self.controlType
        func result(_ m: inout ByteReader) throws(DecodeError) -> PPTPResult {
            PPTPResult(messageType: type, rawValue: try m.read())
        }
        switch type.rawValue {
        case 1, 2:  // Start-Control-Connection-Request / Reply
            self.protocolVersion = try m.read()
            if type.rawValue == 1 {
                try m.skip(2)
            } else {
                self.result = try result(&m)
                self.errorCode = PPTPErrorCode(rawValue: try m.read())
            }
            self.framingCapabilities = try m.read()
            self.bearerCapabilities = try m.read()
            self.maximumChannels = try m.read()
            self.firmwareRevision = try m.read()
            self.hostName = try m.readPaddedText(64)
            self.vendorName = try m.readPaddedText(64)
        case 3:  // Stop-Control-Connection-Request: reason
            self.result = try result(&m)
        case 4:  // Stop-Control-Connection-Reply
            self.result = try result(&m)
            self.errorCode = PPTPErrorCode(rawValue: try m.read())
        case 5:
            self.identifier = try m.read()
        case 6:
            self.identifier = try m.read()
            self.result = try result(&m)
            self.errorCode = PPTPErrorCode(rawValue: try m.read())
        case 7:  // Outgoing-Call-Request
            self.callID = try m.read()
            self.callSerialNumber = try m.read()
            self.minimumBPS = try m.read()
            self.maximumBPS = try m.read()
            self.bearerType = try m.read()
            self.framingType = try m.read()
            self.receiveWindowSize = try m.read()
            self.processingDelay = try m.read()
            try m.skip(4)  // phone number length, reserved
            self.phoneNumber = try m.readPaddedText(64)
            self.subaddress = try m.readPaddedText(64)
        case 8:  // Outgoing-Call-Reply
            self.callID = try m.read()
            self.peerCallID = try m.read()
            self.result = try result(&m)
            self.errorCode = PPTPErrorCode(rawValue: try m.read())
            self.causeCode = try m.read()
            self.connectSpeed = try m.read()
            self.receiveWindowSize = try m.read()
            self.processingDelay = try m.read()
            self.physicalChannelID = try m.read()
        case 9:  // Incoming-Call-Request
            self.callID = try m.read()
            self.callSerialNumber = try m.read()
            self.bearerType = try m.read()
            self.physicalChannelID = try m.read()
            try m.skip(4)  // dialed / dialing number lengths
            self.phoneNumber = try m.readPaddedText(64)
            self.dialingNumber = try m.readPaddedText(64)
            self.subaddress = try m.readPaddedText(64)
        case 10:  // Incoming-Call-Reply
            self.callID = try m.read()
            self.peerCallID = try m.read()
            self.result = try result(&m)
            self.errorCode = PPTPErrorCode(rawValue: try m.read())
            self.receiveWindowSize = try m.read()
            self.processingDelay = try m.read()
        case 11:  // Incoming-Call-Connected
            self.peerCallID = try m.read()
            try m.skip(2)
            self.connectSpeed = try m.read()
            self.receiveWindowSize = try m.read()
            self.processingDelay = try m.read()
            self.framingType = try m.read()
        case 12:  // Call-Clear-Request
            self.callID = try m.read()
        case 13:  // Call-Disconnect-Notify
            self.callID = try m.read()
            self.result = try result(&m)
            self.errorCode = PPTPErrorCode(rawValue: try m.read())
            self.causeCode = try m.read()
            try m.skip(2)
            self.callStatistics = try m.readPaddedText(min(128, m.remaining))
        case 14:  // WAN-Error-Notify
            self.peerCallID = try m.read()
            try m.skip(2)
            var counters: [UInt32] = []
            for _ in 0..<6 { counters.append(try m.read()) }
            self.wanErrors = counters
        case 15:  // Set-Link-Info
            self.peerCallID = try m.read()
            try m.skip(2)
            self.sendACCM = try m.read()
            self.receiveACCM = try m.read()
        default:
            break  // unknown type: the header is all we know
        }
    }

    /// "PPTP Outgoing-Call-Reply result=Connected call=5 peer=7".
    public var summary: String {
        var s = "PPTP \(self.controlType)"
        if let result {
            s += self.controlType.rawValue == 3 ? " reason=\(result)" : " result=\(result)"
        }
        if let errorCode, errorCode.rawValue != 0 { s += " error=\(errorCode)" }
        if let callID { s += " call=\(callID)" }
        if let peerCallID { s += " peer=\(peerCallID)" }
        if let hostName, !hostName.isEmpty { s += " host=\(hostName)" }
        if let vendorName, !vendorName.isEmpty { s += " vendor=\(vendorName)" }
        return s
    }
}
