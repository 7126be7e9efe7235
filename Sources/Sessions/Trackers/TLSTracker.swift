import Capture
import Decoding

/// One TLS connection on a TLS-VPN port (`ProtocolRegistry`'s `.tls` entries) as far as it shows in
/// clear: the hellos, an alert, and application data each way. Whether its handshake completed is
/// an inference: the server sent application data after the client's first (TLS 1.3 hides the
/// Finished messages, and a client refusing the server's certificate sends its alert encrypted).
public struct TLSConnection: Sendable, Codable, Hashable {
    public struct Alert: Sendable, Codable, Hashable {
        public var frame: Int
        public var fromClient: Bool
        public var level: UInt8
        public var description: UInt8
        public var name: String { TLSNames.alert(self.description) }
    }

    public var client: Endpoint
    public var server: Endpoint
    public var firstFrame: Int
    public var lastFrame: Int
    public var clientHello: TLSHello?
    public var clientHelloFrame: Int?
    public var serverHello: TLSHello?
    public var serverHelloFrame: Int?
    /// The first alert in clear.
    public var alert: Alert?
    /// Segments starting an application-data record, each way.
    public var clientData = 0
    public var serverData = 0
    public var firstClientData: Int?
    /// The server's first application data after the client's first: it took the client's handshake.
    public var serverDataAfterClient: Int?
    /// The first FIN or RST, and its sender: the connection ended (the handshake will not go on).
    public var closedFrame: Int?
    public var closedByClient = false
    public var closedWithReset = false
    /// Capture-relative seconds of the first handshake record and of the last segment seen.
    public var start: Double
    public var end: Double

    /// Both sides sent application data after the handshake (see the type's note).
    public var completed: Bool { self.serverDataAfterClient != nil }
    public var serverName: String? { self.clientHello?.serverName }
}

/// The TLS connections of the capture, keyed by their two endpoints. Segments that start a record
/// reach it (handshake and alert records decoded, application data from its header on the data
/// plane); a connection is tracked from its first handshake record, at most `AnalysisLimits.records`
/// of them (more are counted in `dropped`), and a data segment costs one table lookup.
struct TLSTracker {
    let limits: AnalysisLimits
    private(set) var connections: [TLSConnection] = []
    private var index: [EndpointPair: Int] = [:]
    var dropped = 0

    init(limits: AnalysisLimits) { self.limits = limits }

    /// A FIN or RST of a tracked connection (they reach the decoder: `Classifier.wire`).
    mutating func addTCP(_ tcp: TCPFact, _ fact: PacketFact, time: Double) {
        guard tcp.isFIN || tcp.isRST, let i = self.index[EndpointPair(fact.sourceEndpoint, fact.destinationEndpoint)] else { return }
        self.connections[i].end = time
        guard self.connections[i].closedFrame == nil else { return }
        self.connections[i].closedFrame = fact.frame
        self.connections[i].closedByClient = fact.sourceEndpoint == self.connections[i].client
        self.connections[i].closedWithReset = tcp.isRST
    }

    /// A segment whose records were decoded.
    mutating func add(_ segment: TLSSegment, _ fact: PacketFact, time: Double) {
        guard let first = segment.records.first else { return }
        if first.contentType == TLSRecord.applicationData {
            return self.addData(fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame)
        }
        let pair = EndpointPair(fact.sourceEndpoint, fact.destinationEndpoint)
        guard let i = self.index[pair] ?? self.open(segment, fact, pair, time: time) else { return }
        var c = self.connections[i]
        let fromClient = fact.sourceEndpoint == c.client
        c.lastFrame = fact.frame
        c.end = time
        for record in segment.records {
            if let hello = record.hello, hello.isClient == fromClient {
                if fromClient, c.clientHello == nil { (c.clientHello, c.clientHelloFrame) = (hello, fact.frame) }
                if !fromClient, c.serverHello == nil { (c.serverHello, c.serverHelloFrame) = (hello, fact.frame) }
            }
            if c.alert == nil, let level = record.alertLevel, let description = record.alertDescription {
                c.alert = .init(frame: fact.frame, fromClient: fromClient, level: level, description: description)
            }
        }
        self.connections[i] = c
    }

    /// A segment starting an application-data record (also from the data plane, without decoding).
    @inline(__always)
    mutating func addData(_ source: Endpoint, _ destination: Endpoint, frame: Int) {
        guard let i = self.index[EndpointPair(source, destination)] else { return }
        self.connections[i].lastFrame = frame
        if source == self.connections[i].client {
            self.connections[i].clientData &+= 1
            if self.connections[i].firstClientData == nil { self.connections[i].firstClientData = frame }
        } else {
            self.connections[i].serverData &+= 1
            if self.connections[i].firstClientData != nil, self.connections[i].serverDataAfterClient == nil {
                self.connections[i].serverDataAfterClient = frame
            }
        }
    }

    /// A new connection from its first handshake record: the server is the side on the TLS port (the
    /// one not sending a ClientHello when both are).
    private mutating func open(_ segment: TLSSegment, _ fact: PacketFact, _ pair: EndpointPair, time: Double) -> Int? {
        guard self.connections.count < self.limits.records else { self.dropped &+= 1; return nil }
        let hello = segment.records.first?.hello
        let sourceIsServer = hello.map { !$0.isClient }
            ?? (ProtocolRegistry.isPort(fact.sourcePort, of: .tls) && !ProtocolRegistry.isPort(fact.destinationPort, of: .tls))
        let (client, server) = sourceIsServer ? (fact.destinationEndpoint, fact.sourceEndpoint) : (fact.sourceEndpoint, fact.destinationEndpoint)
        self.index[pair] = self.connections.count
        self.connections.append(TLSConnection(client: client, server: server, firstFrame: fact.frame, lastFrame: fact.frame,
                                              start: time, end: time))
        return self.connections.count - 1
    }
}
