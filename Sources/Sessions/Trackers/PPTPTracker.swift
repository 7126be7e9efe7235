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

/// PPTP's control connections keyed by their TCP endpoints, and their calls by call ID (RFC 2637
/// §2.7, §4.1): each side assigns its own Call ID in its Outgoing/Incoming-Call-Request or Reply,
/// and GRE (and the PPP inside it) carries the receiver's in its key field. Per connection: the
/// SYNs, FINs and RSTs and each message, whether decoded from one segment or read from the
/// reassembled stream (`Analyzer+TCPStreams.swift`), the PPP frames its calls carried and its span.
/// Two connections between one pair of hosts at the same time are two sessions unless IKE makes them one attempt
/// (`split`). Kept only for pairs with a session; bounded by `records` connections,
/// `messagesPerSession` and `framesPerList`.
struct PPTPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var connections: [Connection] = []
    private var byEndpoints: [EndpointPair: Int] = [:]
    /// The connections of each host pair, in the order they began.
    private var byPair: [HostPair: [Int]] = [:]
    /// The connection of each call, by the call ID its receiver assigned.
    private var calls: [AssignedID: Int] = [:]
    private(set) var dropped = DroppedState()

    struct Connection: AttemptChannel {
        var evidence: PPTPControlEvidence
        var span: Span
        var pppFrames: Set<Int> = []
        var ends: EndpointPair { EndpointPair(self.evidence.client, self.evidence.server) }
    }

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
        case .pppControl(_, .gre(let g)):
            let pair = HostPair(fact.source, fact.destination)
            guard let c = self.calls[AssignedID(pair: pair, receiver: fact.destination, id: g.callID)] else { return }
            if self.connections[c].pppFrames.count < self.limits.messagesPerSession { self.connections[c].pppFrames.insert(fact.frame) }
            self.connections[c].span.extend(frame: fact.frame, time: context.time)
        default: break
        }
    }

    mutating func addTCP(_ tcp: TCPFact, _ fact: PacketFact, _ context: TrackerContext) {
        let pair = HostPair(fact.source, fact.destination)
        let clientIsSource = ProtocolRegistry.isPort(fact.destinationPort, of: .pptpControl)
        let key = EndpointPair(fact.sourceEndpoint, fact.destinationEndpoint)
        if self.byEndpoints[key] == nil, context.knows(pair) {
            guard self.connections.count < self.limits.records else { self.dropped.records &+= 1; return }
            self.byEndpoints[key] = self.connections.count
            self.byPair[pair, default: []].append(self.connections.count)
            self.connections.append(Connection(
                evidence: PPTPControlEvidence(client: clientIsSource ? fact.sourceEndpoint : fact.destinationEndpoint,
                                              server: clientIsSource ? fact.destinationEndpoint : fact.sourceEndpoint),
                span: Span(frame: fact.frame, time: context.time)))
        }
        guard let c = self.byEndpoints[key] else { return }
        self.connections[c].span.extend(frame: fact.frame, time: context.time)
        let limit = self.limits.framesPerList
        if tcp.isSYN { self.connections[c].evidence.synFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isSYNACK { self.connections[c].evidence.synAckFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isFIN {
            self.connections[c].evidence.finFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !clientIsSource { self.connections[c].evidence.finFromServer = true }
        }
        if tcp.isRST {
            self.connections[c].evidence.resetFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !clientIsSource { self.connections[c].evidence.resetFromServer = true }
        }
    }

    mutating func add(_ messages: [PPTPMessageFact], _ fact: PacketFact, time: Double) {
        let fromClient = ProtocolRegistry.isPort(fact.destinationPort, of: .pptpControl)
        guard let c = self.byEndpoints[EndpointPair(fact.sourceEndpoint, fact.destinationEndpoint)] else { return }
        for m in messages {
            guard self.connections[c].evidence.messages.count < self.limits.messagesPerSession else { self.dropped.messages &+= 1; continue }
            self.connections[c].evidence.messages.append(PPTPMessageRecord(
                frame: fact.frame, time: time, fromClient: fromClient, type: m.type, callID: m.callID,
                peerCallID: m.peerCallID, resultCode: m.resultCode, errorCode: m.errorCode, resultText: m.resultText))
            // The sender's own call ID: what GRE to it carries.
            if let id = m.callID, [.outgoingCallRequest, .outgoingCallReply, .incomingCallRequest, .incomingCallReply].contains(m.type) {
                self.calls[AssignedID(pair: HostPair(fact.source, fact.destination), receiver: fact.source, id: id)] = c
            }
        }
        self.connections[c].span.extend(frame: fact.frame, time: time)
    }

    /// The connections of the first of `owned` that has any.
    func connections(on owned: [HostPair]) -> [Int] { owned.lazy.compactMap { self.byPair[$0] }.first ?? [] }

    /// The connections of the session's pair as one (`split` parts them when IKE does not hold
    /// them together).
    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        scope.eachSession(&sessions) { session, owned in session.pptp = self.merged(self.connections(on: owned)) }
    }

    /// Connections as one: the first one's ends, every frame and message in capture order.
    func merged(_ connections: [Int]) -> PPTPControlEvidence? {
        let all = connections.map { self.connections[$0].evidence }
        guard var merged = all.first else { return nil }
        for e in all.dropFirst() {
            merged.synFrames = (merged.synFrames + e.synFrames).sorted()
            merged.synAckFrames = (merged.synAckFrames + e.synAckFrames).sorted()
            merged.finFrames = (merged.finFrames + e.finFrames).sorted()
            merged.resetFrames = (merged.resetFrames + e.resetFrames).sorted()
            merged.finFromServer = merged.finFromServer || e.finFromServer
            merged.resetFromServer = merged.resetFromServer || e.resetFromServer
            merged.messages = (merged.messages + e.messages).sorted { $0.frame < $1.frame }
        }
        return merged
    }

    /// Control connections as separate attempts (`Session.split`): each part its messages, the GRE
    /// of its calls (by call ID), their PPP and its span. GRE of no known call stays with the first.
    static let splits = true
    func split(_ session: Session, owned: [HostPair]) -> [Session] {
        session.split(self.connections(on: owned), of: self.connections) { part, i, group in
            part.pptp = self.merged(group)
            part.gre = session.gre.filter { g in
                let call = self.calls[AssignedID(pair: HostPair(g.source, g.destination), receiver: g.destination, id: g.callID)]
                return call.map(group.contains) ?? (i == 0)
            }
        }
    }
}
