import Capture
import Decoding

/// L2TP tunnels by host pair: the control messages (retransmissions found by their signature) and
/// the user data each way. Kept only for pairs with a session; bounded by `messagesPerSession`.
struct L2TPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var tunnels: [HostPair: L2TPEvidence] = [:]
    /// The frame of each distinct control message (retransmissions repeat the signature).
    private var signatures: [Signature: Int] = [:]
    private(set) var dropped = DroppedState()

    struct Signature: Hashable { var source: IPAddress; var tunnel: UInt16; var ns: UInt16; var type: UInt16 }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .l2tpControl(let c): self.add(c, fact, context)
        case .l2tpData(_, _, let userData): if userData { self.countData(fact, context) }
        default: break
        }
    }

    mutating func add(_ c: L2TPControlFact, _ fact: PacketFact, _ context: TrackerContext) {
        let pair = HostPair(fact.source, fact.destination)
        guard context.knows(pair) else { return }
        guard (self.tunnels[pair]?.messages.count ?? 0) < self.limits.messagesPerSession else {
            self.dropped.messages &+= 1
            return
        }
        if self.tunnels[pair] == nil {
            // The LAC sends SCCRQ; mid-session, the side not bound to 1701 (or the first sender).
            let sourceIsClient: Bool = switch c.messageType {
            case .sccrq?, .scccn?, .icrq?, .iccn?: true
            case .sccrp?, .icrp?: false
            default: !(ProtocolRegistry.isPort(fact.sourcePort, of: .l2tp) && !ProtocolRegistry.isPort(fact.destinationPort, of: .l2tp))
            }
            self.tunnels[pair] = L2TPEvidence(client: sourceIsClient ? fact.sourceEndpoint : fact.destinationEndpoint,
                                              server: sourceIsClient ? fact.destinationEndpoint : fact.sourceEndpoint)
        }
        let fromClient = fact.source == self.tunnels[pair]!.client.address
        var retransmissionOf: Int?
        if let type = c.messageType {
            let signature = Signature(source: fact.source, tunnel: c.tunnelID, ns: c.ns, type: type.rawValue)
            if let first = self.signatures[signature] {
                retransmissionOf = first
            } else {
                self.signatures[signature] = fact.frame
            }
        }
        self.tunnels[pair]!.messages.append(L2TPMessageRecord(
            frame: fact.frame, time: context.time, fromClient: fromClient, tunnelID: c.tunnelID, sessionID: c.sessionID, ns: c.ns,
            nr: c.nr, type: c.messageType, resultCode: c.resultCode, errorCode: c.errorCode, resultText: c.resultText,
            retransmissionOf: retransmissionOf))
    }

    /// User data inside the L2TP tunnel; a tunnel first seen by its data (mid-session) is recorded with
    /// the side not bound to 1701 (or the first sender) as client.
    mutating func countData(_ fact: PacketFact, _ context: TrackerContext) {
        let pair = HostPair(fact.source, fact.destination)
        guard context.knows(pair) else { return }
        if self.tunnels[pair] == nil {
            let sourceIsClient = !(fact.sourcePort == 1701 && fact.destinationPort != 1701)
            self.tunnels[pair] = L2TPEvidence(client: sourceIsClient ? fact.sourceEndpoint : fact.destinationEndpoint,
                                              server: sourceIsClient ? fact.destinationEndpoint : fact.sourceEndpoint)
        }
        if fact.source == self.tunnels[pair]!.client.address {
            self.tunnels[pair]!.dataFromClient += 1
            if self.tunnels[pair]!.firstDataFromClient == nil { self.tunnels[pair]!.firstDataFromClient = fact.frame }
        } else {
            self.tunnels[pair]!.dataFromServer += 1
            if self.tunnels[pair]!.firstDataFromServer == nil { self.tunnels[pair]!.firstDataFromServer = fact.frame }
        }
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        scope.eachSession(&sessions) { session, owned in session.l2tp = owned.lazy.compactMap { self.tunnels[$0] }.first }
    }
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

