import Capture
import Decoding

/// What names the VPNs we do not diagnose: DTLS on UDP 443 as it is seen (bounded by
/// `AnalysisLimits.records`) and the TLS connections on TLS-VPN ports (`TLSTracker`), then, at the
/// end, the flows and sessions beside them.
struct OtherVPNTracker: Tracker {
    let limits: AnalysisLimits
    /// The TLS connections whose hellos and data name a VPN (only for naming, so kept here).
    private(set) var tls: TLSTracker
    private(set) var dtls: [HostPair: DTLSNote] = [:]
    private var droppedDTLS = DroppedState()

    /// TLS connections kept per named VPN (the latest).
    static let maxConnections = 8
    static let lookAlike = "SSTP, AnyConnect without DTLS, GlobalProtect and SoftEther look alike"

    struct DTLSNote {
        var client: IPAddress
        var server: Endpoint
        var firstFrame: Int
        var ciscoPreStandard = false
        var fromClient = 0
        var fromServer = 0
    }

    init(limits: AnalysisLimits) {
        self.limits = limits
        self.tls = TLSTracker(limits: limits)
    }

    var dropped: DroppedState {
        var d = self.droppedDTLS
        d.records &+= self.tls.dropped
        return d
    }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        switch fact.kind {
        case .dtls(let version): self.noteDTLS(fact, version: version)
        case .tls(let segment): self.tls.add(segment, fact, time: context.time)
        case .other:
            if let tcp = fact.tcp, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .tls {
                self.tls.addTCP(tcp, fact, time: context.time)
            }
        default: break
        }
    }

    /// A segment starting a TLS application-data record, counted from its header.
    @inline(__always)
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp, seconds: Double) {
        guard case .tlsData = d.kind else { return }
        self.tls.addData(Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame)
    }

    func conclude(_ analysis: inout Analysis, flows: FlowTable) {
        analysis.otherVPNs = self.recognise(flows: flows, sessions: analysis.sessions, tls: self.tls.connections)
    }

    mutating func noteDTLS(_ fact: PacketFact, version: UInt16) {
        let pair = HostPair(fact.source, fact.destination)
        if self.dtls[pair] == nil {
            guard self.dtls.count < self.limits.records else { self.droppedDTLS.records &+= 1; return }
            let toServer = fact.destinationPort == DTLSRecord.port
            self.dtls[pair] = DTLSNote(client: toServer ? fact.source : fact.destination,
                                       server: toServer ? fact.destinationEndpoint : fact.sourceEndpoint, firstFrame: fact.frame)
        }
        if version == 0x0100 { self.dtls[pair]!.ciscoPreStandard = true }
        if fact.source == self.dtls[pair]!.client { self.dtls[pair]!.fromClient &+= 1 } else { self.dtls[pair]!.fromServer &+= 1 }
    }

    /// The VPNs the capture shows that we do not diagnose, each from its own signature:
    /// - Cisco AnyConnect/OpenConnect: DTLS on UDP 443 beside TLS on TCP 443 to the same server, or
    ///   Cisco's pre-standard DTLS version;
    /// - Palo Alto GlobalProtect: UDP 4501 (its IPsec in UDP) beside TLS on TCP 443 to the same server;
    /// - a Fortinet SSL VPN: TLS on TCP 10443 (FortiGate's SSL VPN port);
    /// - SoftEther: a server name under softether.net or vpnazure.net (its dynamic DNS and relay), or
    ///   TCP 992 or 5555 answered;
    /// - Tailscale: WireGuard on UDP 41641, or TLS to its DERP relays;
    /// - a TLS VPN whose product does not show (SSTP and the others look alike on TCP 443): "vpn" in
    ///   the server name, or the capture's only TLS server, failing, when nothing else is there; low
    ///   confidence.
    func recognise(flows: FlowTable, sessions: [Session], tls: [TLSConnection]) -> [OtherVPN] {
        var found: [OtherVPN] = []
        var tlsPairs: Set<HostPair> = [], softEtherPorts: [HostPair: (FlowKey, Int)] = [:], udp4501: [HostPair: (FlowKey, (Int, Int))] = [:]
        func look(_ key: FlowKey, packets: (Int, Int), lastFrame: Int) {
            let pair = HostPair(key.low.address, key.high.address), answered = packets.0 > 0 && packets.1 > 0
            let ports = [key.low.port, key.high.port]
            if key.ipProtocol == .tcp, answered, ports.contains(443) { tlsPairs.insert(pair) }
            // The pair's latest flow: the tables' order is their hashes' (random per process).
            if key.ipProtocol == .tcp, answered, ports.contains(992) || ports.contains(5555),
               (softEtherPorts[pair]?.1 ?? 0) < lastFrame { softEtherPorts[pair] = (key, lastFrame) }
            if key.ipProtocol == .udp, ports.contains(4501) { udp4501[pair] = (key, packets) }
        }
        flows.other.forEach { key, a in look(key, packets: (Int(a.packets.0), Int(a.packets.1)), lastFrame: a.lastFrame) }
        for (key, s) in flows.vpn { look(key, packets: (s.directions.0.packets, s.directions.1.packets), lastFrame: s.lastFrame) }
        tls.forEach { tlsPairs.insert(HostPair($0.client.address, $0.server.address)) }
        var named: Set<EndpointPair> = []
        func name(_ product: String, client: IPAddress, server: Endpoint, _ clues: [String], frames: [Int],
                  confidence: OtherVPN.Confidence, datagrams: OtherVPN.Datagrams? = nil, tlsPort: UInt16? = nil) {
            let port = tlsPort ?? server.port
            let conns = tls.filter { $0.client.address == client && $0.server.address == server.address && $0.server.port == port }
            found.append(OtherVPN(name: product, client: client, server: server, clues: clues, frames: frames, confidence: confidence,
                                  tls: Array(conns.suffix(Self.maxConnections)), datagrams: datagrams))
            conns.forEach { named.insert(EndpointPair($0.client, $0.server)) }
        }

        for note in self.dtls.values.sorted(by: { $0.firstFrame < $1.firstFrame }) {
            let beside = tlsPairs.contains(HostPair(note.client, note.server.address))
            guard beside || note.ciscoPreStandard else { continue }
            var clues = ["DTLS on UDP \(note.server.port) from \(note.client) to \(note.server)"]
            if note.ciscoPreStandard { clues.append("DTLS version 0x0100: Cisco's pre-standard DTLS 1.0, spoken only by AnyConnect and OpenConnect") }
            if beside { clues.append("TLS on TCP 443 between the same hosts (AnyConnect's control connection)") }
            name("Cisco AnyConnect or OpenConnect", client: note.client, server: note.server, clues, frames: [note.firstFrame],
                 confidence: .high, datagrams: .init(what: "DTLS on UDP \(note.server.port)", fromClient: note.fromClient,
                                                     fromServer: note.fromServer, firstFrame: note.firstFrame), tlsPort: 443)
        }
        for (pair, (key, packets)) in udp4501.sorted(by: { $0.key.low < $1.key.low }) where tlsPairs.contains(pair) {
            let server = key.low.port == 4501 ? key.low : key.high
            let client = server == key.low ? key.high.address : key.low.address
            let fromClient = server == key.low ? packets.1 : packets.0
            let first = tls.first { $0.server.address == server.address }?.firstFrame
            name("Palo Alto GlobalProtect", client: client, server: server,
                 ["UDP 4501 (GlobalProtect's IPsec in UDP) between \(client) and \(server.address)",
                  "TLS on TCP 443 between the same hosts (GlobalProtect's portal and gateway)"],
                 frames: first.map { [$0] } ?? [], confidence: .medium,
                 datagrams: .init(what: "IPsec in UDP 4501", fromClient: fromClient, fromServer: packets.0 + packets.1 - fromClient,
                                  firstFrame: first ?? 0), tlsPort: 443)
        }
        for c in tls where !named.contains(EndpointPair(c.client, c.server)) {
            let sni = c.serverName?.lowercased() ?? ""
            let labels = sni.split(whereSeparator: { $0 == "." || $0 == "-" })
            let product: (String, String, OtherVPN.Confidence)? =
                c.server.port == 10443 ? ("Fortinet FortiGate SSL VPN", "TLS on TCP 10443 (FortiGate's SSL VPN port)", .medium)
                : sni.hasSuffix(".softether.net") || sni.hasSuffix(".vpnazure.net")
                ? ("SoftEther VPN", "server name \(sni): SoftEther's dynamic DNS or VPN Azure relay", .high)
                : sni.hasPrefix("derp") && sni.hasSuffix(".tailscale.com")
                ? ("Tailscale (DERP relay)", "server name \(sni): a Tailscale DERP relay, which carries WireGuard over TLS when UDP is blocked", .high)
                : labels.contains("vpn")
                ? ("TLS-based VPN", "server name \(sni) says VPN; nothing else in clear says which (\(Self.lookAlike) on TCP \(c.server.port))", .low)
                : nil
            guard let (product, clue, confidence) = product else { continue }
            var clues = [clue]
            if let sni = c.serverName, !clue.contains(sni) { clues.append("server name (SNI) \(sni)") }
            name(product, client: c.client.address, server: c.server, clues, frames: [c.clientHelloFrame ?? c.firstFrame], confidence: confidence)
        }
        for (key, lastFrame) in softEtherPorts.values.sorted(by: { $0.1 < $1.1 }) {
            let server = [992, 5555].contains(key.low.port) ? key.low : key.high
            let client = key.low == server ? key.high.address : key.low.address
            guard !found.contains(where: { $0.server.address == server.address && $0.client == client }) else { continue }
            name("SoftEther VPN", client: client, server: server,
                 ["TCP \(server.port) answered (SoftEther's own listener; TCP 992 is also telnet over TLS)"], frames: [lastFrame],
                 confidence: .low)
        }
        // Nothing else: a capture whose only TLS server is on a TLS-VPN port and whose connection to it
        // failed (closed unfinished, or never answered) is most likely the VPN it was taken for,
        // though nothing in clear says which (low confidence). One that works is any HTTPS.
        let servers = Set(tls.map(\.server))
        if found.isEmpty, sessions.isEmpty, servers.count == 1, let c = tls.last,
           !tls.contains(where: \.completed), c.closedFrame != nil || c.serverHello == nil {
            name("TLS-based VPN", client: c.client.address, server: c.server,
                 ["the capture's only TLS server, on TCP \(c.server.port), and no VPN traffic of another kind; nothing in clear says which product (\(Self.lookAlike))"]
                     + (c.serverName.map { ["server name (SNI) \($0)"] } ?? []),
                 frames: [c.clientHelloFrame ?? c.firstFrame], confidence: .low)
        }
        for s in sessions where s.vpnProtocol == .wireguard {
            guard let flow = s.flows.first(where: { $0.a.port == 41641 || $0.b.port == 41641 }) else { continue }
            let server = flow.a.address == s.server ? flow.a : flow.b
            found.append(OtherVPN(name: "Tailscale", client: s.client, server: server,
                                  clues: ["WireGuard on UDP 41641, the port Tailscale's WireGuard listens on"],
                                  frames: [flow.aToB.firstFrame ?? flow.bToA.firstFrame].compactMap { $0 },
                                  diagnosedPart: "its WireGuard tunnel (session \(s.id))", confidence: .medium, protocolName: "wireguard"))
        }
        return found
    }
}
