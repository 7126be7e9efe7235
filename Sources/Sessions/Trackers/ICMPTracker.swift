import Capture
import Decoding

/// ICMP errors (each goes to the session of the packet it quotes, or stays unmatched) and echo
/// requests and replies by host pair (reachability; kept only for pairs with a session). Bounded by
/// `records` and `framesPerList`.
struct ICMPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var errors: [ICMPErrorRecord] = []
    private(set) var echoes: [HostPair: Echoes] = [:]
    private(set) var dropped = DroppedState()

    struct Echoes { var requests: [Int] = []; var replies: [Int] = [] }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .icmpError(let e): self.add(e, fact, time: context.time)
        case .icmpEcho(let request, _, _):
            let pair = HostPair(fact.source, fact.destination)
            guard context.knows(pair) else { return }
            let limit = self.limits.framesPerList
            if request { self.echoes[pair, default: Echoes()].requests.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
            else { self.echoes[pair, default: Echoes()].replies.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        default: break
        }
    }

    /// An error about a packet to or from the server, reported by a router on the way.
    mutating func recordOffServer(_ fact: PacketFact, _ context: TrackerContext) {
        guard case .icmpError(let e) = fact.kind, let server = context.server,
              e.quotedDestination == server || e.quotedSource == server else { return }
        self.add(e, fact, time: context.time)
    }

    mutating func add(_ e: ICMPErrorFact, _ fact: PacketFact, time: Double) {
        guard self.errors.count < self.limits.records else { self.dropped.records &+= 1; return }
        self.errors.append(ICMPErrorRecord(frame: fact.frame, time: time, reporter: fact.source, error: e,
                                           meaning: e.meaning, quotedWhat: Self.describeQuoted(e)))
    }

    static func describeQuoted(_ e: ICMPErrorFact) -> String {
        if let entry = e.quotedEntry { return entry.name.description }
        switch e.quotedProtocol {
        case .udp: return "UDP \(e.quotedDestinationPort)"
        case .tcp: return "TCP \(e.quotedDestinationPort)"
        default: return "IP protocol \(e.quotedProtocol.rawValue)"
        }
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for e in self.errors {
            if let a = scope.owner(of: HostPair(e.quotedSource, e.quotedDestination)) { sessions[a]?.icmpErrors.append(e) }
        }
        scope.eachSession(&sessions) { session, owned in
            for pair in owned {
                session.echoRequests += self.echoes[pair]?.requests ?? []
                session.echoReplies += self.echoes[pair]?.replies ?? []
            }
        }
    }

    /// The errors no session took.
    func conclude(_ analysis: inout Analysis, flows: FlowTable) {
        let matched = Set(analysis.sessions.flatMap { $0.icmpErrors.map(\.frame) })
        analysis.unmatchedICMPErrors = self.errors.filter { !matched.contains($0.frame) }
    }
}
