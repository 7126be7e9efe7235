import Capture

/// An L2TPv2 control message — RFC 2661 §3.1, §4.4 (a ZLB acknowledgement has no message type).
public struct L2TPControlFact: Hashable, Sendable {
    public var tunnelID: UInt16
    public var sessionID: UInt16
    public var ns: UInt16
    public var nr: UInt16
    /// nil for a ZLB (zero-length body) acknowledgement.
    public var messageType: L2TPMessageType?
    /// Assigned Tunnel ID / Assigned Session ID AVPs (SCCRQ, SCCRP, ICRQ, ICRP).
    public var assignedTunnelID: UInt16?
    public var assignedSessionID: UInt16?
    /// Result Code AVP (StopCCN, CDN): result, error, message.
    public var resultCode: UInt16?
    public var errorCode: UInt16?
    public var errorMessage: String?
    public init(tunnelID: UInt16, sessionID: UInt16 = 0, ns: UInt16 = 0, nr: UInt16 = 0, messageType: L2TPMessageType?,
                assignedTunnelID: UInt16? = nil, assignedSessionID: UInt16? = nil, resultCode: UInt16? = nil,
                errorCode: UInt16? = nil, errorMessage: String? = nil) {
        self.tunnelID = tunnelID
        self.sessionID = sessionID
        self.ns = ns
        self.nr = nr
        self.messageType = messageType
        self.assignedTunnelID = assignedTunnelID
        self.assignedSessionID = assignedSessionID
        self.resultCode = resultCode
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// L2TP control message type — RFC 2661 §3.2.
public struct L2TPMessageType: WireValue {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let sccrq = Self(rawValue: 1), sccrp = Self(rawValue: 2), scccn = Self(rawValue: 3)
    public static let stopCCN = Self(rawValue: 4), hello = Self(rawValue: 6)
    public static let icrq = Self(rawValue: 10), icrp = Self(rawValue: 11), iccn = Self(rawValue: 12)
    public static let cdn = Self(rawValue: 14)
    public static let names: [UInt16: String] = [
        1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ", 8: "OCRP", 9: "OCCN", 10: "ICRQ",
        11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI",
    ]

    /// RFC 2661 §4.4.2 result code meanings for StopCCN and CDN.
    public static func resultMeaning(_ code: UInt16, in type: Self?) -> String {
        if type == .stopCCN {
            return [1: "general request to clear control connection", 2: "general error (see error code)",
                    3: "control channel already exists", 4: "requester is not authorized to establish a control channel",
                    5: "the protocol version of the requester is not supported", 6: "requester is being shut down",
                    7: "finite state machine error"][code] ?? "result \(code)"
        }
        return [1: "session disconnected due to loss of carrier", 2: "session disconnected (see error code)",
                3: "session disconnected for administrative reasons",
                4: "appropriate facilities unavailable (temporary condition)",
                5: "appropriate facilities unavailable (permanent condition)", 6: "invalid destination",
                7: "call failed due to no carrier detected", 8: "call failed due to detection of a busy signal",
                9: "call failed due to lack of a dial tone", 10: "call was not established within time allotted by LAC",
                11: "call was connected but no appropriate framing was detected"][code] ?? "result \(code)"
    }

    /// RFC 2661 §4.4.2 general error codes.
    public static func errorMeaning(_ code: UInt16) -> String {
        [0: "no general error", 1: "no control connection exists yet for this LAC-LNS pair", 2: "length is wrong",
         3: "one of the field values was out of range or reserved field was non-zero", 4: "insufficient resources",
         5: "the session ID is invalid in this context", 6: "a generic vendor-specific error occurred",
         7: "try another LNS", 8: "session or tunnel shut down due to receipt of an unknown AVP with the M-bit set"][code]
            ?? "error \(code)"
    }
}
