import Capture
import Decoding

/// A PPTP control message as recorded (control plane).
public struct PPTPMessageRecord: Sendable, Codable, Hashable {
    public var frame: Int
    public var time: Double
    public var fromClient: Bool
    public var type: PPTPControlType
    public var callID: UInt16?
    public var peerCallID: UInt16?
    public var resultCode: UInt8?
    public var errorCode: UInt8?
    public var resultText: String?
}

/// TCP 1723 and its control messages between one client and one server.
public struct PPTPControlEvidence: Sendable, Codable, Hashable {
    public var client: Endpoint
    public var server: Endpoint
    public var synFrames: [Int] = []
    public var synAckFrames: [Int] = []
    /// RSTs and which side sent them.
    public var resetFrames: [Int] = []
    public var resetFromServer = false
    /// FINs: which side closed the control connection.
    public var finFrames: [Int] = []
    public var finFromServer = false
    public var messages: [PPTPMessageRecord] = []

    public func first(_ type: PPTPControlType) -> PPTPMessageRecord? { self.messages.first { $0.type == type } }
    /// Call IDs: the client's (its Outgoing-Call-Request) and the server's (its Outgoing-Call-Reply).
    public var clientCallID: UInt16? { self.first(.outgoingCallRequest)?.callID }
    public var serverCallID: UInt16? { self.first(.outgoingCallReply)?.callID }
}

/// An L2TP control message as recorded.
public struct L2TPMessageRecord: Sendable, Codable, Hashable {
    public var frame: Int
    public var time: Double
    public var fromClient: Bool
    public var tunnelID: UInt16
    public var sessionID: UInt16
    public var ns: UInt16
    public var nr: UInt16
    /// nil for a ZLB acknowledgement.
    public var type: L2TPMessageType?
    public var resultCode: UInt16?
    public var errorCode: UInt16?
    public var resultText: String?
    public var retransmissionOf: Int?
}

/// An L2TP tunnel (LAC = client, LNS = server) with its control messages and data counters.
public struct L2TPEvidence: Sendable, Codable, Hashable {
    public var client: Endpoint
    public var server: Endpoint
    public var messages: [L2TPMessageRecord] = []
    /// User data each way: PPP frames carrying IP or compressed/encrypted datagrams (not LCP echoes).
    public var dataFromClient = 0
    public var dataFromServer = 0
    public var firstDataFromClient: Int?
    public var firstDataFromServer: Int?
    public func first(_ type: L2TPMessageType) -> L2TPMessageRecord? { self.messages.first { $0.type == type } }
    public func all(_ type: L2TPMessageType) -> [L2TPMessageRecord] { self.messages.filter { $0.type == type } }
}

/// A PPP control packet as recorded.
public struct PPPMessageRecord: Sendable, Codable, Hashable {
    public var frame: Int
    public var time: Double
    public var source: IPAddress
    public var fromClient: Bool
    public var protocolNumber: PPPProtocol
    public var code: UInt8
    public var identifier: UInt8
    public var authProtocol: PPPProtocol?
    public var message: String?
    public var msChapError: Int?
    /// Same protocol, code, identifier and direction seen before (a Configure-Request retransmission).
    public var retransmissionOf: Int?
}

/// The PPP running inside a PPTP call or an L2TP session.
public struct PPPEvidence: Sendable, Codable, Hashable {
    public var messages: [PPPMessageRecord] = []

    public func messages(_ proto: PPPProtocol, code: UInt8? = nil, fromClient: Bool? = nil) -> [PPPMessageRecord] {
        self.messages.filter {
            $0.protocolNumber == proto && (code == nil || $0.code == code) && (fromClient == nil || $0.fromClient == fromClient)
        }
    }
    /// Both sides acknowledged the other's Configure-Request for `proto` (LCP, IPCP).
    public func negotiated(_ proto: PPPProtocol) -> Bool {
        !self.messages(proto, code: PPPControlFact.Code.configureAck, fromClient: true).isEmpty
            && !self.messages(proto, code: PPPControlFact.Code.configureAck, fromClient: false).isEmpty
    }
    /// The authentication protocol the server asked for in its LCP Configure-Request.
    public var authProtocol: PPPProtocol? {
        self.messages.first { $0.protocolNumber == .lcp && $0.authProtocol != nil }?.authProtocol
    }
    public var authSucceeded: PPPMessageRecord? {
        self.messages.first {
            ($0.protocolNumber == .pap && $0.code == 2) || ($0.protocolNumber == .chap && $0.code == 3)
                || ($0.protocolNumber == .eap && $0.code == 3)
        }
    }
    public var authFailed: PPPMessageRecord? {
        self.messages.first {
            ($0.protocolNumber == .pap && $0.code == 3) || ($0.protocolNumber == .chap && $0.code == 4)
                || ($0.protocolNumber == .eap && $0.code == 4)
        }
    }
    public var authStarted: PPPMessageRecord? {
        self.messages.first { [.pap, .chap, .eap].contains($0.protocolNumber) }
    }
}
