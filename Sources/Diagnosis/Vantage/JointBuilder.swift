import Capture
import Decoding
import Sessions

/// One VPN session seen from every vantage point of its attempt.
public struct JointSession: Sendable {
    /// A packet of the session and where it was seen.
    public struct Message: Sendable {
        public var fromClient: Bool
        public var label: String
        /// Seconds on the client vantage's clock since its first packet (others' sightings moved by
        /// their clock offset).
        public var time: Double
        /// Frame number per vantage (index into `JointAttempt.vantages`); nil: not seen there.
        public var frames: [Int?]
        /// Lost between vantage `lostAfter` and the next one along its way (nil: not lost).
        public var lostAfter: Int?
        var signal: StopSignal?
        var laterFragment: Bool
        var firstFragment: Bool
        var fragmentID: UInt32
        var port: UInt16
    }

    /// Each vantage's session id (index into `JointAttempt.vantages`; nil: no session there).
    public var members: [Int?]
    /// The session's peers as the client's vantage point (the first with a session) sees them.
    public var client: IPAddress
    public var server: IPAddress
    public var protocolLabel: String
    public var messages: [Message]
    public var lossLocation: LossLocation
    /// With three vantage points or more, the segment where the first loss happened.
    public var lossSegment: (from: String, to: String)?
    public var findings: [JointFinding]
    /// Who stopped was inferred (`JointBuilder.initiatorLeftAfterAuth`), not read: its finding says so.
    var inferredStop = false
}

/// Builds one `JointAttempt` from the messages of a group of captures.
struct JointBuilder {
    let captures: [VantageCapture]
    let group: [Int]
    let messages: [VantageJoin.Message]
    let ignoring: Set<String>

    func build() -> JointAttempt {
        let order = self.order()
        let vantages = order.enumerated().map { position, c in
            JointAttempt.Vantage(capture: c, file: self.captures[c].file, name: Self.name(self.captures[c].named, position, order.count),
                                 how: self.captures[c].named != nil ? "named" : "from TTLs")
        }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let clocks = order.indices.map { self.clock(position: $0, order: order) }
        var nodes = UnionFind(0)
        var nodeIndex: [NodeKey: Int] = [:]
        func node(_ key: NodeKey) -> Int {
            if let n = nodeIndex[key] { return n }
            nodeIndex[key] = nodes.parent.count
            nodes.parent.append(nodes.parent.count)
            return nodes.parent.count - 1
        }
        // Sessions of different captures are one when a packet of each is the same packet.
        var owned: [(VantageJoin.Message, Int, Bool)] = []
        for m in self.messages {
            var first: Int?
            var fromClient = true
            for s in m.seen {
                guard let (id, client) = self.captures[s.capture].session(of: self.print(s)) else { continue }
                let n = node(NodeKey(capture: s.capture, session: id))
                if let first { nodes.union(first, n) } else { (first, fromClient) = (n, client) }
            }
            if let first { owned.append((m, first, fromClient)) }
        }
        var bySession: [Int: [(VantageJoin.Message, Bool)]] = [:]
        for (m, n, fromClient) in owned { bySession[nodes.find(n), default: []].append((m, fromClient)) }
        let nat = self.nat(order: order, names: vantages.map(\.name))
        let sessions = bySession.map { root, list in
            self.session(list, members: nodeIndex.filter { nodes.find($0.value) == root }.map(\.key), order: order,
                         position: position, clocks: clocks, names: vantages.map(\.name), nat: nat)
        }.sorted { ($0.messages.first?.time ?? 0) < ($1.messages.first?.time ?? 0) }
        return JointAttempt(vantages: vantages, clocks: Array(clocks.dropFirst()), nat: nat,
                            matchedPackets: self.messages.filter { $0.seen.count > 1 }.count, sessions: sessions,
                            printsDropped: self.group.map { self.captures[$0].printsDropped }.reduce(0, +))
    }

    struct NodeKey: Hashable {
        var capture: Int
        var session: Int
    }

    func print(_ s: VantageJoin.Sighting) -> PacketPrint { self.captures[s.capture].prints[s.print] }

    /// "client" first, "server" last, the user's names kept; unnamed points between are "hop N".
    static func name(_ named: String?, _ position: Int, _ count: Int) -> String {
        if let named { return named }
        return position == 0 ? "client" : position == count - 1 ? "server" : "hop \(position)"
    }

    /// The captures from the client to the server. Named ones first by name ("client" first,
    /// "server" last); the others by TTL: a packet the client sent has a higher TTL nearer the
    /// client, one the server sent a lower one. Ties keep the command line's order.
    func order() -> [Int] {
        var votes = Dictionary(uniqueKeysWithValues: self.group.map { ($0, 0) })
        for m in self.messages where m.seen.count > 1 {
            // Its direction from a capture that has its session (a port-blocked server's capture may
            // hold only a ping of the client's, in no session).
            guard let (_, fromClient) = m.seen.lazy.compactMap({ self.captures[$0.capture].session(of: self.print($0)) }).first
            else { continue }
            for a in m.seen {
                for b in m.seen where a.capture < b.capture {
                    let (ta, tb) = (self.print(a).ttl, self.print(b).ttl)
                    guard ta != tb else { continue }
                    let aNearerClient = (ta > tb) == fromClient
                    votes[a.capture]! += aNearerClient ? 1 : -1
                    votes[b.capture]! += aNearerClient ? -1 : 1
                }
            }
        }
        func rank(_ c: Int) -> Int {
            switch self.captures[c].named {
            case "client": Int.max
            case "server": Int.min
            default: votes[c]!
            }
        }
        return self.group.sorted { rank($0) != rank($1) ? rank($0) > rank($1) : $0 < $1 }
    }

    /// The clock of the vantage at `position` against the first: from the fastest packet each way
    /// (forward: sent towards the server; backward: towards the client).
    func clock(position: Int, order: [Int]) -> JointAttempt.Clock {
        let (zero, here) = (order[0], order[position])
        var forward: [Double] = [], backward: [Double] = []
        for m in self.messages {
            guard let a = m.seen.first(where: { $0.capture == zero }), let b = m.seen.first(where: { $0.capture == here }),
                  let (_, fromClient) = self.captures[zero].session(of: self.print(a)) else { continue }
            let d = self.print(b).time.seconds(since: self.print(a).time)
            if fromClient { forward.append(d) } else { backward.append(d) }
        }
        // t_here - t_zero is offset + delay forward and offset - delay backward.
        let f = forward.min(), b = backward.max()
        let offset: Double? = switch (f, b) {
        case let (f?, b?): (f + b) / 2
        case let (f?, nil): f
        case let (nil, b?): b
        default: nil
        }
        let delay = f.flatMap { f in b.map { b in (f - b) / 2 } }
        return .init(vantage: position, offset: position == 0 ? 0 : offset, oneWayDelay: delay, forward: forward.count, backward: backward.count)
    }

    /// Addresses and ports rewritten between each vantage point and the next.
    func nat(order: [Int], names: [String]) -> [JointAttempt.NATMapping] {
        var out: [JointAttempt.NATMapping] = []
        for position in order.indices.dropFirst() {
            let (a, b) = (order[position - 1], order[position])
            for m in self.messages {
                guard let sa = m.seen.first(where: { $0.capture == a }), let sb = m.seen.first(where: { $0.capture == b }),
                      let (_, fromClient) = self.captures[a].session(of: self.print(sa)) else { continue }
                let (pa, pb) = (self.print(sa), self.print(sb))
                let pairs = fromClient ? [("client", pa.source, pb.source), ("server", pa.destination, pb.destination)]
                                       : [("client", pa.destination, pb.destination), ("server", pa.source, pb.source)]
                for (role, before, after) in pairs where before != after {
                    let mapping = JointAttempt.NATMapping(role: role, before: before, after: after, at: names[position], position: position)
                    if !out.contains(mapping) { out.append(mapping) }
                }
            }
        }
        return out
    }

    /// The joint session of `list`'s messages: where each was seen, and where the lost ones died.
    func session(_ list: [(VantageJoin.Message, Bool)], members: [NodeKey], order: [Int], position: [Int: Int],
                 clocks: [JointAttempt.Clock], names: [String], nat: [JointAttempt.NATMapping]) -> JointSession {
        let zero = order[0]
        let reaches = self.reaches(list, members: Set(members.map { position[$0.capture]! }), position: position, nat: nat)
        let start = self.captures[zero].span?.lowerBound
        // Each capture's span on the client vantage's clock: a packet is lost only where the capture ran.
        let spans: [(Double, Double)?] = order.indices.map { p in
            guard let start, let span = self.captures[order[p]].span, let offset = clocks[p].offset else { return nil }
            return (span.lowerBound.seconds(since: start) - offset, span.upperBound.seconds(since: start) - offset)
        }
        var messages: [JointSession.Message] = list.map { m, fromClient in
            var frames = [Int?](repeating: nil, count: order.count)
            var time = Double.infinity
            for s in m.seen {
                let p = position[s.capture]!
                let printed = self.print(s)
                frames[p] = printed.frame
                if let start, let offset = clocks[p].offset { time = min(time, printed.time.seconds(since: start) - offset) }
            }
            // As its sender's side saw it (before any NAT on the way).
            let sender = fromClient ? m.seen.min { position[$0.capture]! < position[$1.capture]! }!
                                    : m.seen.max { position[$0.capture]! < position[$1.capture]! }!
            let sample = self.print(sender)
            let seenAt = frames.indices.filter { frames[$0] != nil }
            var lostAfter: Int?
            if let low = seenAt.first, let high = seenAt.last, seenAt.count == high - low + 1 {
                // Seen on a contiguous stretch of the path; lost past its end if the next point ran then.
                let next = fromClient ? high + 1 : low - 1
                let covered = next >= 0 && next < order.count && (spans[next].map { $0.0 <= time && time <= $0.1 } ?? true) && reaches(next)
                if covered { lostAfter = fromClient ? high : low }
            }
            let port = fromClient ? sample.destination.port : sample.source.port
            return .init(fromClient: fromClient, label: sample.label, time: time.isFinite ? time : 0, frames: frames, lostAfter: lostAfter,
                         signal: sample.signal, laterFragment: sample.laterFragment, firstFragment: sample.firstFragment, fragmentID: sample.fragmentID, port: port)
        }
        Self.nameFragments(&messages)
        messages.sort { $0.time != $1.time ? $0.time < $1.time : ($0.frames.compactMap { $0 }.first ?? 0) < ($1.frames.compactMap { $0 }.first ?? 0) }
        var memberIDs = [Int?](repeating: nil, count: order.count)
        for n in members { memberIDs[position[n.capture]!] = n.session }
        let sides = members.sorted { position[$0.capture]! < position[$1.capture]! }.compactMap { n in
            self.captures[n.capture].sessions.first { $0.id == n.session }
        }
        let verdicts = members.compactMap { n in
            self.captures[n.capture].sessions.first { $0.id == n.session }.map { (position: position[n.capture]!, failed: $0.failed) }
        }
        let location = Self.location(messages, sides: verdicts, last: order.count - 1)
        let firstLost = messages.first { $0.lostAfter != nil }
        let segment = firstLost.flatMap { m -> (String, String)? in
            guard order.count > 2, let at = m.lostAfter else { return nil }
            return m.fromClient ? (names[at], names[at + 1]) : (names[at], names[at - 1])
        }
        var session = JointSession(members: memberIDs, client: sides.first?.client ?? .v4(0), server: sides.first?.server ?? .v4(0),
                                   protocolLabel: sides.first?.protocolLabel ?? "", messages: messages, lossLocation: location,
                                   lossSegment: segment, findings: [],
                                   inferredStop: location == .atClient && !verdicts.contains(where: \.failed))
        session.findings = JointFindings.make(session, files: order.map { self.captures[$0].file }, names: names)
            .filter { !self.ignoring.contains($0.rule) }
        return session
    }

    /// Whether the session's packets would pass the vantage point at a position: yes when its
    /// capture has the session, or nothing is rewritten between it and its neighbours. A session
    /// seen at one point only, across a NAT none of whose mappings holds its endpoints, goes
    /// between hosts that point never sees (another client behind the same NAT): it is not lost there.
    func reaches(_ list: [(VantageJoin.Message, Bool)], members: Set<Int>, position: [Int: Int], nat: [JointAttempt.NATMapping])
        -> (Int) -> Bool {
        guard members.count == 1, let here = members.first else { return { _ in true } }
        var endpoints = Set<Endpoint>()
        for (m, _) in list {
            for s in m.seen where position[s.capture] == here { endpoints.formUnion([self.print(s).source, self.print(s).destination]) }
        }
        return { next in
            let link = max(here, next)
            let across = nat.filter { $0.position == link }
            return across.isEmpty || across.contains { endpoints.contains(here < link ? $0.before : $0.after) }
        }
    }

    /// Names every fragment after the message its last fragment completes ("IKEv2 IKE_AUTH request:
    /// IP fragment off=0"): only the last one decodes as it.
    static func nameFragments(_ messages: inout [JointSession.Message]) {
        var names: [UInt32: String] = [:]
        for m in messages where m.laterFragment {
            if let r = m.label.range(of: ": IP fragment") { names[m.fragmentID] = String(m.label[..<r.lowerBound]) }
        }
        for i in messages.indices where messages[i].laterFragment || messages[i].firstFragment {
            if let name = names[messages[i].fragmentID], !messages[i].label.hasPrefix(name) { messages[i].label = name + ": " + messages[i].label }
        }
    }

    /// Where the attempt died: where its first lost packet was going, else who stopped: the side
    /// the protocol says stopped (`stopper`), else the server when its own capture fails, else the
    /// client.
    static func location(_ messages: [JointSession.Message], sides: [(position: Int, failed: Bool)], last: Int) -> LossLocation {
        if let lost = messages.first(where: { $0.lostAfter != nil }) { return lost.fromClient ? .clientToServer : .serverToClient }
        guard sides.contains(where: \.failed) else { return Self.initiatorLeftAfterAuth(messages) ? .atClient : .none }
        if let client = Self.stopper(messages) { return client ? .atClient : .atServer }
        let serverSide = sides.filter { $0.position == last }
        return !serverSide.isEmpty && !serverSide.contains(where: \.failed) ? .atClient : .atServer
    }

    /// An inference for IKEv2 without keys, when neither capture saw a failure: the client's first
    /// packet after the IKE_AUTH response reached it is an INFORMATIONAL request, not CHILD_SA
    /// traffic: the initiator refused what the response said (RFC 7296 §2.21.2: it reports an
    /// unacceptable responder identity or AUTH in a separate INFORMATIONAL, then deletes the SA).
    /// A client that closes a working SA before using it reads the same.
    static func initiatorLeftAfterAuth(_ messages: [JointSession.Message]) -> Bool {
        guard let answer = messages.lastIndex(where: { !$0.fromClient && $0.signal == .authAnswer && $0.frames.first! != nil }),
              let next = messages[(answer + 1)...].first(where: \.fromClient) else { return false }
        return next.signal == .initiatorInformational
    }

    /// Who stopped an attempt in which nothing was lost (true: the client), as the protocol tells
    /// it: the sender of the first refusal (`StopSignal.refusal`), or the client when it opened a
    /// new attempt (new SPI, index or session ID) after the server's answer had reached it: it gave
    /// up on what the server said. Nil when the packets do not say (a refusal inside encryption).
    ///
    /// A refusal (a TCP FIN after a timeout, above all) from a side still waiting for the answer to
    /// its own IKEv2 request is giving up waiting: the attempt stalled at the other side.
    static func stopper(_ messages: [JointSession.Message]) -> Bool? {
        var opened: UInt64?
        var answered = false
        var waiting: Bool?
        for m in messages where m.signal != .acknowledgment {
            if let w = waiting, w != m.fromClient { waiting = nil }
            switch m.signal {
            case .refusal: return waiting == m.fromClient ? !m.fromClient : m.fromClient
            case .request, .initiatorInformational: waiting = m.fromClient
            case .opening(let id) where m.fromClient:
                if let opened, id != opened, answered { return true }
                opened = opened ?? id
                waiting = true
            default: break
            }
            if !m.fromClient { answered = true }
        }
        return nil
    }
}
