import Capture
import Decoding

/// GRE by stream (`GREStreamKey`): PPTP's data channel (version 1) and plain GRE (version 0), with a
/// plain tunnel's keepalives and what it carries by host pair. Streams are bounded like ESP's
/// (`AnalysisLimits.streams`, idlest quarter evicted); tunnels exist only for pairs with a session.
struct GRETracker: Tracker {
    let limits: AnalysisLimits
    private(set) var streams: [GREStreamKey: GREStreamStats] = [:]
    private(set) var tunnels: [HostPair: GRETunnelEvidence] = [:]
    private(set) var dropped = DroppedState()

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        if let tunnel = context.tunnel { self.noteCarried(fact, in: tunnel) }
        switch fact.kind {
        case .gre(let g):
            if g.version == 0 { self.addPlain(g, fact, context) }
            if g.keepalive == nil {
                self.add(g.callID, version: g.version, fact.source, fact.destination, frame: fact.frame, time: fact.time,
                         bytes: fact.ipLength, userData: g.carriesUserData)
            }
        case .pppControl(_, .gre(let g)):
            self.add(g.callID, version: g.version, fact.source, fact.destination, frame: fact.frame, time: fact.time,
                     bytes: fact.ipLength, userData: false)
        default: break
        }
    }

    /// An off-server packet out of a tunnel still says what the tunnel carries.
    mutating func recordOffServer(_ fact: PacketFact, _ context: TrackerContext) {
        if let tunnel = context.tunnel { self.noteCarried(fact, in: tunnel) }
    }

    @inline(__always)
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double) {
        guard case .gre(let callID, let userData) = d.kind else { return }
        self.add(callID, version: 1, d.source, d.destination, frame: frame, time: time, bytes: d.ipLength, userData: userData)
    }

    @inline(__always)
    mutating func add(_ callID: UInt16, version: UInt8, _ source: IPAddress, _ destination: IPAddress, frame: Int,
                      time: Timestamp, bytes: Int, userData: Bool) {
        let key = GREStreamKey(source: source, destination: destination, version: version, callID: callID)
        if let index = self.streams.index(forKey: key) {
            self.streams.values[index].add(frame: frame, time: time, bytes: bytes, userData: userData)
            return
        }
        if self.streams.count >= self.limits.streams {
            self.dropped.streams += self.streams.evictIdle(max(1, self.limits.streams / 4), lastFrame: \.counter.lastFrame)
        }
        var stats = GREStreamStats()
        stats.add(frame: frame, time: time, bytes: bytes, userData: userData)
        self.streams[key] = stats
    }

    /// A plain GRE packet: the pair is a GRE tunnel; a keepalive is noted as such.
    mutating func addPlain(_ g: GREFact, _ fact: PacketFact, _ context: TrackerContext) {
        let pair = HostPair(fact.source, fact.destination)
        guard context.knows(pair) else { return }
        var tunnel = self.tunnels[pair] ?? GRETunnelEvidence()
        let limit = self.limits.framesPerList
        switch g.keepalive {
        case .request?: tunnel.keepaliveRequests.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
        case .reply?: tunnel.keepaliveReplies.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
        case nil: break
        }
        self.tunnels[pair] = tunnel
    }

    /// Notes what a plain GRE tunnel between `tunnel` carries: the IP version, and the VPN protocol
    /// inside if any.
    mutating func noteCarried(_ inner: PacketFact, in tunnel: HostPair) {
        guard self.tunnels[tunnel] != nil else { return }
        let what: String? = switch inner.kind {
        case .ike: "IKE"
        case .esp: "ESP"
        case .ah: "AH"
        case .gre(let g): g.version == 0 ? "GRE" : "PPTP"
        case .pptp: "PPTP"
        case .l2tpControl, .l2tpData: "L2TP"
        case .pppControl(_, let carrier): if case .l2tp = carrier { "L2TP" } else { "PPTP" }
        case .dns: "DNS"
        default: nil
        }
        for name in [inner.source.isV4 ? "IPv4" : "IPv6", what] {
            if let name, !self.tunnels[tunnel]!.carries.contains(name) { self.tunnels[tunnel]!.carries.append(name) }
        }
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        let start = scope.start
        let list = self.streams.map { key, s in
            GREStream(source: key.source, destination: key.destination, version: key.version, callID: key.callID,
                      traffic: Analyzer.summary(s.counter, start: start), userData: s.userData,
                      firstUserDataFrame: s.userData > 0 ? s.firstUserDataFrame : nil,
                      firstUserDataTime: s.userData > 0 ? s.firstUserDataTime.seconds(since: start) : nil)
        }
        // The places are sorted, not the streams (moving them cost most of `fill`).
        let order = list.indices.sorted {
            (list[$0].traffic.firstFrame ?? 0, list[$0].source, list[$0].destination) < (list[$1].traffic.firstFrame ?? 0, list[$1].source, list[$1].destination)
        }
        for g in order.lazy.map({ list[$0] }) { if let a = scope.owner(of: HostPair(g.source, g.destination)) { sessions[a]?.gre.append(g) } }
        scope.eachSession(&sessions) { session, owned in session.greTunnel = owned.lazy.compactMap { self.tunnels[$0] }.first }
    }
}

/// GRE per (source, destination, version, call ID): PPTP's data channel (version 1) or a plain GRE
/// tunnel (version 0), one direction each.
/// GRE in one direction: every packet, and those carrying user data (PPTP: a datagram inside PPP,
/// not LCP and not an acknowledgment alone).
public struct GREStreamStats: Hashable, Sendable {
    public var counter = TrafficCounter()
    public var userData = 0
    public var firstUserDataFrame = 0
    public var firstUserDataTime = Timestamp(seconds: 0, nanoseconds: 0)

    @inline(__always)
    mutating func add(frame: Int, time: Timestamp, bytes: Int, userData: Bool) {
        self.counter.add(frame: frame, time: time, bytes: bytes)
        if userData {
            if self.userData == 0 { (self.firstUserDataFrame, self.firstUserDataTime) = (frame, time) }
            self.userData &+= 1
        }
    }
}

public struct GREStreamKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var version: UInt8
    public var callID: UInt16
    @inline(__always)
    public func _rawHashValue(seed: Int) -> Int {
        KeyHash.hash(self.source, self.destination, UInt64(self.version) << 16 | UInt64(self.callID), seed: seed)
    }
}
