import Capture
import Decoding

/// One protocol's part of the analysis: it reads the facts that concern it, owns the state they
/// make, bounds it (`AnalysisLimits`) and counts what its ceilings refused, then gives each session
/// its evidence. Every tracker is listed once, in `Trackers`; the analyzer hands every fact to all of
/// them and names none.
///
/// What a tracker does not read it ignores: each requirement but `dropped` has a default that does
/// nothing, so a tracker implements only what its protocol has.
protocol Tracker {
    init(limits: AnalysisLimits)
    /// A decoded packet to or from the server (any packet without `--server`), after it was counted.
    mutating func record(_ fact: PacketFact, _ context: TrackerContext)
    /// A decoded packet neither to nor from `--server`: only what can still concern the server (a
    /// lookup of its name, an ICMP error about a packet to it).
    mutating func recordOffServer(_ fact: PacketFact, _ context: TrackerContext)
    /// A data-plane packet read from its header bytes (`Classifier.wire`): must not allocate once its
    /// stream exists (`AnalyzerAllocationTests`).
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double)
    /// What its ceilings refused.
    var dropped: DroppedState { get }
    /// Its evidence into the sessions of the capture (`sessions[a]` is attempt `a`'s, nil when the
    /// attempt has no session), before client and server are known.
    func fill(_ sessions: inout [Session?], _ scope: FinishScope)
    /// The sessions one session holds by the protocol's own identifiers (L2TP tunnels, PPTP
    /// control connections), each with its part of the evidence; `[session]` when it holds one.
    func split(_ session: Session, owned: [HostPair]) -> [Session]
    /// Whether `split` can return other than `[session]`: the others are not asked (asking copied
    /// every session once per tracker).
    static var splits: Bool { get }
    /// What needs the session's client and server (orientation, the server's name lookups).
    func complete(_ session: inout Session, _ scope: FinishScope, attempt: Int)
    /// What it says of the whole capture once the sessions are made.
    func conclude(_ analysis: inout Analysis, flows: FlowTable)
}

extension Tracker {
    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {}
    mutating func recordOffServer(_ fact: PacketFact, _ context: TrackerContext) {}
    @inline(__always)
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double) {}
    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {}
    func split(_ session: Session, owned: [HostPair]) -> [Session] { [session] }
    static var splits: Bool { false }
    func complete(_ session: inout Session, _ scope: FinishScope, attempt: Int) {}
    func conclude(_ analysis: inout Analysis, flows: FlowTable) {}
}

/// What a tracker may read beside the fact: when it came, the host pairs that have a session's
/// span (`Analyzer.touchPair`; pair-level evidence is kept only for those), the server given, and
/// the plain GRE tunnel the packet came out of.
struct TrackerContext {
    /// Seconds since the capture's first packet.
    var time: Double
    var pairs: [HostPair: Analyzer.PairState]
    var server: IPAddress?
    /// The outer pair when the packet was carried inside GRE (`Analyzer.add(_:bytes:)`).
    var tunnel: HostPair?

    func knows(_ pair: HostPair) -> Bool { self.pairs.index(forKey: pair) != nil }
}

/// What the trackers see at the end: the attempts (`Attempts`), the host pairs each owns (in the
/// order they first showed VPN traffic), its home pair, and the capture's first timestamp.
struct FinishScope {
    var attempts: Attempts
    /// Every IKE SA (`IKETracker.all`), as `attempts` indexes them.
    var sas: [IKESA]
    var owned: [[HostPair]]
    var homes: [HostPair]
    var start: Timestamp

    /// Each pair's owner, for the trackers that key their evidence by host pair.
    func owner(of pair: HostPair) -> Int? { self.attempts.pairOwner[pair] }
}

/// Visits every tracker in turn (`Trackers.each`): a generic method, so each call is to the
/// tracker's own type (specialised in an optimised build), with no existential per packet.
protocol TrackerVisitor {
    mutating func visit<T: Tracker>(_ tracker: inout T)
}

extension DroppedState {
    static func + (a: DroppedState, b: DroppedState) -> DroppedState {
        DroppedState(hostPairs: a.hostPairs + b.hostPairs, ikeSAs: a.ikeSAs + b.ikeSAs, streams: a.streams + b.streams,
                     records: a.records + b.records, messages: a.messages + b.messages, frames: a.frames + b.frames,
                     values: a.values + b.values, paths: a.paths + b.paths)
    }
}

extension FinishScope {
    /// `body` on each attempt's session, with the host pairs it owns.
    func eachSession(_ sessions: inout [Session?], _ body: (inout Session, [HostPair]) -> Void) {
        for a in sessions.indices where sessions[a] != nil { body(&sessions[a]!, self.owned[a]) }
    }
}

/// An identifier one side of a protocol assigns for itself and the other side's packets carry
/// (an L2TP tunnel ID, a PPTP call ID): found by the host pair, the side it is addressed to and the value.
struct AssignedID: Hashable {
    var pair: HostPair
    var receiver: IPAddress
    var id: UInt16
}

/// The span of one tunnel or connection: its first and last frame and their capture-relative times.
struct Span {
    var firstFrame: Int, lastFrame: Int, start: Double, end: Double

    init(frame: Int, time: Double) { (self.firstFrame, self.lastFrame, self.start, self.end) = (frame, frame, time, time) }

    mutating func extend(frame: Int, time: Double) {
        self.lastFrame = max(self.lastFrame, frame)
        self.end = max(self.end, time)
    }
}

/// The control channel of one attempt that a protocol keys by its own identifiers (an L2TP
/// tunnel, a PPTP control connection): its span, the PPP it carried and its two ends.
protocol AttemptChannel {
    var span: Span { get }
    var pppFrames: Set<Int> { get }
    var ends: EndpointPair { get }
}

extension Session {
    /// The parts of a session whose channels `mine` (indices into `channels`) are separate attempts
    /// (`Tracker.split`): without IKE to make them one, channels at the same time are separate
    /// sessions (`Span.attempts`; one after the other they are a client retrying). `fill` gives
    /// part `i` its protocol's evidence of the channels in `group`. `[self]` when they are one.
    func split<C: AttemptChannel>(_ mine: [Int], of channels: [C], _ fill: (_ part: inout Session, _ i: Int, _ group: [Int]) -> Void)
        -> [Session] {
        guard mine.count > 1, self.ike.isEmpty else { return [self] }
        let groups = Span.attempts(mine.map { channels[$0].span }).map { $0.map { mine[$0] } }
        guard groups.count > 1 else { return [self] }
        return groups.enumerated().map { i, group in
            var part = self.part(i, span: Span.union(group.map { channels[$0].span }),
                                 pppFrames: group.reduce(into: Set<Int>()) { $0.formUnion(channels[$1].pppFrames) },
                                 endpoints: Set(group.map { channels[$0].ends }))
            fill(&part, i, group)
            return part
        }
    }

    /// Part `index` of a split session: its span, the PPP it carried and its flows. What has no
    /// protocol identifier (echoes, ICMP errors, fragments) stays with the first part. A later part
    /// keeps only the flows of its own channels (`endpoints`) and those without ports (GRE, ESP
    /// between the hosts): a thousand connections between two hosts are a thousand parts, not a
    /// million flows.
    private func part(_ index: Int, span: Span, pppFrames: Set<Int>, endpoints: Set<EndpointPair>) -> Session {
        var part = self
        (part.firstFrame, part.lastFrame, part.start, part.end) = (span.firstFrame, span.lastFrame, span.start, span.end)
        if index > 0 {
            part.flows = self.flows.filter { ($0.a.port == 0 && $0.b.port == 0) || endpoints.contains(EndpointPair($0.a, $0.b)) }
        }
        if let ppp = self.ppp {
            let messages = ppp.messages.filter { pppFrames.contains($0.frame) }
            part.ppp = messages.isEmpty ? nil : PPPEvidence(messages: messages)
        }
        if index > 0 { (part.echoRequests, part.echoReplies, part.icmpErrors, part.incompleteFragmentFrames) = ([], [], [], []) }
        return part
    }
}

extension Span {
    /// `spans` (in the order they began) grouped the way `Attempts` groups IKE SAs: one joins the
    /// earlier group none of whose members overlaps it (the one that ended last: a client's retry),
    /// else starts its own (another attempt at the same time). Indices into `spans`.
    static func attempts(_ spans: [Span]) -> [[Int]] {
        var groups: [[Int]] = [], ends: [Double] = []
        for (i, s) in spans.enumerated() {
            let free = groups.indices.filter { g in groups[g].allSatisfy { spans[$0].end < s.start || s.end < spans[$0].start } }
            if let g = free.max(by: { ends[$0] < ends[$1] }) {
                groups[g].append(i)
                ends[g] = max(ends[g], s.end)
            } else {
                groups.append([i])
                ends.append(s.end)
            }
        }
        return groups
    }

    /// The span covering all of `spans` (not empty).
    static func union(_ spans: [Span]) -> Span {
        var all = spans[0]
        for s in spans.dropFirst() {
            (all.firstFrame, all.start) = (min(all.firstFrame, s.firstFrame), min(all.start, s.start))
            all.extend(frame: s.lastFrame, time: s.end)
        }
        return all
    }
}
