import Decoding

/// What names the VPNs we do not diagnose: DTLS on UDP 443 as it is seen (bounded by
/// `AnalysisLimits.records`), then, at the end, the flows and sessions beside it.
struct OtherVPNTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var dtls: [HostPair: DTLSNote] = [:]
    private(set) var dropped = DroppedState()

    struct DTLSNote {
        var client: IPAddress
        var server: Endpoint
        var firstFrame: Int
        var ciscoPreStandard = false
    }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        if case .dtls(let version) = fact.kind { self.noteDTLS(fact, version: version) }
    }

    func conclude(_ analysis: inout Analysis, flows: FlowTable) {
        analysis.otherVPNs = self.recognise(flows: flows, sessions: analysis.sessions)
    }

    mutating func noteDTLS(_ fact: PacketFact, version: UInt16) {
        let pair = HostPair(fact.source, fact.destination)
        if self.dtls[pair] == nil {
            guard self.dtls.count < self.limits.records else { self.dropped.records &+= 1; return }
            let toServer = fact.destinationPort == DTLSRecord.port
            self.dtls[pair] = DTLSNote(client: toServer ? fact.source : fact.destination,
                                       server: toServer ? fact.destinationEndpoint : fact.sourceEndpoint, firstFrame: fact.frame)
        }
        if version == 0x0100 { self.dtls[pair]!.ciscoPreStandard = true }
    }

    /// The VPNs the capture shows that we do not diagnose: Cisco AnyConnect/OpenConnect (DTLS on UDP
    /// 443 beside TLS on TCP 443 to the same server, or Cisco's pre-standard DTLS version), a Fortinet
    /// SSL VPN (TCP 10443, FortiGate's SSL VPN port, answered), Tailscale (WireGuard on UDP 41641).
    func recognise(flows: FlowTable, sessions: [Session]) -> [OtherVPN] {
        var found: [OtherVPN] = []
        var tls443: Set<HostPair> = [], forti: [HostPair: (FlowKey, Int)] = [:]
        func look(_ key: FlowKey, answered: Bool, lastFrame: Int) {
            guard key.ipProtocol == .tcp, answered else { return }
            let pair = HostPair(key.low.address, key.high.address)
            if key.low.port == 443 || key.high.port == 443 { tls443.insert(pair) }
            // The pair's latest flow: the tables' order is their hashes' (random per process).
            if key.low.port == 10443 || key.high.port == 10443, (forti[pair]?.1 ?? 0) < lastFrame { forti[pair] = (key, lastFrame) }
        }
        flows.other.forEach { key, activity in look(key, answered: !activity.isOneWay, lastFrame: activity.lastFrame) }
        for (key, stats) in flows.vpn { look(key, answered: !stats.isOneWay, lastFrame: stats.directions.0.lastFrame) }

        for note in self.dtls.values.sorted(by: { $0.firstFrame < $1.firstFrame }) {
            let beside = tls443.contains(HostPair(note.client, note.server.address))
            guard beside || note.ciscoPreStandard else { continue }
            var clues = ["DTLS on UDP \(note.server.port) from \(note.client) to \(note.server)"]
            if note.ciscoPreStandard { clues.append("DTLS version 0x0100: Cisco's pre-standard DTLS 1.0, spoken only by AnyConnect and OpenConnect") }
            if beside { clues.append("TLS on TCP 443 between the same hosts (AnyConnect's control connection)") }
            found.append(OtherVPN(name: "Cisco AnyConnect or OpenConnect", client: note.client, server: note.server, clues: clues,
                                  frames: [note.firstFrame]))
        }
        for (key, lastFrame) in forti.values.sorted(by: { $0.1 < $1.1 }) {
            let server = key.low.port == 10443 ? key.low : key.high
            found.append(OtherVPN(name: "Fortinet FortiGate SSL VPN", client: key.low == server ? key.high.address : key.low.address,
                                  server: server, clues: ["TLS on TCP 10443 (FortiGate's SSL VPN port), answered"], frames: [lastFrame]))
        }
        for s in sessions where s.vpnProtocol == .wireguard {
            guard let flow = s.flows.first(where: { $0.a.port == 41641 || $0.b.port == 41641 }) else { continue }
            let server = flow.a.address == s.server ? flow.a : flow.b
            found.append(OtherVPN(name: "Tailscale", client: s.client, server: server,
                                  clues: ["WireGuard on UDP 41641, the port Tailscale's WireGuard listens on"],
                                  frames: [flow.aToB.firstFrame ?? flow.bToA.firstFrame].compactMap { $0 },
                                  diagnosedPart: "its WireGuard tunnel (session \(s.id))"))
        }
        return found
    }
}
