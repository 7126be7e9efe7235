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
        stats.stateDropped = dropped.named
        stats.flowsEvicted = self.flows.evicted
        stats.firstEvictionFrame = self.flows.firstEvictionFrame

        let vpnFlows = self.flows.vpn
            .map { Self.summary($0.key, $0.value, start: start) }
            .sorted { ($0.aToB.firstFrame ?? $0.bToA.firstFrame ?? 0) < ($1.aToB.firstFrame ?? $1.bToA.firstFrame ?? 0) }
        let espStreams = self.esp.map { key, s in
            ESPStream(source: key.source, destination: key.destination, spi: key.spi, udpEncapsulated: s.udpEncapsulated,
                      isAH: s.isAH, traffic: Self.summary(s.counter, start: start), firstSequence: s.firstSequence,
                      highestSequence: s.highestSequence, missing: s.missing, gaps: s.gaps, reordered: s.reordered,
                      firstGapFrame: s.firstGapFrame == 0 ? nil : s.firstGapFrame)
        }.sorted { ($0.traffic.firstFrame ?? 0) < ($1.traffic.firstFrame ?? 0) }
        let greStreams = self.gre.map { key, c in
            GREStream(source: key.source, destination: key.destination, callID: key.callID,
                      traffic: Self.summary(c, start: start))
        }.sorted { ($0.traffic.firstFrame ?? 0) < ($1.traffic.firstFrame ?? 0) }
        let allSAs = self.ike.all
        let incompleteFragments = self.fragments.filter { !$0.value.contains { self.reassembledFrames.contains($0) } }

        // Each list grouped by host pair once (order kept), rather than filtered once per session.
        let sasByPair = Dictionary(grouping: allSAs) { HostPair($0.initiator.address, $0.responder.address) }
        let espByPair = Dictionary(grouping: espStreams) { HostPair($0.source, $0.destination) }
        let greByPair = Dictionary(grouping: greStreams) { HostPair($0.source, $0.destination) }
        let flowsByPair = Dictionary(grouping: vpnFlows) { HostPair($0.a.address, $0.b.address) }
        let icmpByPair = Dictionary(grouping: self.icmpErrors) { HostPair($0.quotedSource, $0.quotedDestination) }
        let fragmentsByPair = Dictionary(grouping: incompleteFragments) { HostPair($0.key.source, $0.key.destination) }
        // The DNS queries that resolved each address, in order (once each, however often it was answered).
        var dnsByAnswer: [IPAddress: [DNSQueryRecord]] = [:]
        for record in self.dns { for address in Set(record.answers) { dnsByAnswer[address, default: []].append(record) } }

        var sessions: [Session] = []
        var matchedICMP = Set<Int>()
        for pair in self.pairOrder {
            guard let state = self.pairs[pair] else { continue }
            let sas = sasByPair[pair] ?? []
            let esp = espByPair[pair] ?? []
            let gre = greByPair[pair] ?? []
            let flows = flowsByPair[pair] ?? []
            let roles = self.roles(pair, state, sas, flows)
            var session = Session(
                id: sessions.count + 1, client: roles.client, server: roles.server, rolesFrom: roles.from,
                protocolLabel: "", firstFrame: state.firstFrame, lastFrame: state.lastFrame, start: state.start,
                end: state.end)
            session.ike = sas
            session.esp = esp
            session.gre = gre
            session.flows = flows
            session.pptp = state.pptp
            session.l2tp = state.l2tp
            if !state.ppp.messages.isEmpty {
                var ppp = state.ppp
                for i in ppp.messages.indices { ppp.messages[i].fromClient = ppp.messages[i].source == roles.client }
                session.ppp = ppp
            }
            session.echoRequests = state.echoRequests
            session.echoReplies = state.echoReplies
            session.dns = dnsByAnswer[roles.server] ?? []
            session.icmpErrors = icmpByPair[pair] ?? []
            matchedICMP.formUnion(session.icmpErrors.map(\.frame))
            session.incompleteFragmentFrames = (fragmentsByPair[pair] ?? []).flatMap(\.value).sorted()
            session.nat = NATDetection.conclude(sas: sas, client: roles.client,
                                                flowAddresses: Set(flows.flatMap { [$0.a.address, $0.b.address] }))
            session.protocolLabel = Self.protocolLabel(session)
            StageLadder.build(&session, captureEnd: stats.duration)
            for i in session.icmpErrors.indices { session.icmpErrors[i].stage = Self.stage(of: session.icmpErrors[i], in: session) }
            sessions.append(session)
        }
        let oneWay = self.flows.oneWayCount
        return Analysis(
            server: self.options.server, serverName: self.options.serverName, capture: stats, sessions: sessions, dnsQueries: self.dns,
            unmatchedICMPErrors: self.icmpErrors.filter { !matchedICMP.contains($0.frame) }, vpnFlows: vpnFlows,
            serverPackets: self.serverPackets, totalFlows: self.flows.count, oneWayFlows: oneWay)
    }

    /// Client and server from protocol roles, and what decided them.
    func roles(_ pair: HostPair, _ state: PairState, _ sas: [IKESA], _ flows: [FlowSummary])
        -> (client: IPAddress, server: IPAddress, from: String) {
        if let server = self.options.server, pair.contains(server) { return (pair.other(than: server), server, "--server") }
        if let sa = sas.filter({ !$0.startedMidExchange || $0.version == 2 }).max(by: { $0.progress < $1.progress }) {
            return (sa.initiator.address, sa.responder.address, "IKE initiator")
        }
        if let pptp = state.pptp { return (pptp.client.address, pptp.server.address, "TCP 1723 client") }
        if let l2tp = state.l2tp, l2tp.first(.sccrq) != nil {
            return (l2tp.client.address, l2tp.server.address, "L2TP LAC (sent SCCRQ)")
        }
        // NAT-T: the server listens on 4500; a client behind NAT uses another port.
        for flow in flows where flow.ipProtocol == .udp {
            if flow.a.port == 4500, flow.b.port != 4500 { return (flow.b.address, flow.a.address, "UDP 4500 server port") }
            if flow.b.port == 4500, flow.a.port != 4500 { return (flow.a.address, flow.b.address, "UDP 4500 server port") }
        }
        if let sa = sas.first { return (sa.initiator.address, sa.responder.address, "first IKE sender (guessed)") }
        if let l2tp = state.l2tp { return (l2tp.client.address, l2tp.server.address, "first L2TP sender (guessed)") }
        return (pair.low, pair.high, "guessed (no control traffic captured)")
    }

    /// The stage whose packet an ICMP error quotes: IKE by the step in progress at the time, L2TP and
    /// PPTP control as tunnel control, ESP/AH/GRE as the data plane.
    static func stage(of e: ICMPErrorRecord, in s: Session) -> Stage? {
        switch e.quotedProtocol {
        case .esp, .ah, .gre: return .dataPlane
        case .tcp where e.quotedDestinationPort == 1723 || e.quotedSourcePort == 1723: return .tunnelControl
        case .udp where [1701].contains(e.quotedDestinationPort): return .tunnelControl
        case .udp where [500, 4500].contains(e.quotedDestinationPort) || [500, 4500].contains(e.quotedSourcePort):
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

    static func protocolLabel(_ s: Session) -> String {
        if s.pptp != nil || (!s.gre.isEmpty && s.ike.isEmpty) { return "PPTP" }
        let l2tp = s.l2tp != nil || s.flows.contains { $0.ipProtocol == .udp && ($0.a.port == 1701 || $0.b.port == 1701) }
        if let sa = s.primaryIKE {
            var label = sa.version == 2 ? "IKEv2" : "IKEv1"
            if sa.phase1 == .aggressiveMode { label += " Aggressive Mode" }
            return l2tp && sa.version == 1 ? label + " L2TP/IPsec" : label
        }
        if l2tp { return s.esp.isEmpty ? "L2TP (no IPsec)" : "L2TP/IPsec" }
        if !s.esp.isEmpty { return s.esp.allSatisfy(\.isAH) ? "IPsec AH" : "IPsec ESP" }
        return "VPN"
    }

    static func summary(_ c: TrafficCounter, start: Timestamp) -> CounterSummary {
        guard c.packets > 0 else { return CounterSummary(packets: 0, bytes: 0) }
        return CounterSummary(packets: c.packets, bytes: c.bytes, firstFrame: c.firstFrame, lastFrame: c.lastFrame,
                              start: c.first.seconds(since: start), end: c.last.seconds(since: start))
    }

    static func summary(_ key: FlowKey, _ s: FlowStats, start: Timestamp) -> FlowSummary {
        let label: String
        switch key.ipProtocol {
        case .udp:
            let port = [500, 4500, 1701].first { key.low.port == $0 || key.high.port == $0 } ?? min(key.low.port, key.high.port)
            label = "UDP \(port)"
        case .tcp: label = "TCP \(key.low.port == 1723 || key.high.port == 1723 ? 1723 : min(key.low.port, key.high.port))"
        default: label = key.ipProtocol.description
        }
        return FlowSummary(label: label, ipProtocol: key.ipProtocol, a: key.low, b: key.high,
                           aToB: summary(s.directions.0, start: start), bToA: summary(s.directions.1, start: start))
    }
}
