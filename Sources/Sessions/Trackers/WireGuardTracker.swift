import Capture
import Decoding

/// WireGuard by pair of peers: handshakes matched by index (a response or cookie reply names the
/// initiation's sender index as its receiver), transport data counted per direction in place (no
/// allocation per packet once the pair is known). Bounded by `AnalysisLimits`: pairs up to
/// `hostPairs`, handshakes of a pair up to `messagesPerSession`; what goes over is counted as dropped.
struct WireGuardTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var pairs: [HostPair: Peers] = [:]
    var dropped = DroppedState()

    struct Peers {
        var handshakes: [WireGuardHandshake] = []
        /// Transport data that carries something, and keepalives, from the pair's low and high address.
        var data = (TrafficCounter(), TrafficCounter())
        var keepalives = (Keepalives(), Keepalives())
        var cookieReplies: [Int] = []
    }
    struct Keepalives { var count = 0; var firstFrame = 0 }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        guard case .wireguard(let w) = fact.kind else { return }
        self.add(w, fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: fact.time, seconds: context.time,
                 bytes: fact.ipLength)
    }

    @inline(__always)
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double) {
        guard case .wireguard(let w) = d.kind else { return }
        self.add(w, Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame, time: time,
                 seconds: seconds, bytes: d.ipLength)
    }

    /// The evidence of each session's home pair, its low address taken as client until the roles
    /// are known (`complete`).
    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for a in sessions.indices where sessions[a] != nil {
            sessions[a]!.wireguard = self.evidence(scope.homes[a], client: scope.homes[a].low) {
                Analyzer.summary($0, start: scope.start)
            }
        }
    }

    func complete(_ session: inout Session, _ scope: FinishScope, attempt: Int) {
        guard var e = session.wireguard, session.client != scope.homes[attempt].low else { return }
        (e.fromClient, e.fromServer) = (e.fromServer, e.fromClient)
        session.wireguard = e
    }

    /// One message at `time` (`seconds` into the capture).
    mutating func add(_ m: WireGuardFact, _ source: Endpoint, _ destination: Endpoint, frame: Int, time: Timestamp,
                      seconds: Double, bytes: Int) {
        let pair = HostPair(source.address, destination.address)
        guard let index = self.pairs.index(forKey: pair) ?? self.insert(pair) else { return }
        switch m.type {
        case .transportData:
            let fromLow = source.address == pair.low
            if m.keepalive {
                if fromLow { self.pairs.values[index].keepalives.0.add(frame) } else { self.pairs.values[index].keepalives.1.add(frame) }
            } else if fromLow {
                self.pairs.values[index].data.0.add(frame: frame, time: time, bytes: bytes)
            } else {
                self.pairs.values[index].data.1.add(frame: frame, time: time, bytes: bytes)
            }
        case .initiation:
            guard self.pairs.values[index].handshakes.count < self.limits.messagesPerSession else {
                self.dropped.messages &+= 1
                return
            }
            self.pairs.values[index].handshakes.append(WireGuardHandshake(
                initiator: source, responder: destination, initiatorIndex: m.sender, initiationFrame: frame, time: seconds))
        case .response, .cookieReply:
            if m.type == .cookieReply {
                self.pairs.values[index].cookieReplies.append(frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames)
            }
            // The newest initiation it answers (by its sender index, sent by the peer this goes to).
            guard let h = self.pairs.values[index].handshakes.lastIndex(where: {
                $0.initiatorIndex == m.receiver && $0.initiator.address == destination.address
            }) else { return }
            if m.type == .response {
                guard self.pairs.values[index].handshakes[h].responseFrame == nil else { return }
                self.pairs.values[index].handshakes[h].responseFrame = frame
                self.pairs.values[index].handshakes[h].responderIndex = m.sender
                self.pairs.values[index].handshakes[h].responseTime = seconds
            } else if self.pairs.values[index].handshakes[h].cookieReplyFrame == nil {
                self.pairs.values[index].handshakes[h].cookieReplyFrame = frame
            }
        }
    }

    private mutating func insert(_ pair: HostPair) -> Dictionary<HostPair, Peers>.Index? {
        guard self.pairs.count < self.limits.hostPairs else {
            self.dropped.hostPairs &+= 1
            return nil
        }
        self.pairs[pair] = Peers()
        return self.pairs.index(forKey: pair)
    }

    /// The evidence of a pair, with `client` as the initiator side; `summary` makes a counter's report.
    func evidence(_ pair: HostPair, client: IPAddress, summary: (TrafficCounter) -> CounterSummary) -> WireGuardEvidence? {
        guard let peers = self.pairs[pair] else { return nil }
        func traffic(_ data: TrafficCounter, _ k: Keepalives) -> WireGuardTraffic {
            var t = WireGuardTraffic()
            t.data = summary(data)
            t.keepalives = k.count
            t.firstKeepaliveFrame = k.count > 0 ? k.firstFrame : nil
            return t
        }
        var e = WireGuardEvidence()
        e.handshakes = peers.handshakes
        e.cookieReplyFrames = peers.cookieReplies
        let low = traffic(peers.data.0, peers.keepalives.0), high = traffic(peers.data.1, peers.keepalives.1)
        (e.fromClient, e.fromServer) = client == pair.low ? (low, high) : (high, low)
        return e
    }
}

extension WireGuardTracker.Keepalives {
    @inline(__always)
    mutating func add(_ frame: Int) {
        if self.count == 0 { self.firstFrame = frame }
        self.count &+= 1
    }
}
