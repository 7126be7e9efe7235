import Decoding

/// One TCP connection meant to carry IKE and ESP — RFC 8229: what TCP did (the handshake, who
/// closed it) and what the stream carried. The IKE messages themselves join their IKE SA, and the
/// ESP its streams, exactly as over UDP; this is what only TCP can say.
public struct IKETCPConnection: Sendable, Codable, Hashable {
    /// The side that sent the SYN (or the stream prefix; else the side not on TCP 4500).
    public var client: Endpoint
    public var server: Endpoint
    public var synFrames: [Int] = []
    public var synAckFrames: [Int] = []
    /// The frame completing the "IKETCP" stream prefix.
    public var prefixFrame: Int?
    /// Frames of the IKE messages read from the stream, and how many ESP packets each way.
    public var ikeFrames: [Int] = []
    public var espFromClient = 0
    public var espFromServer = 0
    public var resetFrames: [Int] = []
    public var resetFromServer = false
    public var finFrames: [Int] = []
    /// The first FIN or RST: its frame, its time, and whether the server sent it (who closed).
    public var closeFrame: Int?
    public var closeTime: Double?
    public var closedByServer = false
    /// Capture-relative seconds of its first and last segment.
    public var start: Double
    public var end: Double
}

/// Builds `IKETCPConnection`s from the TCP segments of RFC 8229 streams: those on TCP 4500 and, on
/// any other port, those whose stream opened with the prefix (`recognise`).
struct IKETCPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var connections: [IKETCPConnection] = []
    private var byEndpoints: [EndpointPair: Int] = [:]
    private var droppedFrames = 0
    var dropped: DroppedState { DroppedState(frames: self.droppedFrames) }

    init(limits: AnalysisLimits) { self.limits = limits }

    /// Each connection to the session of its pair of hosts (the IKE messages and ESP it carried are
    /// already in the IKE and ESP trackers).
    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for c in self.connections {
            if let a = scope.owner(of: HostPair(c.client.address, c.server.address)) { sessions[a]?.ikeTCP.append(c) }
        }
    }
    /// The messages the last segment completed that its own frame could not show (split over
    /// segments), for `packets`: its frame, and each message's first frame and summary.
    private(set) var reassembled: (frame: Int, messages: [(firstFrame: Int, summary: String)]) = (0, [])

    /// Whether a TCP segment between these endpoints belongs to an RFC 8229 stream: on TCP 4500, or
    /// a connection `recognise` made (its prefix seen, on any port).
    @inline(__always)
    func carries(_ source: Endpoint, _ destination: Endpoint) -> Bool {
        ProtocolRegistry.tcp(source.port, destination.port)?.service == .ikeTCP
            || (!self.byEndpoints.isEmpty && self.byEndpoints[EndpointPair(source, destination)] != nil)
    }

    /// A segment whose payload starts with the stream prefix: its connection is an RFC 8229 stream
    /// whatever its port, and the prefix's sender the client.
    mutating func recognise(_ fact: PacketFact, time: Double) {
        guard let i = self.connection(fact, client: fact.sourceEndpoint, time: time) else { return }
        if self.connections[i].prefixFrame == nil { self.connections[i].prefixFrame = fact.frame }
    }

    /// Whether the connection's stream may carry IKE: its client sent the prefix, or the capture
    /// began after the connection's SYN (the stream then resynchronises on an IKE header).
    func opened(_ fact: PacketFact) -> Bool {
        guard let i = self.byEndpoints[EndpointPair(fact.sourceEndpoint, fact.destinationEndpoint)] else { return true }
        return self.connections[i].prefixFrame != nil || self.connections[i].synFrames.isEmpty
    }

    mutating func noteReassembled(frame: Int, from firstFrame: Int, _ summary: String) {
        if self.reassembled.frame != frame { self.reassembled = (frame, []) }
        if self.reassembled.messages.count < 16 { self.reassembled.messages.append((firstFrame, summary)) }
    }

    /// The handshake and closing segments of a connection `carries`.
    mutating func addTCP(_ tcp: TCPFact, _ fact: PacketFact, time: Double) {
        guard tcp.isSYN || tcp.isSYNACK || tcp.isRST || tcp.isFIN else { return }
        let client: Endpoint = if tcp.isSYN { fact.sourceEndpoint } else if tcp.isSYNACK { fact.destinationEndpoint }
            else if ProtocolRegistry.isPort(fact.destinationPort, of: .ikeTCP) { fact.sourceEndpoint } else { fact.destinationEndpoint }
        guard let i = self.connection(fact, client: client, time: time) else { return }
        let fromServer = fact.sourceEndpoint == self.connections[i].server
        let limit = self.limits.framesPerList
        if tcp.isSYN { self.connections[i].synFrames.append(fact.frame, limit: limit, dropped: &self.droppedFrames) }
        if tcp.isSYNACK { self.connections[i].synAckFrames.append(fact.frame, limit: limit, dropped: &self.droppedFrames) }
        if tcp.isRST {
            self.connections[i].resetFrames.append(fact.frame, limit: limit, dropped: &self.droppedFrames)
            if fromServer { self.connections[i].resetFromServer = true }
        }
        if tcp.isFIN { self.connections[i].finFrames.append(fact.frame, limit: limit, dropped: &self.droppedFrames) }
        if (tcp.isFIN || tcp.isRST), self.connections[i].closeFrame == nil {
            (self.connections[i].closeFrame, self.connections[i].closeTime, self.connections[i].closedByServer) = (fact.frame, time, fromServer)
        }
    }

    /// A message read from the stream: an IKE message, or an ESP packet.
    mutating func noteMessage(ike: Bool, _ fact: PacketFact, time: Double) {
        guard let i = self.connection(fact, client: fact.sourceEndpoint, time: time) else { return }
        if ike {
            self.connections[i].ikeFrames.append(fact.frame, limit: self.limits.framesPerList, dropped: &self.droppedFrames)
        } else if fact.sourceEndpoint == self.connections[i].client {
            self.connections[i].espFromClient &+= 1
        } else {
            self.connections[i].espFromServer &+= 1
        }
    }

    /// The connection between the fact's endpoints (made, with `client`, when new and there is room),
    /// its end moved to `time`.
    private mutating func connection(_ fact: PacketFact, client: Endpoint, time: Double) -> Int? {
        let pair = EndpointPair(fact.sourceEndpoint, fact.destinationEndpoint)
        let index: Int
        if let i = self.byEndpoints[pair] {
            index = i
        } else {
            guard self.connections.count < self.limits.records else { self.droppedFrames &+= 1; return nil }
            index = self.connections.count
            let server = client == fact.sourceEndpoint ? fact.destinationEndpoint : fact.sourceEndpoint
            self.connections.append(IKETCPConnection(client: client, server: server, start: time, end: time))
            self.byEndpoints[pair] = index
        }
        self.connections[index].end = max(self.connections[index].end, time)
        return index
    }
}
