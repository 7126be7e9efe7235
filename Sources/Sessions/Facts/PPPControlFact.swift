import Capture
import Decoding

/// A PPP control packet — LCP/IPCP (RFC 1661/1332), PAP (RFC 1334), CHAP (RFC 1994) and
/// MS-CHAPv2 (RFC 2759), EAP (RFC 3748).
public struct PPPControlFact: Hashable, Sendable {
    public var protocolNumber: PPPProtocol
    public var code: UInt8
    public var identifier: UInt8
    /// LCP Configure-Request: the authentication protocol option (0xC023 PAP, 0xC223 CHAP, 0xC227 EAP),
    /// and for CHAP its algorithm (0x81 MS-CHAPv2).
    public var authProtocol: PPPProtocol?
    public var chapAlgorithm: UInt8?
    /// PAP/CHAP message text (e.g. MS-CHAPv2 failure "E=691 R=1 C=… V=3 M=…").
    public var message: String?
    /// MS-CHAPv2 failure code (RFC 2759 §6 "E=…"), as the decoder parsed it.
    public var msChapError: Int?
    public init(_ protocolNumber: PPPProtocol, code: UInt8, identifier: UInt8 = 0, authProtocol: PPPProtocol? = nil,
                chapAlgorithm: UInt8? = nil, message: String? = nil, msChapError: Int? = nil) {
        self.protocolNumber = protocolNumber
        self.code = code
        self.identifier = identifier
        self.authProtocol = authProtocol
        self.chapAlgorithm = chapAlgorithm
        self.message = message
        self.msChapError = msChapError
    }

    /// RFC 1661 §5 codes (LCP, IPCP…).
    public enum Code {
        public static let configureRequest: UInt8 = 1, configureAck: UInt8 = 2, configureNak: UInt8 = 3
        public static let configureReject: UInt8 = 4, terminateRequest: UInt8 = 5, terminateAck: UInt8 = 6
        /// PAP (RFC 1334 §2.2): 1 Authenticate-Request, 2 Ack, 3 Nak. CHAP (RFC 1994 §4): 1 Challenge,
        /// 2 Response, 3 Success, 4 Failure. EAP (RFC 3748 §4): 1 Request, 2 Response, 3 Success, 4 Failure.
        public static let authSuccessCHAP: UInt8 = 3, authFailureCHAP: UInt8 = 4
    }

}
