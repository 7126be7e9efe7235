import Capture
import Decoding
import Sessions

/// One capture as the join sees it: its packets' prints and its sessions' roles and verdicts.
public struct VantageCapture: Sendable {
    /// A session of this capture, as its own report judged it.
    public struct SessionSide: Sendable {
        public var id: Int
        public var client: IPAddress
        public var server: IPAddress
        public var protocolLabel: String
        public var failed: Bool
        /// The identifiers the analysis keyed it by (`SessionKey.of`).
        public var keys: [SessionKey]
        public init(id: Int, client: IPAddress, server: IPAddress, protocolLabel: String, failed: Bool, keys: [SessionKey]) {
            (self.id, self.client, self.server, self.protocolLabel, self.failed) = (id, client, server, protocolLabel, failed)
            self.keys = keys
        }
    }

    public var file: String
    public var sessions: [SessionSide]
    public var prints: [PacketPrint]
    /// Frames past `PacketPrinter.limit`, not matched.
    public var printsDropped: Int
    /// The vantage point the user named this file (`--vantage NAME=FILE`), if any.
    public var named: String?
    /// The first and last frame's time (any frame, not only IP): when the capture ran.
    public var span: ClosedRange<Timestamp>?

    /// The first session of each pair of peers (index into `sessions`): a packet finds its session
    /// in one lookup, not a walk over every session (a gateway capture has thousands).
    let sessionOfPeers: [HostPair: Int]
    /// The session of each identifier: two sessions between one pair of peers (two clients behind
    /// one NAT) are told apart by what their packets carry.
    let sessionOfKey: [SessionKey: Int]

    public init(file: String, sessions: [SessionSide], prints: [PacketPrint], printsDropped: Int, named: String?,
                span: ClosedRange<Timestamp>?) {
        (self.file, self.sessions, self.prints, self.printsDropped, self.named) = (file, sessions, prints, printsDropped, named)
        self.span = span
        var first: [HostPair: Int] = [:]
        for (i, s) in sessions.enumerated() where first[HostPair(s.client, s.server)] == nil { first[HostPair(s.client, s.server)] = i }
        self.sessionOfPeers = first
        var byKey: [SessionKey: Int] = [:]
        for (i, s) in sessions.enumerated() { for key in s.keys where byKey[key] == nil { byKey[key] = i } }
        self.sessionOfKey = byKey
    }

    /// The session the packet's identifier belongs to, else the first between its peers, and
    /// whether the client sent it.
    func session(of p: PacketPrint) -> (id: Int, fromClient: Bool)? {
        guard p.source.address != p.destination.address,
              let i = p.session.flatMap({ self.sessionOfKey[$0] }) ?? self.sessionOfPeers[HostPair(p.source.address, p.destination.address)]
        else { return nil }
        let s = self.sessions[i]
        // ESP tied to the session by inference goes between other addresses: its direction is told by the server's.
        return (s.id, p.source.address == s.client || (p.source.address != s.server && p.destination.address == s.server))
    }
}

/// Where a joint session's packets died (the JSON `lossLocation`).
public enum LossLocation: String, Sendable, Codable {
    /// Left the client, never reached the server.
    case clientToServer = "client-to-server"
    /// The server's answer left it and never reached the client.
    case serverToClient = "server-to-client"
    /// Everything arrived; the server did not answer, or refused.
    case atServer = "at-server"
    /// Everything arrived; the client gave up although the server was content.
    case atClient = "at-client"
    /// Every vantage point saw every packet and nothing failed.
    case none
}

/// Captures of one attempt, ordered from the client to the server.
public struct JointAttempt: Sendable {
    public struct Vantage: Sendable {
        /// Index into the captures given to `VantageJoin.join`.
        public var capture: Int
        public var file: String
        /// "client", "server", or the user's name for a point between ("router-inside"…).
        public var name: String
        /// How the order was told: "named", or from TTLs and addresses.
        public var how: String
    }

    /// The clock of a vantage point against the first (the client's).
    public struct Clock: Sendable {
        public var vantage: Int
        /// Add to the first vantage's times to get this one's (nil: no packet seen at both).
        public var offset: Double?
        /// Half the round trip's minimum, when packets were matched both ways.
        public var oneWayDelay: Double?
        /// Packets matched each way.
        public var forward: Int
        public var backward: Int
    }

    /// An address and port rewritten between two vantage points.
    public struct NATMapping: Sendable, Hashable {
        /// "client" or "server": whose endpoint.
        public var role: String
        public var before: Endpoint
        public var after: Endpoint
        /// The vantage point that sees `after`.
        public var at: String
        /// Its position (`before` is seen at the one before it).
        var position: Int
        public var text: String { "\(self.role) \(self.before) appears as \(self.after) at the \(self.at)" }
    }

    public var vantages: [Vantage]
    public var clocks: [Clock]
    public var nat: [NATMapping]
    /// Packets seen at two vantage points or more.
    public var matchedPackets: Int
    public var sessions: [JointSession]
    /// Prints dropped at the ceiling, summed over the captures (their packets were not matched).
    public var printsDropped: Int
}

/// Joins captures of one attempt: those that share a packet (`PacketPrint.key`: what the VPN
/// protocol numbers it, else what NAT leaves alone of it) seen differently (`differ`) are one
/// attempt seen from several places; the rest are left alone.
///
/// A packet keyed by its protocol numbers (IKE SPIs and message IDs, ESP SPIs and sequence numbers…)
/// is matched even when the rest of it differs (checksums, IP IDs, a shorter snaplen). Captures that
/// share no packet at all give nothing to match (no clock, no NAT mapping, no loss to place) and are
/// joined only when the user names their vantage points.
///
/// Linear: one dictionary of every print by key, bounded by the printers' ceilings.
public enum VantageJoin {
    /// `together`: join every capture into one attempt (the user named the vantage points);
    /// `ignoring`: joint rules whose findings are left out (`--ignore`).
    public static func join(_ captures: [VantageCapture], together: Bool = false, ignoring: Set<String> = []) -> [JointAttempt] {
        var sightings: [Int: [Sighting]] = [:]
        for (c, capture) in captures.enumerated() {
            for (i, p) in capture.prints.enumerated() { sightings[p.key, default: []].append(Sighting(capture: c, print: i)) }
        }
        let messages = Self.messages(sightings)
        var groups = UnionFind(captures.count)
        for m in messages where m.seen.count > 1 {
            for (i, a) in m.seen.enumerated() {
                for b in m.seen[(i + 1)...] where Self.differ(captures[a.capture].prints[a.print], captures[b.capture].prints[b.print]) {
                    groups.union(a.capture, b.capture)
                }
            }
        }
        if together { for c in captures.indices.dropFirst() { groups.union(0, c) } }
        var members: [Int: [Int]] = [:]
        for c in captures.indices { members[groups.find(c), default: []].append(c) }
        var byGroup: [Int: [Message]] = [:]
        // A packet seen alike in two groups (copies) is a packet of each, seen there only.
        for m in messages {
            for (root, seen) in Dictionary(grouping: m.seen, by: { groups.find($0.capture) }) { byGroup[root, default: []].append(Message(seen: seen)) }
        }
        return members.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }.map { group in
            JointBuilder(captures: captures, group: group, messages: byGroup[groups.find(group[0])] ?? [], ignoring: ignoring).build()
        }
    }

    /// Two sightings of a packet from different places on a routed path: a router on the way (NAT
    /// routers too) took a TTL off. The same TTL is two captures on one link, or copies of one
    /// capture (the public corpus has the same traffic in several files and link types; our
    /// synthetic captures copy corpus packets with other addresses): they say nothing about where
    /// a packet died, and are joined only when named (`--vantage`).
    static func differ(_ a: PacketPrint, _ b: PacketPrint) -> Bool { a.ttl != b.ttl }

    /// Every packet, as one message per occurrence: the k-th copy of a key in one capture is the
    /// k-th copy in the others (retransmissions of an identical packet keep their order).
    static func messages(_ sightings: [Int: [Sighting]]) -> [Message] {
        var out: [Message] = []
        for list in sightings.values {
            var copies: [Int: Int] = [:]
            var byCopy: [[Sighting]] = []
            for s in list {
                let k = copies[s.capture, default: 0]
                copies[s.capture] = k + 1
                if k == byCopy.count { byCopy.append([]) }
                byCopy[k].append(s)
            }
            out += byCopy.map(Message.init)
        }
        return out
    }

    struct Sighting: Hashable {
        var capture: Int
        var print: Int
    }

    /// One packet and the captures that saw it.
    struct Message {
        var seen: [Sighting]
    }
}

/// Disjoint sets over 0..<n (path halving).
struct UnionFind {
    var parent: [Int]
    init(_ n: Int) { self.parent = Array(0..<n) }
    mutating func find(_ x: Int) -> Int {
        var x = x
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        }
        return x
    }
    mutating func union(_ a: Int, _ b: Int) { self.parent[self.find(a)] = self.find(b) }
}
