import Capture
import Decoding

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
    /// Result Code AVP (StopCCN, CDN): result and error codes, and the decoder's wording of the
    /// whole AVP ("Lost carrier, error: …, \"message\"").
    public var resultCode: UInt16?
    public var errorCode: UInt16?
    public var resultText: String?
    public init(tunnelID: UInt16, sessionID: UInt16 = 0, ns: UInt16 = 0, nr: UInt16 = 0, messageType: L2TPMessageType?,
                assignedTunnelID: UInt16? = nil, assignedSessionID: UInt16? = nil, resultCode: UInt16? = nil,
                errorCode: UInt16? = nil, resultText: String? = nil) {
        self.tunnelID = tunnelID
        self.sessionID = sessionID
        self.ns = ns
        self.nr = nr
        self.messageType = messageType
        self.assignedTunnelID = assignedTunnelID
        self.assignedSessionID = assignedSessionID
        self.resultCode = resultCode
        self.errorCode = errorCode
        self.resultText = resultText
    }
}

/// Message types the analyzer names that the decoder's registry has no constant for (RFC 2661 §3.2).
extension L2TPMessageType {
    public static let sccrp = Self(rawValue: 2), scccn = Self(rawValue: 3)
    public static let icrq = Self(rawValue: 10), icrp = Self(rawValue: 11), iccn = Self(rawValue: 12)
}
