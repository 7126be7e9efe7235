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
        dropped.records += self.openvpn.dropped.records
        dropped.frames += self.openvpn.dropped.frames
        dropped.messages += self.openvpn.dropped.messages
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
                      isAH: s.isAH, traffic: Self.summary(s.counter, start: start), firstSequence: s.firstSequence,
                      highestSequence: s.highestSequence, missing: s.missing, gaps: s.gaps, reordered: s.reordered,
                      firstGapFrame: s.firstGapFrame == 0 ? nil : s.firstGapFrame)
        }.sorted { ($0.traffic.firstFrame ?? 0) < ($1.traffic.firstFrame ?? 0) }
        let greStreams = self.gre.map { key, c in
            GREStream(source: key.source, destination: key.destination, version: key.version, callID: key.callID,
                      traffic: Self.summary(c, start: start))
        }.sorted { ($0.traffic.firstFrame ?? 0, $0.source, $0.destination) < ($1.traffic.firstFrame ?? 0, $1.source, $1.destination) }
        let allSAs = self.ike.all
        let incompleteFragments = self.fragments.filter { !$0.value.contains { self.reassembledFrames.contains($0) } }

        // Each list grouped by host pair once (order kept), rather than filtered once per session.
        let sasByPair = Dictionary(grouping: allSAs) { HostPair($0.initiator.address, $0.responder.address) }
        let espByPair = Dictionary(grouping: espStreams) { HostPair($0.source, $0.destination) }
        let greByPair = Dictionary(grouping: greStreams) { HostPair($0.source, $0.destination) }
        let flowsByPair = Dictionary(grouping: vpnFlows) { HostPair($0.a.address, $0.b.address) }
        let icmpByPair = Dictionary(grouping: self.icmpErrors) { HostPair($0.quotedSource, $0.quotedDestination) }
        let openvpnByPair = Dictionary(grouping: self.openvpn.sessions) { HostPair($0.client.address, $0.server.address) }
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
            let openvpn = openvpnByPair[pair] ?? []
            let roles = openvpn.first.map { (client: $0.client.address, server: $0.server.address, from: "OpenVPN client (hard reset sender)") }
                ?? self.roles(pair, state, sas, flows)
            var session = Session(
                id: sessions.count + 1, client: roles.client, server: roles.server, rolesFrom: roles.from,
                protocolLabel: "", firstFrame: state.firstFrame, lastFrame: state.lastFrame, start: state.start,
                end: state.end)
            session.ike = sas
            session.esp = esp
            session.gre = gre
            session.flows = flows
            session.pptp = state.pptp
            session.greTunnel = state.greTunnel
            session.l2tp = state.l2tp
            session.openvpn = openvpn
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
            session.vpnProtocol = Self.vpnProtocol(session)
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
        case .esp?, .ah?, .gre?, .greInUDP?: return .dataPlane
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
            if sa.version == 2 { return .ikev2 }
            return l2tp ? .l2tpIPsec : .ikev1
        }
        if l2tp { return s.esp.isEmpty ? .l2tp : .l2tpIPsec }
        if !s.esp.isEmpty { return .ipsec }
        if !s.gre.isEmpty || s.greTunnel != nil { return .gre }
        return nil
    }

    /// The protocol as the text report names it, with what sets the session apart (Aggressive Mode,
    /// AH, L2TP without IPsec).
    static func protocolLabel(_ s: Session) -> String {
        guard let p = s.vpnProtocol else { return "VPN" }
        let aggressive = s.primaryIKE?.phase1 == .aggressiveMode ? " Aggressive Mode" : ""
        switch p {
        case .ikev1, .ikev2: return p.displayName + aggressive
        case .l2tpIPsec: return s.primaryIKE == nil ? p.displayName : "IKEv1\(aggressive) \(p.displayName)"
        case .l2tp: return "L2TP (no IPsec)"
        case .ipsec: return s.esp.allSatisfy(\.isAH) ? "IPsec AH" : "IPsec ESP"
        case .pptp, .gre: return p.displayName
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
