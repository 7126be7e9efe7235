import Capture
import Decoding

/// L2TP tunnels keyed by their tunnel IDs (RFC 2661 §3.1): each side assigns its own ID (the
/// Assigned Tunnel ID of SCCRQ and SCCRP) and every message carries the receiver's, so a tunnel is
/// found by (host pair, receiver, ID). Two tunnels between one pair of hosts at the same time are two
/// sessions unless IKE makes them one attempt (`split`). A message whose ID was never assigned
/// in the capture (it began mid-tunnel) joins the pair's newest tunnel that has no ID for that
/// receiver yet, else starts one. Per tunnel: the control messages (retransmissions found by their
/// signature), the user data each way, the PPP frames it carried and its span. Kept only for pairs
/// with a session; bounded by `records` tunnels and `messagesPerSession` messages each.
struct L2TPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var tunnels: [Tunnel] = []
    private var routes: [AssignedID: Int] = [:]
    /// The tunnels of each host pair, in the order they began.
    private var byPair: [HostPair: [Int]] = [:]
    /// The frame of each distinct control message (retransmissions repeat the signature).
    private var signatures: [Signature: Int] = [:]
    private(set) var dropped = DroppedState()

    struct Tunnel: AttemptChannel {
        var pair: HostPair
        var evidence: L2TPEvidence
        var span: Span
        /// The frames of the PPP control it carried (its session's part of the pair's PPP).
        var pppFrames: Set<Int> = []
        /// The receivers whose tunnel ID is known.
        var routed: Set<IPAddress> = []
        var ends: EndpointPair { EndpointPair(self.evidence.client, self.evidence.server) }
    }
    struct Signature: Hashable { var source: IPAddress; var tunnel: UInt16; var ns: UInt16; var type: UInt16 }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .l2tpControl(let c): self.add(c, fact, context)
        case .l2tpData(let tunnel, _, let userData): if userData { self.countData(tunnel: tunnel, fact, context) }
        case .pppControl(_, .l2tp(let tunnel, _)):
            guard let t = self.tunnel(fact, id: tunnel, assigned: nil) else { return }
            if self.tunnels[t].pppFrames.count < self.limits.messagesPerSession { self.tunnels[t].pppFrames.insert(fact.frame) }
            self.tunnels[t].span.extend(frame: fact.frame, time: context.time)
        default: break
        }
    }

    /// The tunnel of a message carrying the receiver's tunnel ID `id` (0 before it is known) and,
    /// in SCCRQ/SCCRP, the sender's `assigned` one.
    func tunnel(_ fact: PacketFact, id: UInt16, assigned: UInt16?) -> Int? {
        let pair = HostPair(fact.source, fact.destination)
        if id != 0, let t = self.routes[AssignedID(pair: pair, receiver: fact.destination, id: id)] { return t }
        if let assigned, let t = self.routes[AssignedID(pair: pair, receiver: fact.source, id: assigned)] { return t }
        return nil
    }

    /// The tunnel for a message not yet routed: the pair's newest one without an ID for the
    /// receiver (the other half of a tunnel first seen mid-way), else a new one. SCCRQ always starts one.
    mutating func open(_ fact: PacketFact, startsTunnel: Bool, client sourceIsClient: Bool, _ context: TrackerContext) -> Int? {
        let pair = HostPair(fact.source, fact.destination)
        if !startsTunnel, let t = self.byPair[pair]?.last(where: { !self.tunnels[$0].routed.contains(fact.destination) }) {
            return t
        }
        guard self.tunnels.count < self.limits.records else { self.dropped.records &+= 1; return nil }
        self.byPair[pair, default: []].append(self.tunnels.count)
        self.tunnels.append(Tunnel(
            pair: pair,
            evidence: L2TPEvidence(client: sourceIsClient ? fact.sourceEndpoint : fact.destinationEndpoint,
                                   server: sourceIsClient ? fact.destinationEndpoint : fact.sourceEndpoint),
            span: Span(frame: fact.frame, time: context.time)))
        return self.tunnels.count - 1
    }

    mutating func route(_ t: Int, _ fact: PacketFact, id: UInt16, assigned: UInt16?) {
        let pair = HostPair(fact.source, fact.destination)
        if id != 0, self.tunnels[t].routed.insert(fact.destination).inserted {
            self.routes[AssignedID(pair: pair, receiver: fact.destination, id: id)] = t
        }
        if let assigned, self.tunnels[t].routed.insert(fact.source).inserted {
            self.routes[AssignedID(pair: pair, receiver: fact.source, id: assigned)] = t
        }
    }

    mutating func add(_ c: L2TPControlFact, _ fact: PacketFact, _ context: TrackerContext) {
        guard context.knows(HostPair(fact.source, fact.destination)) else { return }
        // The LAC sends SCCRQ; mid-session, the side not bound to 1701 (or the first sender).
        let sourceIsClient: Bool = switch c.messageType {
        case .sccrq?, .scccn?, .icrq?, .iccn?: true
        case .sccrp?, .icrp?: false
        default: !(ProtocolRegistry.isPort(fact.sourcePort, of: .l2tp) && !ProtocolRegistry.isPort(fact.destinationPort, of: .l2tp))
        }
        guard let t = self.tunnel(fact, id: c.tunnelID, assigned: c.assignedTunnelID)
            ?? self.open(fact, startsTunnel: c.messageType == .sccrq, client: sourceIsClient, context) else { return }
        self.route(t, fact, id: c.tunnelID, assigned: c.assignedTunnelID)
        guard self.tunnels[t].evidence.messages.count < self.limits.messagesPerSession else {
            self.dropped.messages &+= 1
            return
        }
        self.tunnels[t].span.extend(frame: fact.frame, time: context.time)
        let fromClient = fact.source == self.tunnels[t].evidence.client.address
        var retransmissionOf: Int?
        if let type = c.messageType {
            let signature = Signature(source: fact.source, tunnel: c.tunnelID, ns: c.ns, type: type.rawValue)
            if let first = self.signatures[signature] {
                retransmissionOf = first
            } else {
                self.signatures[signature] = fact.frame
            }
        }
        self.tunnels[t].evidence.messages.append(L2TPMessageRecord(
            frame: fact.frame, time: context.time, fromClient: fromClient, tunnelID: c.tunnelID, sessionID: c.sessionID, ns: c.ns,
            nr: c.nr, type: c.messageType, resultCode: c.resultCode, errorCode: c.errorCode, resultText: c.resultText,
            retransmissionOf: retransmissionOf))
    }

    /// User data inside the tunnel; a tunnel first seen by its data (mid-session) is recorded with
    /// the side not bound to 1701 (or the first sender) as client.
    mutating func countData(tunnel id: UInt16, _ fact: PacketFact, _ context: TrackerContext) {
        guard context.knows(HostPair(fact.source, fact.destination)) else { return }
        let sourceIsClient = !(fact.sourcePort == 1701 && fact.destinationPort != 1701)
        guard let t = self.tunnel(fact, id: id, assigned: nil)
            ?? self.open(fact, startsTunnel: false, client: sourceIsClient, context) else { return }
        self.route(t, fact, id: id, assigned: nil)
        self.tunnels[t].span.extend(frame: fact.frame, time: context.time)
        if fact.source == self.tunnels[t].evidence.client.address {
            self.tunnels[t].evidence.dataFromClient += 1
            if self.tunnels[t].evidence.firstDataFromClient == nil { self.tunnels[t].evidence.firstDataFromClient = fact.frame }
        } else {
            self.tunnels[t].evidence.dataFromServer += 1
            if self.tunnels[t].evidence.firstDataFromServer == nil { self.tunnels[t].evidence.firstDataFromServer = fact.frame }
        }
    }

    /// The tunnels of the first of `owned` that has any (the pair the session's L2TP ran on).
    func tunnels(on owned: [HostPair]) -> [Int] { owned.lazy.compactMap { self.byPair[$0] }.first ?? [] }

    /// The tunnels of the session's pairs as one (`split` parts them when IKE does not hold them
    /// together).
    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        scope.eachSession(&sessions) { session, owned in session.l2tp = self.merged(self.tunnels(on: owned)) }
    }

    /// Tunnels as one: the first one's ends, every message in capture order, the data summed.
    func merged(_ tunnels: [Int]) -> L2TPEvidence? {
        let all = tunnels.map { self.tunnels[$0].evidence }
        guard var merged = all.first else { return nil }
        for e in all.dropFirst() {
            merged.messages += e.messages
            merged.dataFromClient += e.dataFromClient
            merged.dataFromServer += e.dataFromServer
            merged.firstDataFromClient = [merged.firstDataFromClient, e.firstDataFromClient].compactMap { $0 }.min()
            merged.firstDataFromServer = [merged.firstDataFromServer, e.firstDataFromServer].compactMap { $0 }.min()
        }
        merged.messages.sort { $0.frame < $1.frame }
        return merged
    }

    /// Tunnels as separate attempts (`Session.split`): each part its own messages, data, PPP and span.
    static let splits = true
    func split(_ session: Session, owned: [HostPair]) -> [Session] {
        session.split(self.tunnels(on: owned), of: self.tunnels) { part, _, group in part.l2tp = self.merged(group) }
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

