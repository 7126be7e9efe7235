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
        var dropped = self.dropped
        dropped.ikeSAs = self.ike.evicted
        dropped.messages += self.ike.dropped.messages
        dropped.frames += self.ike.dropped.frames
        dropped.values = self.ike.dropped.values
        dropped.paths = self.ike.dropped.paths
        dropped.hostPairs += self.wireguard.dropped.hostPairs
        dropped.messages += self.wireguard.dropped.messages
        dropped.frames += self.wireguard.dropped.frames
        dropped.records += self.otherVPNs.dropped
        dropped.records += self.openvpn.dropped.records
        dropped.frames += self.openvpn.dropped.frames
        dropped.messages += self.openvpn.dropped.messages
        dropped.frames += self.ikeTCP.dropped
        stats.stateDropped = dropped.named
        stats.flowsEvicted = self.flows.evicted
        stats.firstEvictionFrame = self.flows.firstEvictionFrame

        let vpnFlows = self.flows.vpn
            .map { Self.summary($0.key, $0.value, start: start) }
            .sorted { x, y in
                // A frame can open two flows (a tunnel's and the one inside it): then by endpoints.
                let first = (x.aToB.firstFrame ?? x.bToA.firstFrame ?? 0, y.aToB.firstFrame ?? y.bToA.firstFrame ?? 0)
                return first.0 != first.1 ? first.0 < first.1 : (x.a, x.b, x.ipProtocol.rawValue) < (y.a, y.b, y.ipProtocol.rawValue)
            }
        let espStreams = self.esp.map { key, s in
            ESPStream(source: key.source, destination: key.destination, spi: key.spi, udpEncapsulated: s.udpEncapsulated,
                      sourcePort: UInt16(truncatingIfNeeded: key.ports >> 16), destinationPort: UInt16(truncatingIfNeeded: key.ports),
                      isAH: s.isAH, traffic: Self.summary(s.counter, start: start), firstSequence: s.firstSequence,
                      highestSequence: s.highestSequence, missing: s.missing, gaps: s.gaps, reordered: s.reordered,
                      firstGapFrame: s.firstGapFrame == 0 ? nil : s.firstGapFrame)
        }.sorted { ($0.traffic.firstFrame ?? 0) < ($1.traffic.firstFrame ?? 0) }
        let greStreams = self.gre.map { key, s in
            GREStream(source: key.source, destination: key.destination, version: key.version, callID: key.callID,
                      traffic: Self.summary(s.counter, start: start), userData: s.userData,
                      firstUserDataFrame: s.userData > 0 ? s.firstUserDataFrame : nil,
                      firstUserDataTime: s.userData > 0 ? s.firstUserDataTime.seconds(since: start) : nil)
        }.sorted { ($0.traffic.firstFrame ?? 0, $0.source, $0.destination) < ($1.traffic.firstFrame ?? 0, $1.source, $1.destination) }
        let allSAs = self.ike.all
        let incompleteFragments = self.fragments.filter { !$0.value.contains { self.reassembledFrames.contains($0) } }

        // Sessions keyed by what the protocols say (`Attempts`); each list split by attempt once.
        let attempts = Attempts(sas: allSAs, pairs: self.pairOrder.filter { self.pairs[$0] != nil }, flows: vpnFlows,
                                esp: espStreams)
        var sasOf: [Int: [IKESA]] = [:], espOf: [Int: [ESPStream]] = [:], greOf: [Int: [GREStream]] = [:]
        var flowsOf: [Int: [FlowSummary]] = [:], icmpOf: [Int: [ICMPErrorRecord]] = [:], fragmentsOf: [Int: [Int]] = [:]
        for (a, attempt) in attempts.list.enumerated() { sasOf[a] = attempt.sas.map { allSAs[$0] } }
        for s in espStreams {
            if let a = attempts.owner(Endpoint(s.source, s.sourcePort), Endpoint(s.destination, s.destinationPort)) {
                espOf[a, default: []].append(s)
            }
        }
        for g in greStreams { if let a = attempts.pairOwner[HostPair(g.source, g.destination)] { greOf[a, default: []].append(g) } }
        for f in vpnFlows { if let a = attempts.owner(f.a, f.b) { flowsOf[a, default: []].append(f) } }
        for e in self.icmpErrors {
            if let a = attempts.pairOwner[HostPair(e.quotedSource, e.quotedDestination)] { icmpOf[a, default: []].append(e) }
        }
        for (key, frames) in incompleteFragments {
            if let a = attempts.pairOwner[HostPair(key.source, key.destination)] { fragmentsOf[a, default: []].append(contentsOf: frames) }
        }
        var openvpnOf: [Int: [OpenVPNEvidence]] = [:]
        for o in self.openvpn.sessions {
            if let a = attempts.pairOwner[HostPair(o.client.address, o.server.address)] { openvpnOf[a, default: []].append(o) }
        }
        // The DNS queries that resolved each address, in order (once each, however often it was answered).
        var dnsByAnswer: [IPAddress: [DNSQueryRecord]] = [:]
        for record in self.dns { for address in Set(record.answers) { dnsByAnswer[address, default: []].append(record) } }

        // In the order their home pairs first showed VPN traffic, then by first frame.
        let pairIndex = Dictionary(uniqueKeysWithValues: self.pairOrder.enumerated().map { ($1, $0) })
        var built: [(Int, Session)] = []
        var matchedICMP = Set<Int>()
        for (a, attempt) in attempts.list.enumerated() {
            let owned = self.pairOrder.filter { attempts.pairOwner[$0] == a }
            let sas = sasOf[a] ?? []
            let flows = flowsOf[a] ?? []
            guard let home = pairIndex[attempt.home] != nil ? attempt.home : owned.first,
                  var state = self.state(of: a, home: home, owned: owned, attempts: attempts, sas: sas, flows: flows)
            else { continue }
            let openvpn = openvpnOf[a] ?? []
            let ikeTCP = self.ikeTCP.connections.filter { attempts.owner($0.client, $0.server) == a }
            let roles = openvpn.first.map { (client: $0.client.address, server: $0.server.address, from: "OpenVPN client (hard reset sender)") }
                ?? (sas.isEmpty ? ikeTCP.first.map { (client: $0.client.address, server: $0.server.address, from: "TCP client (IKE over TCP)") } : nil)
                ?? self.roles(home, state, sas, flows)
            var session = Session(
                id: 0, client: roles.client, server: roles.server, rolesFrom: roles.from,
                protocolLabel: "", firstFrame: state.firstFrame, lastFrame: state.lastFrame, start: state.start,
                end: state.end)
            session.ike = sas
            session.esp = espOf[a] ?? []
            session.gre = greOf[a] ?? []
            session.flows = flows
            session.pptp = state.pptp
            session.greTunnel = state.greTunnel
            session.insideESP = state.insideESP
            session.l2tp = state.l2tp
            session.espTie = attempt.tie
            session.noteAliases(pairs: Set(owned + sas.flatMap { $0.paths.map(\.hosts) }), tie: attempt.tie)
            session.wireguard = self.wireguard.evidence(home, client: roles.client) { Self.summary($0, start: start) }
            session.openvpn = openvpn
            session.ikeTCP = ikeTCP
            if !state.ppp.messages.isEmpty {
                for i in state.ppp.messages.indices { state.ppp.messages[i].fromClient = session.isClient(state.ppp.messages[i].source) }
                session.ppp = state.ppp
            }
            session.echoRequests = state.echoRequests
            session.echoReplies = state.echoReplies
            session.dns = dnsByAnswer[roles.server] ?? []
            session.icmpErrors = icmpOf[a] ?? []
            matchedICMP.formUnion(session.icmpErrors.map(\.frame))
            session.incompleteFragmentFrames = (fragmentsOf[a] ?? []).sorted()
            session.nat = NATDetection.conclude(sas: sas, client: roles.client,
                                                flowAddresses: Set(flows.flatMap { [$0.a.address, $0.b.address] }))
            session.vpnProtocol = Self.vpnProtocol(session)
            session.protocolLabel = Self.protocolLabel(session)
            StageLadder.build(&session, captureEnd: stats.duration)
            for i in session.icmpErrors.indices { session.icmpErrors[i].stage = Self.stage(of: session.icmpErrors[i], in: session) }
            built.append((pairIndex[home] ?? Int.max, session))
        }
        let sessions = built.sorted { ($0.0, $0.1.firstFrame) < ($1.0, $1.1.firstFrame) }.enumerated().map { i, s in
            var session = s.1
            session.id = i + 1
            return session
        }
        let oneWay = self.flows.oneWayCount
        var analysis = Analysis(
            server: self.options.server, serverName: self.options.serverName, capture: stats, sessions: sessions, dnsQueries: self.dns,
            unmatchedICMPErrors: self.icmpErrors.filter { !matchedICMP.contains($0.frame) }, vpnFlows: vpnFlows,
            serverPackets: self.serverPackets, totalFlows: self.flows.count, oneWayFlows: oneWay,
            decryptedFrames: Set(self.decryptedFrames))
        analysis.otherVPNs = self.otherVPNs.recognise(flows: self.flows, sessions: sessions)
        return analysis
    }

    /// The pair-level evidence of attempt `a`: that of the pairs it owns, merged; its span is theirs
    /// when it alone has evidence on them, else that of its own IKE messages and flows (another
    /// client shares the pair). Nil when it has nothing.
    func state(of a: Int, home: HostPair, owned: [HostPair], attempts: Attempts, sas: [IKESA], flows: [FlowSummary]) -> PairState? {
        var merged: PairState?
        for pair in owned {
            guard let s = self.pairs[pair] else { continue }
            guard var m = merged else { merged = s; continue }
            m.firstFrame = min(m.firstFrame, s.firstFrame); m.lastFrame = max(m.lastFrame, s.lastFrame)
            m.start = min(m.start, s.start); m.end = max(m.end, s.end)
            m.pptp = m.pptp ?? s.pptp; m.l2tp = m.l2tp ?? s.l2tp; m.greTunnel = m.greTunnel ?? s.greTunnel
            if m.ppp.messages.isEmpty { m.ppp = s.ppp }
            m.echoRequests += s.echoRequests; m.echoReplies += s.echoReplies
            m.natKeepalives += s.natKeepalives
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
    func roles(_ pair: HostPair, _ state: PairState, _ sas: [IKESA], _ flows: [FlowSummary])
        -> (client: IPAddress, server: IPAddress, from: String) {
        if let server = self.options.server, pair.contains(server) { return (pair.other(than: server), server, "--server") }
        if let sa = sas.filter({ !$0.startedMidExchange || $0.version == 2 }).max(by: { $0.progress < $1.progress }) {
            return (sa.initiator.address, sa.responder.address, "IKE initiator")
        }
        if let pptp = state.pptp { return (pptp.client.address, pptp.server.address, "TCP 1723 client") }
        if let wireguard = self.wireguard.roles(pair) { return wireguard }
        if let l2tp = state.l2tp, l2tp.first(.sccrq) != nil {
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
        if let l2tp = state.l2tp { return (l2tp.client.address, l2tp.server.address, "first L2TP sender (guessed)") }
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
