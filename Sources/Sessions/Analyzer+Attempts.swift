import Capture
import Decoding

/// Which evidence makes one attempt (one session): keyed by what the protocols say, not by host pair.
///
/// - An IKE SA is one by its SPIs (`IKETracker`) whatever endpoints it moves through (the float to
///   4500, NAT rebinding, MOBIKE); SAs that used the same pair of endpoints are one client's
///   (retries, rekeys, both ends initiating).
/// - On one host pair, SA groups on different endpoints active at the same time are different
///   clients behind one NAT: separate attempts. Groups one after the other are one client retrying
///   (its NAT may map the retry anew): one attempt, as a retrying client is one story.
/// - ESP-in-UDP and any UDP/TCP flow follow the attempt on their endpoints; what a host pair carries
///   with nothing to tell clients apart (ESP on IP, GRE, PPTP, L2TP, PPP, echoes, ICMP errors,
///   fragments) goes with the pair's most advanced attempt.
/// - ESP on a pair without IKE is tied to an IKE SA elsewhere only by inference (`ESPTie`), and
///   never when two SAs could claim it.
struct Attempts {
    struct Attempt {
        /// Indices into the SA list, in order.
        var sas: [Int] = []
        /// Where it started: the host pair of its first SA (or the pair it is made of).
        var home: HostPair
        /// Activity, capture-relative: each member's (start, end), to tell concurrent clients apart.
        var spans: [(Double, Double)] = []
        var tie: ESPTie?
    }
    var list: [Attempt] = []
    /// The attempt holding each host pair's pair-level evidence.
    var pairOwner: [HostPair: Int] = [:]
    /// The attempt of each pair of endpoints an IKE SA used.
    var pathOwner: [EndpointPair: Int] = [:]
    /// The attempts with evidence on each host pair (the owner and those on their own endpoints).
    var onPair: [HostPair: Set<Int>] = [:]

    /// The attempt a UDP/TCP conversation (or IP-level traffic, without ports) belongs to.
    func owner(_ a: Endpoint, _ b: Endpoint) -> Int? {
        self.pathOwner[EndpointPair(a, b)] ?? self.pairOwner[HostPair(a.address, b.address)]
    }

    /// Seconds after a child SA completes within which the first ESP elsewhere may be its own.
    static let tieWindow = 5.0

    init(sas: [IKESA], pairs: [HostPair], flows: [FlowSummary], esp: [ESPStream]) {
        // 1. SAs sharing a pair of endpoints are one client's (union-find over SA indices).
        var parent = Array(sas.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        var firstOnPath: [EndpointPair: Int] = [:]
        for (i, sa) in sas.enumerated() {
            for path in sa.paths {
                if let j = firstOnPath[path] { parent[root(i)] = root(j) } else { firstOnPath[path] = i }
            }
        }
        var members: [Int: [Int]] = [:], roots: [Int] = []
        for i in sas.indices {
            let r = root(i)
            if members[r] == nil { roots.append(r) }
            members[r, default: []].append(i)
        }
        // Each group's activity: its IKE messages and the UDP flows on its endpoints (ESP-in-UDP,
        // keepalives), so a client whose tunnel is up counts as active while it carries data.
        let flowsByPath = Dictionary(grouping: flows) { EndpointPair($0.a, $0.b) }
        func span(_ group: [Int]) -> (Double, Double) {
            var low = Double.infinity, high = -Double.infinity
            for i in group {
                for m in sas[i].messages { low = min(low, m.time); high = max(high, m.time) }
                for path in sas[i].paths {
                    for f in flowsByPath[path] ?? [] {
                        for c in [f.aToB, f.bToA] {
                            if let s = c.start { low = min(low, s) }
                            if let e = c.end { high = max(high, e) }
                        }
                    }
                }
            }
            return low <= high ? (low, high) : (0, 0)
        }

        // 2. Per home pair, a group joins an earlier attempt none of whose members overlaps it (the
        // one that ended last), else it is an attempt of its own: another client at the same time.
        let groups = roots.map { (members[$0]!, span(members[$0]!)) }.sorted { ($0.1.0, $0.0[0]) < ($1.1.0, $1.0[0]) }
        var byHome: [HostPair: [Int]] = [:]
        for (group, s) in groups {
            guard let first = sas[group[0]].paths.first else { continue }
            let home = first.hosts
            let earlier = (byHome[home] ?? []).filter { a in
                !self.list[a].spans.contains { $0.0 <= s.1 && s.0 <= $0.1 }
            }
            if let a = earlier.max(by: { self.list[$0].spans.map(\.1).max()! < self.list[$1].spans.map(\.1).max()! }) {
                self.list[a].sas.append(contentsOf: group)
                self.list[a].spans.append(s)
            } else {
                byHome[home, default: []].append(self.list.count)
                self.list.append(Attempt(sas: group, home: home, spans: [s]))
            }
        }
        for a in self.list.indices {
            self.list[a].sas.sort()
            for i in self.list[a].sas {
                for path in sas[i].paths {
                    self.pathOwner[path] = a
                    self.onPair[path.hosts, default: []].insert(a)
                }
            }
        }

        // 3. Each pair's own evidence goes with its most advanced attempt (the first of equals).
        func progress(_ a: Int) -> Int { self.list[a].sas.map { sas[$0].progress }.max() ?? 0 }
        for pair in pairs {
            guard let candidates = self.onPair[pair] else { continue }
            self.pairOwner[pair] = candidates.sorted().max { progress($0) < progress($1) }
        }

        // 4. ESP on a pair without IKE: tied by inference to the one SA that could have made it;
        // else the pair is an attempt of its own.
        let espByPair = Dictionary(grouping: esp) { HostPair($0.source, $0.destination) }
        var withESP = Set<Int>()
        for s in esp { if let a = self.owner(Endpoint(s.source, s.sourcePort), Endpoint(s.destination, s.destinationPort)) { withESP.insert(a) } }
        var ties: [HostPair: ESPTie] = [:], claims: [Int: Int] = [:]
        let completions = ESPTie.completions(sas: sas, attempts: self.list, excluding: withESP)
        for pair in pairs where self.pairOwner[pair] == nil {
            guard let streams = espByPair[pair], let tie = ESPTie.candidate(streams, sas: sas, completions: completions)
            else { continue }
            ties[pair] = tie
            claims[tie.attempt, default: 0] += 1
        }
        for pair in pairs where self.pairOwner[pair] == nil {
            if let tie = ties[pair], claims[tie.attempt] == 1 {
                self.pairOwner[pair] = tie.attempt
                self.list[tie.attempt].tie = tie
            } else {
                self.pairOwner[pair] = self.list.count
                self.list.append(Attempt(home: pair))
            }
            self.onPair[pair, default: []].insert(self.pairOwner[pair]!)
        }
    }
}

/// ESP between two hosts that exchanged no IKE, taken as the child SA of an IKE SA elsewhere
/// (transport mode between other addresses, a NAT the capture sees both sides of): an inference,
/// made only when one SA alone could claim it.
public struct ESPTie: Sendable, Codable, Hashable {
    /// The attempt (index in `Attempts.list`) whose SA it is tied to.
    var attempt: Int
    /// The ESP's two hosts, the sender of its first packet first.
    public var espSource: IPAddress
    public var espDestination: IPAddress
    public var firstESPFrame: Int
    /// The IKE SA's initiator SPI (hex) and the message that completed its child SA.
    public var ikeSPI: String
    public var completedStep: IKEStep
    public var completedFrame: Int
    /// Seconds from that completion to the first ESP packet.
    public var delay: Double

    /// A message that completed a child SA, of an attempt with no ESP of its own.
    struct Completion { var time: Double, attempt: Int, sa: Int, message: IKEMessageRecord }

    /// Every child-SA completion (`completesChildSA`) of attempts without ESP, by time: gathered
    /// once, so tying each ESP-only pair is a binary search and a walk over one window.
    static func completions(sas: [IKESA], attempts: [Attempts.Attempt], excluding withESP: Set<Int>) -> [Completion] {
        var all: [Completion] = []
        for (a, attempt) in attempts.enumerated() where !withESP.contains(a) {
            for i in attempt.sas {
                for m in sas[i].messages where m.retransmissionOf == nil && Self.completesChildSA(m.step) {
                    all.append(Completion(time: m.time, attempt: a, sa: i, message: m))
                }
            }
        }
        return all.sorted { ($0.time, $0.message.frame) < ($1.time, $1.message.frame) }
    }

    /// The tie of `streams` (one host pair's ESP) when it fits exactly one SA: at most one stream
    /// each way, starting within `Attempts.tieWindow` seconds after an SA completed a child SA
    /// (`completions`), and no other SA so placed.
    static func candidate(_ streams: [ESPStream], sas: [IKESA], completions: [Completion]) -> ESPTie? {
        let ordered = streams.sorted { ($0.traffic.firstFrame ?? 0) < ($1.traffic.firstFrame ?? 0) }
        guard let first = ordered.first, !first.isAH, let start = first.traffic.start, let firstFrame = first.traffic.firstFrame,
              ordered.count <= 2, ordered.count == Set(ordered.map(\.source)).count else { return nil }
        // The first completion at or after `start - tieWindow`, then each up to `start`; stop at a second SA.
        var low = 0, high = completions.count
        while low < high {
            let mid = (low + high) / 2
            if completions[mid].time < start - Attempts.tieWindow { low = mid + 1 } else { high = mid }
        }
        var done: Completion?
        for c in completions[low...] {
            guard c.time <= start else { break }
            if let d = done, d.sa != c.sa { return nil }
            done = c
        }
        guard let done else { return nil }
        return ESPTie(attempt: done.attempt, espSource: first.source, espDestination: first.destination, firstESPFrame: firstFrame,
                      ikeSPI: String(sas[done.sa].initiatorSPI, radix: 16), completedStep: done.message.step,
                      completedFrame: done.message.frame, delay: start - done.time)
    }

    /// QM3, an IKE_AUTH response or a CREATE_CHILD_SA response: the message after which a child SA's ESP may flow.
    static func completesChildSA(_ step: IKEStep) -> Bool {
        switch step.exchange {
        case .quickMode: step.index == 3
        case .ikeAuth, .createChildSA: step.isResponse
        default: false
        }
    }
}
