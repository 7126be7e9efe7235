import Capture
import Decoding

/// A TLS record read from an OpenVPN control channel (reassembled in message packet-ID order).
public struct OpenVPNTLSRecord: Sendable, Codable, Hashable {
    /// The frame that completed the record.
    public var frame: Int
    public var time: Double
    public var fromClient: Bool
    /// 20 ChangeCipherSpec, 21 alert, 22 handshake, 23 application data.
    public var contentType: UInt8
    /// The handshake messages that start in the record, in clear ("ClientHello", "Certificate"…).
    public var handshake: [String] = []
    /// A cleartext alert: level (1 warning, 2 fatal) and description (RFC 8446 §6).
    public var alertLevel: UInt8?
    public var alertDescription: UInt8?

    public var alertName: String? { self.alertDescription.map { TLSNames.alert($0) } }
}

/// One OpenVPN attempt: a client session ID (from its hard reset) and what followed, between one
/// client and one server endpoint.
public struct OpenVPNEvidence: Sendable, Codable, Hashable {
    public var client: Endpoint
    public var server: Endpoint
    public var overTCP: Bool
    public var clientSessionID: String?
    public var serverSessionID: String?
    /// "none", "tls-auth (HMAC 20 bytes)", "tls-crypt": from the client's hard reset.
    public var protection: String?
    public var clientResets: [Int] = []
    public var serverResets: [Int] = []
    public var start: Double
    public var end: Double
    public var tlsRecords: [OpenVPNTLSRecord] = []
    /// TLS records the reassembly could not read (packet IDs missing, not TLS): none when whole.
    public var tlsUnreadable = false
    public var dataFromClient = 0
    public var dataFromServer = 0
    public var firstDataFromClient: Int?
    public var firstDataFromServer: Int?
    /// Over TCP: the client's SYNs, the server's SYN-ACK and RSTs with their sender.
    public var synFrames: [Int] = []
    public var synAckFrames: [Int] = []
    public var resetFrames: [Int] = []
    public var resetFromServer = false

    /// A cleartext TLS alert, with the side that sent it.
    public var alert: OpenVPNTLSRecord? { self.tlsRecords.first { $0.alertDescription != nil } }
    /// The server answered the client's hard reset.
    public var answered: Bool { !self.serverResets.isEmpty || self.tlsRecords.contains { !$0.fromClient } || self.dataFromServer > 0 }
    public func records(fromClient: Bool, type: UInt8) -> [OpenVPNTLSRecord] {
        self.tlsRecords.filter { $0.fromClient == fromClient && $0.contentType == type }
    }
}

/// OpenVPN sessions keyed by the client's session ID (the server's, once it answers, leads to the
/// same one), and the endpoints of each for the data packets, which carry no session ID. Bounded by
/// `AnalysisLimits`: `records` sessions, `messagesPerSession` TLS records each, `framesPerList`
/// frames per list; the control channel's reassembly holds at most `maxPending` packets and
/// `maxStreamBytes` bytes per direction.
struct OpenVPNTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var sessions: [OpenVPNEvidence] = []
    private var bySessionID: [UInt64: Int] = [:]
    /// The latest session of each (client, server) endpoint pair.
    private var byEndpoints: [EndpointPair: Int] = [:]
    private var streams: [StreamKey: TLSStream] = [:]
    var dropped = DroppedState()

    static let maxPending = 64
    static let maxStreamBytes = 64 * 1024

    struct EndpointPair: Hashable { var client: Endpoint; var server: Endpoint }
    struct StreamKey: Hashable { var session: Int; var fromClient: Bool }

    /// One direction of a control channel: its TLS bytes put back in packet-ID order.
    struct TLSStream {
        var keyID: UInt8
        var next: UInt32?
        var pending: [UInt32: [UInt8]] = [:]
        var buffer: [UInt8] = []
        /// ChangeCipherSpec sent: later handshake records and alerts are encrypted.
        var encrypted = false
        var lost = false
    }

    init(limits: AnalysisLimits) { self.limits = limits }

    var isEmpty: Bool { self.sessions.isEmpty }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .other:
            if let tcp = fact.tcp, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .openvpn {
                self.addTCP(tcp, fact, time: context.time)
            } else if fact.ipProtocol == .udp, !self.isEmpty {
                self.addData(fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: context.time)
            }
        case .openvpn(let packets):
            if let tcp = fact.tcp { self.addTCP(tcp, fact, time: context.time) }
            self.add(packets, fact, time: context.time)
        default: break
        }
    }

    /// Data packets, and UDP on a session's endpoints (data on a port without a registry entry).
    @inline(__always)
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double) {
        switch d.kind {
        case .openvpnData: break
        case .other where d.ipProtocol == .udp && !self.isEmpty: break
        default: return
        }
        self.addData(Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame, time: seconds)
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for o in self.sessions {
            if let a = scope.owner(of: HostPair(o.client.address, o.server.address)) { sessions[a]?.openvpn.append(o) }
        }
    }

    /// The OpenVPN packets of one datagram or segment.
    mutating func add(_ packets: [OpenVPNPacketFact], _ fact: PacketFact, time: Double) {
        for p in packets {
            if p.opcode.isData {
                self.addData(fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: time)
                continue
            }
            guard let index = self.session(for: p, fact, time: time) else { continue }
            var s = self.sessions[index]
            let fromClient = fact.sourceEndpoint == s.client
            s.end = max(s.end, time)
            if p.opcode.isClientReset { s.clientResets.append(fact.frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames) }
            if p.opcode.isServerReset {
                s.serverResets.append(fact.frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames)
                if let id = p.sessionID {
                    s.serverSessionID = hex64(id)
                    if self.bySessionID[id] == nil { self.bySessionID[id] = index }
                }
            }
            if s.protection == nil, p.opcode.isClientReset {
                s.protection = p.tlsCrypt ? "tls-crypt" : (p.hmacSize ?? 0) > 0 ? "tls-auth (HMAC \(p.hmacSize!) bytes)" : "none"
            }
            self.sessions[index] = s
            if let id = p.messagePacketID { self.addControl(p, id: id, session: index, fromClient: fromClient, frame: fact.frame, time: time) }
        }
    }

    /// The session a control packet belongs to: by its session IDs, else a new one (a client hard
    /// reset with a new ID starts a new attempt).
    private mutating func session(for p: OpenVPNPacketFact, _ fact: PacketFact, time: Double) -> Int? {
        for id in [p.sessionID, p.remoteSessionID].compactMap({ $0 }) {
            if let index = self.bySessionID[id] { return index }
        }
        guard self.sessions.count < self.limits.records else {
            self.dropped.records &+= 1
            return nil
        }
        // The client sent the hard reset; without one, the side on the registry's port is the server.
        let serverIsSource = p.opcode.isServerReset
            || (!p.opcode.isClientReset && ProtocolRegistry.isPort(fact.sourcePort, of: .openvpn)
                && !ProtocolRegistry.isPort(fact.destinationPort, of: .openvpn))
        let client = serverIsSource ? fact.destinationEndpoint : fact.sourceEndpoint
        let server = serverIsSource ? fact.sourceEndpoint : fact.destinationEndpoint
        // The other side's first packet (tls-crypt hides the peer's session ID it would carry), or the
        // client's hard reset after the TCP handshake that made the session.
        if let i = self.byEndpoints[EndpointPair(client: client, server: server)],
           (serverIsSource ? self.sessions[i].serverSessionID : self.sessions[i].clientSessionID) == nil,
           !p.opcode.isClientReset || self.sessions[i].clientResets.isEmpty {
            if let id = p.sessionID {
                self.bySessionID[id] = i
                if serverIsSource { self.sessions[i].serverSessionID = hex64(id) } else { self.sessions[i].clientSessionID = hex64(id) }
            }
            return i
        }
        let index = self.sessions.count
        var s = OpenVPNEvidence(client: client, server: server, overTCP: fact.tcp != nil, start: time, end: time)
        if let id = p.sessionID {
            if serverIsSource { s.serverSessionID = hex64(id) } else { s.clientSessionID = hex64(id) }
            self.bySessionID[id] = index
        }
        self.sessions.append(s)
        self.byEndpoints[EndpointPair(client: client, server: server)] = index
        return index
    }

    /// A data packet (`P_DATA_V1/V2`, or UDP between the endpoints of a session on a port without a
    /// registry entry); ignored when it belongs to no session.
    mutating func addData(_ source: Endpoint, _ destination: Endpoint, frame: Int, time: Double) {
        let fromClient: Bool
        let index: Int
        if let i = self.byEndpoints[EndpointPair(client: source, server: destination)] {
            (index, fromClient) = (i, true)
        } else if let i = self.byEndpoints[EndpointPair(client: destination, server: source)] {
            (index, fromClient) = (i, false)
        } else {
            return
        }
        if fromClient {
            self.sessions[index].dataFromClient &+= 1
            if self.sessions[index].firstDataFromClient == nil { self.sessions[index].firstDataFromClient = frame }
        } else {
            self.sessions[index].dataFromServer &+= 1
            if self.sessions[index].firstDataFromServer == nil { self.sessions[index].firstDataFromServer = frame }
        }
        if time > self.sessions[index].end { self.sessions[index].end = time }
    }

    /// TCP flags of a segment to or from an OpenVPN TCP port: SYN, SYN-ACK, RST.
    mutating func addTCP(_ tcp: TCPFact, _ fact: PacketFact, time: Double) {
        guard tcp.isSYN || tcp.isSYNACK || tcp.isRST else { return }
        let toServer = ProtocolRegistry.isPort(fact.destinationPort, of: .openvpn)
        let client = toServer ? fact.sourceEndpoint : fact.destinationEndpoint
        let server = toServer ? fact.destinationEndpoint : fact.sourceEndpoint
        let pair = EndpointPair(client: client, server: server)
        let index: Int
        if let i = self.byEndpoints[pair] {
            index = i
        } else {
            guard tcp.isSYN, self.sessions.count < self.limits.records else { return }
            index = self.sessions.count
            self.sessions.append(OpenVPNEvidence(client: client, server: server, overTCP: true, start: time, end: time))
            self.byEndpoints[pair] = index
        }
        let limit = self.limits.framesPerList
        if tcp.isSYN { self.sessions[index].synFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isSYNACK { self.sessions[index].synAckFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isRST {
            self.sessions[index].resetFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !toServer { self.sessions[index].resetFromServer = true }
        }
        self.sessions[index].end = max(self.sessions[index].end, time)
    }

    // MARK: - Control channel

    private mutating func addControl(_ p: OpenVPNPacketFact, id: UInt32, session: Int, fromClient: Bool, frame: Int,
                                     time: Double) {
        guard !p.tlsCrypt else { return }  // encrypted: no TLS to read
        let key = StreamKey(session: session, fromClient: fromClient)
        var stream = self.streams[key] ?? TLSStream(keyID: p.keyID)
        if stream.keyID != p.keyID { stream = TLSStream(keyID: p.keyID) }  // a new key: a new handshake
        if stream.next == nil { stream.next = id }
        guard let next = stream.next, id >= next, stream.pending[id] == nil else { return }  // a retransmission
        guard stream.pending.count < Self.maxPending else {
            stream.lost = true
            self.streams[key] = stream
            return
        }
        stream.pending[id] = p.tls
        while let next = stream.next, let bytes = stream.pending.removeValue(forKey: next) {
            stream.next = next &+ 1
            guard !stream.lost else { continue }
            if stream.buffer.count + bytes.count > Self.maxStreamBytes {
                stream.lost = true
                stream.buffer = []
                continue
            }
            stream.buffer += bytes
            self.readRecords(&stream, session: session, fromClient: fromClient, frame: frame, time: time)
        }
        self.streams[key] = stream
    }

    /// Takes the whole TLS records out of `stream`'s buffer (`TLSRecord`); a buffer that does not
    /// start like one is not TLS, and the stream is given up.
    private mutating func readRecords(_ stream: inout TLSStream, session: Int, fromClient: Bool, frame: Int, time: Double) {
        var at = 0
        let b = stream.buffer
        while b.count - at >= 5 {
            guard let tls = TLSRecord(b[at...]) else {
                stream.lost = true
                self.sessions[session].tlsUnreadable = true
                stream.buffer = []
                return
            }
            guard b.count - at >= tls.wireLength else { break }
            var record = OpenVPNTLSRecord(frame: frame, time: time, fromClient: fromClient, contentType: tls.contentType)
            switch tls.contentType {
            case TLSRecord.changeCipherSpec: stream.encrypted = true
            case TLSRecord.alert where !stream.encrypted: (record.alertLevel, record.alertDescription) = (tls.alertLevel, tls.alertDescription)
            case TLSRecord.handshake where !stream.encrypted: record.handshake = tls.handshakeNames
            default: break
            }
            if self.sessions[session].tlsRecords.count < self.limits.messagesPerSession {
                self.sessions[session].tlsRecords.append(record)
            } else {
                self.dropped.messages &+= 1
            }
            at += tls.wireLength
        }
        stream.buffer.removeFirst(at)
    }
}
