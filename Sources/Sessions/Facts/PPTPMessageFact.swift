import Capture

/// A PPTP control message — RFC 2637 §2.
public struct PPTPMessageFact: Hashable, Sendable {
    public var type: PPTPMessageType
    /// Call ID the sender assigned (OCRQ/OCRP/ICRQ…).
    public var callID: UInt16?
    /// Peer's call ID (OCRP, ICRP, CDN…).
    public var peerCallID: UInt16?
    /// Result and error codes of replies (SCCRP, OCRP, StopCCRP, CDN…).
    public var resultCode: UInt8?
    public var errorCode: UInt8?
    public init(_ type: PPTPMessageType, callID: UInt16? = nil, peerCallID: UInt16? = nil, resultCode: UInt8? = nil,
                errorCode: UInt8? = nil) {
        self.type = type
        self.callID = callID
        self.peerCallID = peerCallID
        self.resultCode = resultCode
        self.errorCode = errorCode
    }
}

/// PPTP control message type — RFC 2637 §2.
public struct PPTPMessageType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let startControlConnectionRequest = Self(rawValue: 1)
    public static let startControlConnectionReply = Self(rawValue: 2)
    public static let stopControlConnectionRequest = Self(rawValue: 3)
    public static let stopControlConnectionReply = Self(rawValue: 4)
    public static let outgoingCallRequest = Self(rawValue: 7)
    public static let outgoingCallReply = Self(rawValue: 8)
    public static let incomingCallRequest = Self(rawValue: 9)
    public static let incomingCallReply = Self(rawValue: 10)
    public static let callClearRequest = Self(rawValue: 12)
    public static let callDisconnectNotify = Self(rawValue: 13)
    public static let names: [UInt16: String] = [
        1: "Start-Control-Connection-Request", 2: "Start-Control-Connection-Reply",
        3: "Stop-Control-Connection-Request", 4: "Stop-Control-Connection-Reply", 5: "Echo-Request", 6: "Echo-Reply",
        7: "Outgoing-Call-Request", 8: "Outgoing-Call-Reply", 9: "Incoming-Call-Request", 10: "Incoming-Call-Reply",
        11: "Incoming-Call-Connected", 12: "Call-Clear-Request", 13: "Call-Disconnect-Notify", 14: "WAN-Error-Notify",
        15: "Set-Link-Info",
    ]

    /// Meaning of a result code in the reply of this type (RFC 2637 §2.2, §2.8, §2.13).
    public static func resultMeaning(_ code: UInt8, in type: Self) -> String {
        switch type {
        case .startControlConnectionReply:
            return [1: "successful channel establishment", 2: "general error", 3: "command channel already exists",
                    4: "requester is not authorized to establish a command channel",
                    5: "the protocol version of the requester is not supported"][code] ?? "result \(code)"
        case .outgoingCallReply:
            return [1: "connected", 2: "general error", 3: "no carrier", 4: "busy", 5: "no dial tone",
                    6: "time-out (no answer)", 7: "do not accept (administratively refused)"][code] ?? "result \(code)"
        case .callDisconnectNotify:
            return [1: "lost carrier", 2: "general error", 3: "administrative shutdown", 4: "request"][code]
                ?? "result \(code)"
        default:
            return "result \(code)"
        }
    }
}
