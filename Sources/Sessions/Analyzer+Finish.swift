import Capture
import Decoding

extension Analyzer {
    /// The evidence of the whole capture: sessions with their stage ladders, flows, statistics.
    public func finish() -> Analysis {
        let start = self.stats.start ?? Timestamp(seconds: 0, nanoseconds: 0)
        var stats = self.stats
        for kind in LayerKind.allCases where self.layerCounts[caseIndex(kind)] > 0 {
            stats.protocols[kind.rawValue] = self.layerCounts[caseIndex(kind)]
        }
        for reason in [DecodeStop.Reason.truncated, .malformed, .unsupported, .fragment, .limit]
        where self.stopCounts[caseIndex(reason)] > 0 {
            stats.decodeStops[reason.rawValue] = self.stopCounts[caseIndex(reason)]
        }
        var trackers = self.trackers
        var dropping = Dropping(total: self.dropped)
        trackers.each(&dropping)
        stats.stateDropped = dropping.total.named
        stats.flowsEvicted = self.flows.evicted
        stats.firstEvictionFrame = self.flows.firstEvictionFrame

        let vpnFlows = self.flows.vpn
            .map { Self.summary($0.key, $0.value, start: start) }
            .sorted { x, y in
                // A frame can open two flows (a tunnel's and the one inside it): then by endpoints.
                let first = (x.aToB.firstFrame ?? x.bToA.firstFrame ?? 0, y.aToB.firstFrame ?? y.bToA.firstFrame ?? 0)
                return first.0 != first.1 ? first.0 < first.1 : (x.a, x.b, x.ipProtocol.rawValue) < (y.a, y.b, y.ipProtocol.rawValue)
            }
        let allSAs = self.trackers.ike.all

        // Sessions keyed by what the protocols say (`Attempts`): IKE SAs and ESP make the attempts.
        let attempts = Attempts(sas: allSAs, pairs: self.pairOrder.filter { self.pairs[$0] != nil }, flows: vpnFlows,
                                esp: self.trackers.esp.list(start: start))
        var flowsOf: [Int: [FlowSummary]] = [:], ownedOf: [Int: [HostPair]] = [:]
        for f in vpnFlows { if let a = attempts.owner(f.a, f.b) { flowsOf[a, default: []].append(f) } }
        for pair in self.pairOrder { if let a = attempts.pairOwner[pair] { ownedOf[a, default: []].append(pair) } }

        // Each attempt with evidence gets a session's span; the trackers fill in their evidence.
        let pairIndex = Dictionary(uniqueKeysWithValues: self.pairOrder.enumerated().map { ($1, $0) })
        var drafts: [Session?] = [], homes: [HostPair] = [], owned: [[HostPair]] = []
        for (a, attempt) in attempts.list.enumerated() {
            let pairs = ownedOf[a] ?? []
            let flows = flowsOf[a] ?? []
            let home = pairIndex[attempt.home] != nil ? attempt.home : pairs.first
            homes.append(home ?? attempt.home)
            owned.append(pairs)
            guard let home, let state = self.state(of: a, home: home, owned: pairs, attempts: attempts,
                                                   sas: attempt.sas.map { allSAs[$0] }, flows: flows)
            else { drafts.append(nil); continue }
            var session = Session(
                id: 0, client: home.low, server: home.high, rolesFrom: "", protocolLabel: "", firstFrame: state.firstFrame,
                lastFrame: state.lastFrame, start: state.start, end: state.end)
            session.flows = flows
            session.insideESP = state.insideESP
            session.espTie = attempt.tie
            drafts.append(session)
        }
        let scope = FinishScope(attempts: attempts, sas: allSAs, owned: owned, homes: homes, start: start)
        var filling = Filling(sessions: drafts, scope: scope)
        trackers.each(&filling)

        // In the order their home pairs first showed VPN traffic, then by first frame.
        var built: [(Int, Session)] = []
        for (a, draft) in filling.sessions.enumerated() {
            guard let draft else { continue }
            var splitting = Splitting(parts: [draft], owned: owned[a])
            trackers.each(&splitting)
            for var session in splitting.parts {
                let roles = self.roles(homes[a], session)
                (session.client, session.server, session.rolesFrom) = roles
                session.noteAliases(pairs: Set(owned[a] + session.ike.flatMap { $0.paths.map(\.hosts) }), tie: session.espTie)
                var completing = Completing(session: session, scope: scope, attempt: a)
                trackers.each(&completing)
                session = completing.session
                session.vpnProtocol = Self.vpnProtocol(session)
                session.protocolLabel = Self.protocolLabel(session)
                StageLadder.build(&session, captureEnd: stats.duration)
                for i in session.icmpErrors.indices { session.icmpErrors[i].stage = Self.stage(of: session.icmpErrors[i], in: session) }
                built.append((pairIndex[homes[a]] ?? Int.max, session))
            }
        }
        // The places are sorted, not the sessions (large structs).
        let order = built.indices.sorted { (built[$0].0, built[$0].1.firstFrame) < (built[$1].0, built[$1].1.firstFrame) }
        let sessions = order.enumerated().map { i, b in
            var session = built[b].1
            session.id = i + 1
            return session
        }
        let oneWay = self.flows.oneWayCount
        let analysis = Analysis(
            server: self.options.server, serverName: self.options.serverName, capture: stats, sessions: sessions, dnsQueries: [],
            unmatchedICMPErrors: [], vpnFlows: vpnFlows, serverPackets: self.serverPackets, totalFlows: self.flows.count,
            oneWayFlows: oneWay, decryptedFrames: Set(self.decryptedFrames))
        var concluding = Concluding(analysis: analysis, flows: self.flows)
        trackers.each(&concluding)
        return concluding.analysis
    }

    /// The span of attempt `a`: that of the pairs it owns, merged, when it alone has evidence on
    /// them, else that of its own IKE messages and flows (another client shares the pair). Nil when
    /// it has nothing.
    func state(of a: Int, home: HostPair, owned: [HostPair], attempts: Attempts, sas: [IKESA], flows: [FlowSummary]) -> PairState? {
        var merged: PairState?
        for pair in owned {
            guard let s = self.pairs[pair] else { continue }
            guard var m = merged else { merged = s; continue }
            m.firstFrame = min(m.firstFrame, s.firstFrame); m.lastFrame = max(m.lastFrame, s.lastFrame)
            m.start = min(m.start, s.start); m.end = max(m.end, s.end)
            m.insideESP = m.insideESP || s.insideESP
            merged = m
        }
        let shared = (owned + [home]).contains { attempts.onPair[$0, default: []].count > 1 }
        guard shared || merged == nil else { return merged }
        // Its own span: IKE messages and flows.
        var frames: [Int] = [], times: [Double] = []
        for m in sas.flatMap(\.messages) { frames.append(m.frame); times.append(m.time) }
        for c in flows.flatMap({ [$0.aToB, $0.bToA] }) {
            frames += [c.firstFrame, c.lastFrame].compactMap { $0 }
            times += [c.start, c.end].compactMap { $0 }
        }
        guard let first = frames.min(), let last = frames.max(), let start = times.min(), let end = times.max() else { return merged }
        var state = merged ?? PairState(firstFrame: first, lastFrame: last, start: start, end: end)
        (state.firstFrame, state.lastFrame, state.start, state.end) = (first, last, start, end)
        return state
    }

    /// Client and server from protocol roles, and what decided them.
    func roles(_ pair: HostPair, _ s: Session) -> (client: IPAddress, server: IPAddress, from: String) {
        let sas = s.ike, flows = s.flows
        if let o = s.openvpn.first { return (o.client.address, o.server.address, "OpenVPN client (hard reset sender)") }
        if sas.isEmpty, let c = s.ikeTCP.first { return (c.client.address, c.server.address, "TCP client (IKE over TCP)") }
        if let server = self.options.server, pair.contains(server) { return (pair.other(than: server), server, "--server") }
        if let sa = sas.filter({ !$0.startedMidExchange || $0.version == 2 }).max(by: { $0.progress < $1.progress }) {
            return (sa.initiator.address, sa.responder.address, "IKE initiator")
        }
        if let pptp = s.pptp { return (pptp.client.address, pptp.server.address, "TCP 1723 client") }
        if let first = s.wireguard?.handshakes.first { return (first.initiator.address, first.responder.address, "WireGuard initiator") }
        if let l2tp = s.l2tp, l2tp.first(.sccrq) != nil {
            return (l2tp.client.address, l2tp.server.address, "L2TP LAC (sent SCCRQ)")
        }
        // NAT-T: the server listens on 4500; a client behind NAT uses another port.
        for flow in flows where flow.ipProtocol == .udp {
            let a = ProtocolRegistry.isPort(flow.a.port, of: .natTraversal)
            let b = ProtocolRegistry.isPort(flow.b.port, of: .natTraversal)
            if a, !b { return (flow.b.address, flow.a.address, "UDP \(flow.a.port) server port") }
            if b, !a { return (flow.a.address, flow.b.address, "UDP \(flow.b.port) server port") }
        }
        if let sa = sas.first { return (sa.initiator.address, sa.responder.address, "first IKE sender (guessed)") }
        if let l2tp = s.l2tp { return (l2tp.client.address, l2tp.server.address, "first L2TP sender (guessed)") }
        return (pair.low, pair.high, "guessed (no control traffic captured)")
    }

    /// The stage whose packet an ICMP error quotes: IKE by the step in progress at the time, L2TP and
    /// PPTP control as tunnel control, ESP/AH/GRE as the data plane.
    static func stage(of e: ICMPErrorRecord, in s: Session) -> Stage? {
        switch e.quotedEntry?.service {
        case .gre?: return s.vpnProtocol == .pptp ? .tunnelTransport : .dataPlane
        case .esp?, .ah?, .greInUDP?: return .dataPlane
        case .pptpControl?, .l2tp?, .l2tpOverIP?: return .tunnelControl
        case .ike?, .natTraversal?:
            guard let last = s.allIKEMessages.last(where: { $0.time <= e.time }) else { return .ikeSAInit }
            switch last.step.exchange {
            case .ikeAuth: return .ikeAuth
            case .mainMode where last.step.index >= 5: return .ikeAuth
            case .quickMode, .createChildSA: return .childSA
            default: return .ikeSAInit
            }
        default: return nil
        }
    }

    /// The session's protocol: PPTP by its control channel or GRE version 1 (PPP), plain GRE by
    /// version 0 alone; IKE tells IPsec's story, L2TP by its messages or port.
    static func vpnProtocol(_ s: Session) -> VPNProtocol? {
        if !s.openvpn.isEmpty { return .openvpn }
        if s.pptp != nil || (s.gre.contains { $0.version == 1 } && s.ike.isEmpty) { return .pptp }
        let l2tp = s.l2tp != nil || s.flows.contains { ProtocolRegistry.entry($0.ipProtocol, $0.a.port, $0.b.port)?.service == .l2tp }
        if let sa = s.primaryIKE {
            if sa.version == 2 { return sa.overTCP || !s.ikeTCP.isEmpty ? .ikev2TCP : .ikev2 }
            return l2tp ? .l2tpIPsec : .ikev1
        }
        if l2tp { return s.esp.isEmpty && !s.insideESP ? .l2tp : .l2tpIPsec }
        if !s.ikeTCP.isEmpty { return .ikev2TCP }
        if !s.esp.isEmpty { return .ipsec }
        if !s.gre.isEmpty || s.greTunnel != nil { return .gre }
        if s.wireguard != nil { return .wireguard }
        return nil
    }

    /// The protocol as the text report names it, with what sets the session apart (Aggressive Mode,
    /// AH, L2TP without IPsec).
    static func protocolLabel(_ s: Session) -> String {
        guard let p = s.vpnProtocol else { return "VPN" }
        let aggressive = s.primaryIKE?.phase1 == .aggressiveMode ? " Aggressive Mode" : ""
        switch p {
        case .ikev1, .ikev2, .ikev2TCP: return p.displayName + aggressive
        case .l2tpIPsec: return s.primaryIKE == nil ? p.displayName : "IKEv1\(aggressive) \(p.displayName)"
        case .l2tp: return "L2TP (no IPsec)"
        case .ipsec: return s.esp.allSatisfy(\.isAH) ? "IPsec AH" : "IPsec ESP"
        case .pptp, .gre, .wireguard: return p.displayName
        case .openvpn: return p.displayName + (s.openvpn.contains(where: \.overTCP) ? " over TCP" : " over UDP")
        }
    }

    static func summary(_ c: TrafficCounter, start: Timestamp) -> CounterSummary {
        guard c.packets > 0 else { return CounterSummary(packets: 0, bytes: 0) }
        return CounterSummary(packets: c.packets, bytes: c.bytes, firstFrame: c.firstFrame, lastFrame: c.lastFrame,
                              start: c.first.seconds(since: start), end: c.last.seconds(since: start))
    }

    static func summary(_ key: FlowKey, _ s: FlowStats, start: Timestamp) -> FlowSummary {
        let label: String
        switch key.ipProtocol {
        case .udp, .tcp:
            // The port of the flow's registry entry (its service's port), else the lower one.
            let own = ProtocolRegistry.entry(key.ipProtocol, key.low.port, key.high.port).flatMap { e in
                [key.low.port, key.high.port].first { ProtocolRegistry.isPort($0, of: e.service) }
            }
            label = "\(key.ipProtocol == .udp ? "UDP" : "TCP") \(own ?? min(key.low.port, key.high.port))"
        default: label = key.ipProtocol.description
        }
        return FlowSummary(label: label, ipProtocol: key.ipProtocol, a: key.low, b: key.high,
                           aToB: summary(s.directions.0, start: start), bToA: summary(s.directions.1, start: start))
    }
}

/// Sums what the trackers' ceilings refused.
struct Dropping: TrackerVisitor {
    var total: DroppedState
    mutating func visit<T: Tracker>(_ tracker: inout T) { self.total = self.total + tracker.dropped }
}

/// Each tracker's evidence into the sessions, before their roles are known.
struct Filling: TrackerVisitor {
    var sessions: [Session?]
    let scope: FinishScope
    mutating func visit<T: Tracker>(_ tracker: inout T) { tracker.fill(&self.sessions, self.scope) }
}

/// Each tracker's parts of a session (`Tracker.split`).
struct Splitting: TrackerVisitor {
    var parts: [Session]
    let owned: [HostPair]
    mutating func visit<T: Tracker>(_ tracker: inout T) {
        guard T.splits else { return }
        self.parts = self.parts.flatMap { tracker.split($0, owned: self.owned) }
    }
}

/// Each tracker's evidence that needs the session's client and server.
struct Completing: TrackerVisitor {
    var session: Session
    let scope: FinishScope
    let attempt: Int
    mutating func visit<T: Tracker>(_ tracker: inout T) { tracker.complete(&self.session, self.scope, attempt: self.attempt) }
}

/// What each tracker says of the whole capture.
struct Concluding: TrackerVisitor {
    var analysis: Analysis
    let flows: FlowTable
    mutating func visit<T: Tracker>(_ tracker: inout T) { tracker.conclude(&self.analysis, flows: self.flows) }
}
