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

/// PPTP's control connection (TCP 1723) and its messages, by host pair: the SYNs, FINs and RSTs
/// and each message, whether decoded from one segment or read from the reassembled stream
/// (`Analyzer+TCPStreams.swift`). Kept only for pairs with a session; bounded by
/// `messagesPerSession` and `framesPerList`.
struct PPTPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var controls: [HostPair: PPTPControlEvidence] = [:]
    private(set) var dropped = DroppedState()

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .other:
            if let tcp = fact.tcp, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .pptpControl {
                self.addTCP(tcp, fact, context)
            }
        case .pptp(let messages):
            if let tcp = fact.tcp { self.addTCP(tcp, fact, context) }
            self.add(messages, fact, time: context.time)
        default: break
        }
    }

    mutating func addTCP(_ tcp: TCPFact, _ fact: PacketFact, _ context: TrackerContext) {
        let pair = HostPair(fact.source, fact.destination)
        let clientIsSource = ProtocolRegistry.isPort(fact.destinationPort, of: .pptpControl)
        if self.controls[pair] == nil, context.knows(pair) {
            self.controls[pair] = PPTPControlEvidence(
                client: clientIsSource ? fact.sourceEndpoint : fact.destinationEndpoint,
                server: clientIsSource ? fact.destinationEndpoint : fact.sourceEndpoint)
        }
        guard let index = self.controls.index(forKey: pair) else { return }
        let limit = self.limits.framesPerList
        if tcp.isSYN { self.controls.values[index].synFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isSYNACK { self.controls.values[index].synAckFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isFIN {
            self.controls.values[index].finFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !clientIsSource { self.controls.values[index].finFromServer = true }
        }
        if tcp.isRST {
            self.controls.values[index].resetFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !clientIsSource { self.controls.values[index].resetFromServer = true }
        }
    }

    mutating func add(_ messages: [PPTPMessageFact], _ fact: PacketFact, time: Double) {
        let pair = HostPair(fact.source, fact.destination)
        let fromClient = ProtocolRegistry.isPort(fact.destinationPort, of: .pptpControl)
        for m in messages {
            guard let index = self.controls.index(forKey: pair) else { return }
            guard self.controls.values[index].messages.count < self.limits.messagesPerSession else { self.dropped.messages &+= 1; continue }
            self.controls.values[index].messages.append(PPTPMessageRecord(
                frame: fact.frame, time: time, fromClient: fromClient, type: m.type, callID: m.callID,
                peerCallID: m.peerCallID, resultCode: m.resultCode, errorCode: m.errorCode, resultText: m.resultText))
        }
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        scope.eachSession(&sessions) { session, owned in session.pptp = owned.lazy.compactMap { self.controls[$0] }.first }
    }
}
