import Capture
import Decoding

/// A PPTP control message — RFC 2637 §2.
public struct PPTPMessageFact: Hashable, Sendable {
    public var type: PPTPControlType
    /// Call ID the sender assigned (OCRQ/OCRP/ICRQ…).
    public var callID: UInt16?
    /// Peer's call ID (OCRP, ICRP, CDN…).
    public var peerCallID: UInt16?
    /// Result and error codes of replies (SCCRP, OCRP, StopCCRP, CDN…); `resultText` names them.
    public var resultCode: UInt8?
    public var errorCode: UInt8?
    /// The result's registry name for this message type ("Connected", "Do not accept"…).
    public var resultText: String? { self.resultCode.map { PPTPResult(messageType: self.type, rawValue: $0).description } }

    public init(_ type: PPTPControlType, callID: UInt16? = nil, peerCallID: UInt16? = nil, resultCode: UInt8? = nil,
                errorCode: UInt8? = nil) {
        self.type = type
        self.callID = callID
        self.peerCallID = peerCallID
        self.resultCode = resultCode
        self.errorCode = errorCode
    }
}
