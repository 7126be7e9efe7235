import Capture
import Decoding

/// Consumes a capture's packets in order and derives the evidence of every VPN attempt.
///
/// One per capture file. Data-plane packets (ESP, GRE, bulk traffic) update counters in tables
/// keyed by small values, in place: no heap allocation per packet once their stream exists.
public struct Analyzer {
    public let options: AnalysisOptions

    var stats = CaptureStatistics()
    /// Per-packet counts by case index (no hashing per layer); named by `finish()`.
    var layerCounts = [Int](repeating: 0, count: 256)
    var stopCounts = [Int](repeating: 0, count: 256)
    let limits: AnalysisLimits
    var dropped = DroppedState()
    var flows: FlowTable
    var esp: [ESPStreamKey: ESPStreamStats] = [:]
    var gre: [GREStreamKey: GREStreamStats] = [:]
    var ike = IKETracker()
    var wireguard = WireGuardTracker()
    var otherVPNs = OtherVPNTracker()
    /// PPTP's TCP 1723 and OpenVPN over TCP reassembled, for messages split over segments
    /// (Analyzer+TCPStreams.swift).
    var tcpStreams = TCPStreams()
    var openvpn = OpenVPNTracker()
    /// IKE and ESP over TCP (RFC 8229; Analyzer+IKETCP.swift), and the connections on other ports the
    /// header-byte path leaves to the decoder.
    var ikeTCP = IKETCPTracker()
    var prefixedStreams = PrefixedStreams()
    var pairs: [HostPair: PairState] = [:]
    var pairOrder: [HostPair] = []
    var dns: [DNSQueryRecord] = []
    /// The record of each (client, name, type) query still awaiting its answer, by index in `dns`.
    var dnsOpen: [DNSQueryKey: Int] = [:]
    var icmpErrors: [ICMPErrorRecord] = []
    var fragments: [FragmentKey: [Int]] = [:]
    var reassembledFrames: Set<Int> = []
    var serverPackets = 0
    var decryptedFrames: [Int] = []
    /// The timestamp of the frame before (`noteTimeWentBack`); the capture's end is the latest.
    var previousTime = Timestamp(seconds: 0, nanoseconds: 0)

    /// What is known of one pair of hosts that exchanged VPN traffic.
    struct PairState {
        var firstFrame: Int
        var lastFrame: Int
        var start: Double
        var end: Double
        var pptp: PPTPControlEvidence?
        var l2tp: L2TPEvidence?
        /// The frame of each distinct L2TP control message (retransmissions repeat the signature).
        var l2tpSignatures: [L2TPSignature: Int] = [:]
        var ppp = PPPEvidence()
        var pppSignatures: [PPPSignature: Int] = [:]
        var echoRequests: [Int] = []
        var echoReplies: [Int] = []
        var natKeepalives = 0
        var greTunnel: GRETunnelEvidence?
        /// This pair's packets came out of ESP decrypted with the user's keys (L2TP/IPsec's inner hosts).
        var insideESP = false
    }
    struct L2TPSignature: Hashable { var source: IPAddress; var tunnel: UInt16; var ns: UInt16; var type: UInt16 }
    struct PPPSignature: Hashable { var source: IPAddress; var proto: UInt16; var code: UInt8; var id: UInt8 }
    struct FragmentKey: Hashable { var source: IPAddress; var destination: IPAddress; var id: UInt32 }
    struct DNSQueryKey: Hashable { var client: IPAddress; var name: String; var type: UInt16 }

    public init(options: AnalysisOptions) {
        self.options = options
        self.limits = options.limits
        self.flows = FlowTable(capacity: options.flowTableCapacity)
        self.esp.reserveCapacity(1024)
        self.ike.limits = options.limits
        self.wireguard.limits = options.limits
        self.otherVPNs.limits = options.limits
        self.openvpn.limits = options.limits
        self.ikeTCP.limits = options.limits
        self.stats.flowTableCapacity = self.flows.capacity
    }

    // MARK: - Input

    /// What `add(_:decoder:into:)` did with a frame.
    public enum Reading {
        /// Counted from its header bytes (`packet` was not touched).
        case dataPlane(source: IPAddress, destination: IPAddress)
        /// Decoded into `packet`, then added.
        case decoded
    }

    /// Every frame, in capture order: a data-plane packet (ESP, NAT-T ESP, PPTP GRE data, bulk
    /// TCP/UDP) is counted straight from its header bytes, without decoding or allocating; any other
    /// is decoded with `decoder` into `packet` (reused) and added.
    @inline(__always)
    public mutating func add(_ frame: RawFrame, decoder: inout PacketDecoder, into packet: inout DecodedPacket) -> Reading {
        // With keys (`decrypter`) ESP is decoded, to be decrypted, instead of counted from its header.
        guard decoder.decrypter == nil,
              let reading = Classifier.wire(frame, limits: decoder.dissector.limits, prefixed: &self.prefixedStreams) else {
            decoder.decode(frame, into: &packet)
            self.add(packet, bytes: frame.bytes)
            return .decoded
        }
        self.add(reading, frame: frame.info)
        return .dataPlane(source: reading.fact.source, destination: reading.fact.destination)
    }

    /// A data-plane frame by its reading (see `Classifier.wire`), in capture order with the others.
    @inline(__always)
    public mutating func add(_ reading: WireReading, frame info: FrameInfo) {
        self.count(info)
        reading.layers.forEach { self.layerCounts[caseIndex($0)] &+= 1 }
        if let stop = reading.stop { self.noteStop(stop, frame: info.number) }
        self.record(reading.fact, frame: info.number, time: info.timestamp)
    }

    /// The IKE message of `frame`, when it is the last one added, as recorded: its step in the
    /// exchange and the frame it repeats. `packets` labels its lines with it, in one pass.
    public func lastIKEMessage(frame: Int) -> IKEMessageRecord? {
        self.ike.last?.frame == frame ? self.ike.last : nil
    }

    /// The IKE messages and ESP packets of an RFC 8229 stream that `frame` completed but could not
    /// show itself (split over segments, or off TCP 4500 after the prefix), when it is the last frame added: each one's first frame
    /// and summary. `packets` lists them under the frame's line.
    public func reassembledMessages(frame: Int) -> [(firstFrame: Int, summary: String)] {
        self.ikeTCP.reassembled.frame == frame ? self.ikeTCP.reassembled.messages : []
    }

    /// Every decoded frame, in capture order, with the bytes it was decoded from (a PPTP message split
    /// over TCP segments is read from them).
    public mutating func add(_ packet: DecodedPacket, bytes: UnsafeRawBufferPointer) {
        let frame = packet.frame
        self.count(frame)
        for i in packet.layers.indices { self.layerCounts[caseIndex(packet.layers[i].kind)] &+= 1 }
        if let stop = packet.stop { self.noteStop(stop, frame: frame.number) }
        var ipIndex = 0
        while ipIndex < packet.layers.count, !packet.layers[ipIndex].isIP { ipIndex += 1 }
        guard let (fact, carried) = Classifier.fact(from: packet, ipAt: ipIndex) else { return }
        if packet.stop?.reason == .truncated, fact.isVPN, self.stats.truncatedVPNFrames.count < 50 {
            self.stats.truncatedVPNFrames.append(frame.number)
        }
        self.record(fact)
        self.noteDecrypted(packet)
        if fact.tcp != nil, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .pptpControl {
            self.readPPTPStream(packet, fact, bytes: bytes)
        }
        if fact.tcp != nil, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .openvpn {
            self.readOpenVPNStream(packet, fact, bytes: bytes)
        }
        if fact.tcp != nil { self.readIKETCPStream(packet, fact, bytes: bytes) }
        // What a plain GRE tunnel carries is analysed as its own packet (GRE in GRE: each level).
        var tunnel = HostPair(fact.source, fact.destination), next = carried
        while let i = next, let (inner, carried) = Classifier.fact(from: packet, ipAt: i) {
            self.noteCarried(inner, in: tunnel)
            self.record(inner)
            if case .esp = fact.kind { self.pairs[HostPair(inner.source, inner.destination)]?.insideESP = true }
            tunnel = HostPair(inner.source, inner.destination)
            next = carried
        }
    }

    @inline(__always)
    mutating func count(_ frame: FrameInfo) {
        self.stats.packets &+= 1
        self.stats.bytes &+= frame.originalLength
        self.stats.capturedBytes &+= frame.capturedLength
        if self.stats.start == nil { self.stats.start = frame.timestamp }
        if frame.timestamp < self.previousTime { self.noteTimeWentBack(frame) }
        self.previousTime = frame.timestamp
        if self.stats.end.map({ frame.timestamp > $0 }) ?? true { self.stats.end = frame.timestamp }
        if frame.isTruncatedBySnaplen { self.noteSnaplenCut(frame) }
    }

    /// One packet known only by its fact (tests build these directly): counts it, then records it.
    public mutating func add(fact: PacketFact) {
        self.count(FrameInfo(number: fact.frame, timestamp: fact.time, capturedLength: fact.capturedLength,
                             originalLength: fact.originalLength, linkType: .ethernet))
        self.record(fact)
    }

    mutating func noteTimeWentBack(_ frame: FrameInfo) {
        let step = self.previousTime.seconds(since: frame.timestamp)
        guard var back = self.stats.timeWentBack else {
            self.stats.timeWentBack = .init(count: 1, firstFrame: frame.number, largestStep: step, largestStepFrame: frame.number)
            return
        }
        back.count += 1
        if step > back.largestStep { (back.largestStep, back.largestStepFrame) = (step, frame.number) }
        self.stats.timeWentBack = back
    }

    mutating func noteSnaplenCut(_ frame: FrameInfo) {
        self.stats.snaplenCutFrames += 1
        if self.stats.firstSnaplenCutFrames.count < 10 { self.stats.firstSnaplenCutFrames.append(frame.number) }
        self.stats.snaplen = max(self.stats.snaplen ?? 0, frame.capturedLength)
    }

    mutating func noteStop(_ stop: DecodeStop, frame: Int) {
        self.stopCounts[caseIndex(stop.reason)] &+= 1
        if self.stats.decodeStopExamples.count < 20 {
            self.stats.decodeStopExamples.append(DecodeStopRecord(frame: frame, reason: stop.reason, layer: stop.layer,
                                                                  detail: stop.detail))
        }
        if stop.reason == .unsupported, stop.layer == .link, let detail = stop.detail,
           !self.stats.unsupportedLinkTypes.contains(detail) {
            self.stats.unsupportedLinkTypes.append(detail)
        }
    }

    /// The data-plane fast path: the evidence `record(_: PacketFact)` derives from the same packet's
    /// `.esp`, `.gre` or `.other` fact, through the same calls.
    mutating func record(_ d: DataPlaneFact, frame: Int, time: Timestamp) {
        if let server = self.options.server, d.source != server, d.destination != server { return }
        let isVPN: Bool = switch d.kind {
        case .esp, .gre, .wireguard, .openvpnData: true
        case .other: ProtocolRegistry.isVPN(d.ipProtocol, d.sourcePort, d.destinationPort)
        }
        self.countTraffic(Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), d.ipProtocol,
                          isVPN: isVPN, frame: frame, time: time, bytes: d.ipLength)
        switch d.kind {
        case .other:
            if d.ipProtocol == .udp, !self.openvpn.isEmpty {
                self.openvpn.addData(Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame,
                                     time: time.seconds(since: self.stats.start!))
            }
        case .openvpnData:
            self.openvpn.addData(Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame,
                                 time: time.seconds(since: self.stats.start!))
        case .esp(let e):
            self.addESP(e, Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame, time: time,
                        bytes: d.ipLength, isAH: false)
        case .gre(let callID, let userData):
            self.addGRE(callID, version: 1, d.source, d.destination, frame: frame, time: time, bytes: d.ipLength,
                        userData: userData)
        case .wireguard(let w):
            self.wireguard.add(w, Endpoint(d.source, d.sourcePort), Endpoint(d.destination, d.destinationPort), frame: frame,
                               time: time, seconds: time.seconds(since: self.stats.start!), bytes: d.ipLength)
        }
    }

    /// A packet to or from the server (any packet without `--server`): its flow, the server's
    /// count, and the host pair of VPN traffic.
    @inline(__always)
    mutating func countTraffic(_ source: Endpoint, _ destination: Endpoint, _ ipProtocol: IPProtocol, isVPN: Bool,
                               frame: Int, time: Timestamp, bytes: Int) {
        self.flows.add(source, destination, ipProtocol, isVPN: isVPN, frame: frame, time: time, bytes: bytes)
        if self.options.server != nil || isVPN { self.serverPackets &+= 1 }
        if isVPN { self.touchPair(source.address, destination.address, frame: frame, time: time.seconds(since: self.stats.start!)) }
    }

    /// Derives the evidence of one packet's fact.
    mutating func record(_ fact: PacketFact) {
        if self.stats.start == nil { self.stats.start = fact.time }
        let time = fact.time.seconds(since: self.stats.start!)
        if let server = self.options.server, fact.source != server, fact.destination != server {
            // Off-server traffic still matters when it resolves the server's name or reports an
            // error about a packet to it.
            switch fact.kind {
            case .dns(let d): self.addDNS(d, fact, time: time)
            case .icmpError(let e) where e.quotedDestination == server || e.quotedSource == server:
                self.addICMPError(e, fact, time: time)
            default: break
            }
            return
        }
        self.countTraffic(fact.sourceEndpoint, fact.destinationEndpoint, fact.ipProtocol, isVPN: fact.isVPN,
                          frame: fact.frame, time: fact.time, bytes: fact.ipLength)

        switch fact.kind {
        case .other:
            if let tcp = fact.tcp, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .pptpControl {
                self.addPPTPTCP(tcp, fact)
            } else if let tcp = fact.tcp, ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service == .openvpn {
                self.openvpn.addTCP(tcp, fact, time: time)
            } else if fact.ipProtocol == .udp, !self.openvpn.isEmpty {
                self.openvpn.addData(fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: time)
            }
        case .esp(let e):
            self.addESP(e, fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: fact.time, bytes: fact.ipLength,
                        isAH: false)
        case .ah(let spi, let sequence):
            self.addESP(ESPFact(spi: spi, sequence: sequence), fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame,
                        time: fact.time, bytes: fact.ipLength, isAH: true)
        case .gre(let g):
            if g.version == 0 { self.addPlainGRE(g, fact) }
            if g.keepalive == nil {
                self.addGRE(g.callID, version: g.version, fact.source, fact.destination, frame: fact.frame, time: fact.time,
                            bytes: fact.ipLength, userData: g.carriesUserData)
            }
        case .natKeepalive:
            if let index = self.pairs.index(forKey: HostPair(fact.source, fact.destination)) {
                self.pairs.values[index].natKeepalives &+= 1
            }
        case .ike(let m):
            self.ike.add(m, fact, time: time)
        case .pptp(let messages):
            if let tcp = fact.tcp { self.addPPTPTCP(tcp, fact) }
            self.addPPTP(messages, fact, time: time)
        case .openvpn(let packets):
            if let tcp = fact.tcp { self.openvpn.addTCP(tcp, fact, time: time) }
            self.openvpn.add(packets, fact, time: time)
        case .l2tpControl(let c):
            self.addL2TP(c, fact, time: time)
        case .l2tpData(_, _, let userData):
            if userData { self.countL2TPData(fact) }
        case .pppControl(let p, let carrier):
            switch carrier {
            case .gre(let g):
                self.addGRE(g.callID, version: g.version, fact.source, fact.destination, frame: fact.frame, time: fact.time,
                            bytes: fact.ipLength, userData: false)
            case .l2tp, .direct: break
            }
            self.addPPP(p, fact, time: time)
        case .dns(let d):
            self.addDNS(d, fact, time: time)
        case .wireguard(let w):
            self.wireguard.add(w, fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: fact.time, seconds: time,
                               bytes: fact.ipLength)
        case .icmpError(let e):
            self.addICMPError(e, fact, time: time)
        case .dtls(let version):
            self.otherVPNs.noteDTLS(fact, version: version)
        case .ikeTCP:
            break  // read from its stream (Analyzer+IKETCP.swift)
        case .icmpEcho(let request, _, _):
            let pair = HostPair(fact.source, fact.destination)
            if self.pairs[pair] == nil, let server = self.options.server, pair.contains(server) {
                self.touchPair(fact.source, fact.destination, frame: fact.frame, time: time)
            }
            guard let index = self.pairs.index(forKey: pair) else { break }
            let limit = self.limits.framesPerList
            if request { self.pairs.values[index].echoRequests.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
            else { self.pairs.values[index].echoReplies.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        case .ipFragment(let id, _, _):
            let key = FragmentKey(source: fact.source, destination: fact.destination, id: id)
            if let index = self.fragments.index(forKey: key) {
                self.fragments.values[index].append(fact.frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames)
            } else if self.fragments.count < self.limits.records {
                self.fragments[key] = [fact.frame]
            } else {
                self.dropped.records &+= 1
            }
        }
        if !fact.reassembledFrom.isEmpty {
            // Only fragments still held can be matched against these; a full set stops growing.
            if self.reassembledFrames.count < self.limits.records * self.limits.framesPerList {
                self.reassembledFrames.formUnion(fact.reassembledFrom)
            } else {
                self.dropped.frames &+= fact.reassembledFrom.count
            }
        }
    }

    // MARK: - Per protocol

    mutating func touchPair(_ source: IPAddress, _ destination: IPAddress, frame: Int, time: Double) {
        // Traffic to a group (OSPFv3's AH to ff02::5, group SAs) is no client–server attempt: it is
        // one-way by nature, and no session is made of it.
        guard !destination.isGroup else { return }
        let pair = HostPair(source, destination)
        if let index = self.pairs.index(forKey: pair) {
            self.pairs.values[index].lastFrame = frame
            self.pairs.values[index].end = time
        } else if self.pairs.count < self.limits.hostPairs {
            self.pairs[pair] = PairState(firstFrame: frame, lastFrame: frame, start: time, end: time)
            self.pairOrder.append(pair)
        } else {
            self.dropped.hostPairs &+= 1
        }
    }

    /// ESP or AH by stream, updated in place; when the table is full its idlest quarter goes. The
    /// ports count only for ESP-in-UDP.
    mutating func addESP(_ e: ESPFact, _ source: Endpoint, _ destination: Endpoint, frame: Int, time: Timestamp,
                         bytes: Int, isAH: Bool) {
        let ports = e.udpEncapsulated ? UInt32(source.port) << 16 | UInt32(destination.port) : 0
        let key = ESPStreamKey(source: source.address, destination: destination.address, spi: e.spi, ports: ports)
        if let index = self.esp.index(forKey: key) {
            self.esp.values[index].add(e, frame: frame, time: time, bytes: bytes)
            return
        }
        if self.esp.count >= self.limits.streams {
            self.dropped.streams += self.esp.evictIdle(max(1, self.limits.streams / 4), lastFrame: \.counter.lastFrame)
        }
        var stats = ESPStreamStats()
        stats.isAH = isAH
        stats.add(e, frame: frame, time: time, bytes: bytes)
        self.esp[key] = stats
    }

    mutating func addGRE(_ callID: UInt16, version: UInt8, _ source: IPAddress, _ destination: IPAddress, frame: Int,
                         time: Timestamp, bytes: Int, userData: Bool) {
        let key = GREStreamKey(source: source, destination: destination, version: version, callID: callID)
        if let index = self.gre.index(forKey: key) {
            self.gre.values[index].add(frame: frame, time: time, bytes: bytes, userData: userData)
            return
        }
        if self.gre.count >= self.limits.streams {
            self.dropped.streams += self.gre.evictIdle(max(1, self.limits.streams / 4), lastFrame: \.counter.lastFrame)
        }
        var stats = GREStreamStats()
        stats.add(frame: frame, time: time, bytes: bytes, userData: userData)
        self.gre[key] = stats
    }

    /// A plain GRE packet: the pair is a GRE tunnel; a keepalive is noted as such.
    mutating func addPlainGRE(_ g: GREFact, _ fact: PacketFact) {
        guard let index = self.pairs.index(forKey: HostPair(fact.source, fact.destination)) else { return }
        var tunnel = self.pairs.values[index].greTunnel ?? GRETunnelEvidence()
        let limit = self.limits.framesPerList
        switch g.keepalive {
        case .request?: tunnel.keepaliveRequests.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
        case .reply?: tunnel.keepaliveReplies.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
        case nil: break
        }
        self.pairs.values[index].greTunnel = tunnel
    }

    /// Notes what a plain GRE tunnel between `tunnel` carries: the IP version, and the VPN protocol
    /// inside if any.
    /// Frames whose control payloads were decrypted with the user's keys (IKE, or L2TP/PPP control
    /// inside ESP): the findings citing them are certain. Bounded like the other frame lists.
    mutating func noteDecrypted(_ packet: DecodedPacket) {
        guard self.decryptedFrames.count < 4_096 else { return }
        var insideESP = false
        // Index loop: iterating `layers` itself allocates in an unoptimised build (the allocation guard).
        var i = 0
        while i < packet.layers.count {
            defer { i += 1 }
            let decrypted: Bool
            switch packet.layers[i] {
            case .ikev2(let m): decrypted = m.decryptedPayloads != nil
            case .isakmp(let m): decrypted = m.decrypted == true
            case .esp(let e): insideESP = e.decrypted == true; decrypted = false
            case .l2tpControl, .pppControl, .icmp: decrypted = insideESP
            default: decrypted = false
            }
            if decrypted { return self.decryptedFrames.append(packet.frame.number) }
        }
    }

    mutating func noteCarried(_ inner: PacketFact, in tunnel: HostPair) {
        guard let index = self.pairs.index(forKey: tunnel), self.pairs.values[index].greTunnel != nil else { return }
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
            if let name, !self.pairs.values[index].greTunnel!.carries.contains(name) {
                self.pairs.values[index].greTunnel!.carries.append(name)
            }
        }
    }

    mutating func addPPTPTCP(_ tcp: TCPFact, _ fact: PacketFact) {
        let pair = HostPair(fact.source, fact.destination)
        let clientIsSource = ProtocolRegistry.isPort(fact.destinationPort, of: .pptpControl)
        if self.pairs[pair]?.pptp == nil {
            self.pairs[pair]?.pptp = PPTPControlEvidence(
                client: clientIsSource ? fact.sourceEndpoint : fact.destinationEndpoint,
                server: clientIsSource ? fact.destinationEndpoint : fact.sourceEndpoint)
        }
        guard let index = self.pairs.index(forKey: pair), self.pairs.values[index].pptp != nil else { return }
        let limit = self.limits.framesPerList
        if tcp.isSYN { self.pairs.values[index].pptp!.synFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isSYNACK { self.pairs.values[index].pptp!.synAckFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames) }
        if tcp.isFIN {
            self.pairs.values[index].pptp!.finFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !clientIsSource { self.pairs.values[index].pptp!.finFromServer = true }
        }
        if tcp.isRST {
            self.pairs.values[index].pptp!.resetFrames.append(fact.frame, limit: limit, dropped: &self.dropped.frames)
            if !clientIsSource { self.pairs.values[index].pptp!.resetFromServer = true }
        }
    }

    mutating func addPPTP(_ messages: [PPTPMessageFact], _ fact: PacketFact, time: Double) {
        let pair = HostPair(fact.source, fact.destination)
        let fromClient = ProtocolRegistry.isPort(fact.destinationPort, of: .pptpControl)
        for m in messages {
            guard let count = self.pairs[pair]?.pptp?.messages.count else { return }
            guard count < self.limits.messagesPerSession else { self.dropped.messages &+= 1; continue }
            self.pairs[pair]?.pptp?.messages.append(PPTPMessageRecord(
                frame: fact.frame, time: time, fromClient: fromClient, type: m.type, callID: m.callID,
                peerCallID: m.peerCallID, resultCode: m.resultCode, errorCode: m.errorCode, resultText: m.resultText))
        }
    }

    mutating func addL2TP(_ c: L2TPControlFact, _ fact: PacketFact, time: Double) {
        let pair = HostPair(fact.source, fact.destination)
        guard self.pairs[pair] != nil else { return }
        guard (self.pairs[pair]!.l2tp?.messages.count ?? 0) < self.limits.messagesPerSession else {
            self.dropped.messages &+= 1
            return
        }
        if self.pairs[pair]!.l2tp == nil {
            // The LAC sends SCCRQ; mid-session, the side not bound to 1701 (or the first sender).
            let sourceIsClient: Bool = switch c.messageType {
            case .sccrq?, .scccn?, .icrq?, .iccn?: true
            case .sccrp?, .icrp?: false
            default: !(ProtocolRegistry.isPort(fact.sourcePort, of: .l2tp) && !ProtocolRegistry.isPort(fact.destinationPort, of: .l2tp))
            }
            self.pairs[pair]!.l2tp = L2TPEvidence(client: sourceIsClient ? fact.sourceEndpoint : fact.destinationEndpoint,
                                                  server: sourceIsClient ? fact.destinationEndpoint : fact.sourceEndpoint)
        }
        let fromClient = fact.source == self.pairs[pair]!.l2tp!.client.address
        var retransmissionOf: Int?
        if let type = c.messageType {
            let signature = L2TPSignature(source: fact.source, tunnel: c.tunnelID, ns: c.ns, type: type.rawValue)
            if let first = self.pairs[pair]!.l2tpSignatures[signature] {
                retransmissionOf = first
            } else {
                self.pairs[pair]!.l2tpSignatures[signature] = fact.frame
            }
        }
        self.pairs[pair]!.l2tp!.messages.append(L2TPMessageRecord(
            frame: fact.frame, time: time, fromClient: fromClient, tunnelID: c.tunnelID, sessionID: c.sessionID, ns: c.ns,
            nr: c.nr, type: c.messageType, resultCode: c.resultCode, errorCode: c.errorCode, resultText: c.resultText,
            retransmissionOf: retransmissionOf))
    }

    /// User data inside the L2TP tunnel; a tunnel first seen by its data (mid-session) is recorded with
    /// the side not bound to 1701 (or the first sender) as client.
    mutating func countL2TPData(_ fact: PacketFact) {
        let pair = HostPair(fact.source, fact.destination)
        guard self.pairs[pair] != nil else { return }
        if self.pairs[pair]!.l2tp == nil {
            let sourceIsClient = !(fact.sourcePort == 1701 && fact.destinationPort != 1701)
            self.pairs[pair]!.l2tp = L2TPEvidence(client: sourceIsClient ? fact.sourceEndpoint : fact.destinationEndpoint,
                                                  server: sourceIsClient ? fact.destinationEndpoint : fact.sourceEndpoint)
        }
        if fact.source == self.pairs[pair]!.l2tp!.client.address {
            self.pairs[pair]!.l2tp!.dataFromClient += 1
            if self.pairs[pair]!.l2tp!.firstDataFromClient == nil { self.pairs[pair]!.l2tp!.firstDataFromClient = fact.frame }
        } else {
            self.pairs[pair]!.l2tp!.dataFromServer += 1
            if self.pairs[pair]!.l2tp!.firstDataFromServer == nil { self.pairs[pair]!.l2tp!.firstDataFromServer = fact.frame }
        }
    }

    mutating func addPPP(_ p: PPPControlFact, _ fact: PacketFact, time: Double) {
        let pair = HostPair(fact.source, fact.destination)
        guard self.pairs[pair] != nil else { return }
        guard self.pairs[pair]!.ppp.messages.count < self.limits.messagesPerSession else {
            self.dropped.messages &+= 1
            return
        }
        let signature = PPPSignature(source: fact.source, proto: p.protocolNumber.rawValue, code: p.code, id: p.identifier)
        let count = self.pairs[pair]!.ppp.messages.count
        var retransmissionOf: Int?
        if let index = self.pairs[pair]!.pppSignatures[signature] {
            retransmissionOf = self.pairs[pair]!.ppp.messages[index].frame
        } else {
            self.pairs[pair]!.pppSignatures[signature] = count
        }
        self.pairs[pair]!.ppp.messages.append(PPPMessageRecord(
            frame: fact.frame, time: time, source: fact.source, fromClient: false, protocolNumber: p.protocolNumber,
            code: p.code, identifier: p.identifier, authProtocol: p.authProtocol, message: p.message, msChapError: p.msChapError,
            retransmissionOf: retransmissionOf))
    }

    mutating func addDNS(_ d: DNSFact, _ fact: PacketFact, time: Double) {
        if !d.isResponse {
            let key = DNSQueryKey(client: fact.source, name: d.queryName, type: d.queryType)
            if let i = self.dnsOpen[key] {
                self.dns[i].queryFrames.append(fact.frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames)
            } else if self.dns.count < self.limits.records {
                self.dnsOpen[key] = self.dns.count
                self.dns.append(DNSQueryRecord(name: d.queryName, queryType: d.queryType, client: fact.source,
                                               resolver: fact.destination, queryFrames: [fact.frame], time: time,
                                               responseFrame: nil, rcode: nil, answers: []))
            } else {
                self.dropped.records &+= 1
            }
        } else if let i = self.dnsOpen.removeValue(forKey: DNSQueryKey(client: fact.destination, name: d.queryName,
                                                                        type: d.queryType)) {
            self.dns[i].responseFrame = fact.frame
            self.dns[i].rcode = d.rcode
            self.dns[i].answers = d.answers
        }
    }

    mutating func addICMPError(_ e: ICMPErrorFact, _ fact: PacketFact, time: Double) {
        guard self.icmpErrors.count < self.limits.records else { self.dropped.records &+= 1; return }
        self.icmpErrors.append(ICMPErrorRecord(frame: fact.frame, time: time, reporter: fact.source, error: e,
                                               meaning: e.meaning, quotedWhat: Self.describeQuoted(e)))
    }

    static func describeQuoted(_ e: ICMPErrorFact) -> String {
        if let entry = e.quotedEntry { return entry.name.description }
        switch e.quotedProtocol {
        case .udp: return "UDP \(e.quotedDestinationPort)"
        case .tcp: return "TCP \(e.quotedDestinationPort)"
        default: return "IP protocol \(e.quotedProtocol.rawValue)"
        }
    }
}

extension PacketFact {
    /// True when the packet belongs to a VPN protocol (IKE, ESP, AH, GRE, L2TP, PPTP, NAT-T, WireGuard).
    public var isVPN: Bool {
        switch self.kind {
        case .ike, .esp, .ah, .natKeepalive, .gre, .pptp, .l2tpControl, .l2tpData, .pppControl, .wireguard, .openvpn, .ikeTCP: return true
        case .dns, .icmpError, .icmpEcho, .ipFragment, .dtls: return false
        // No VPN meaning of its own: VPN traffic by its IP protocol or ports.
        case .other: return ProtocolRegistry.isVPN(self.ipProtocol, self.sourcePort, self.destinationPort)
        }
    }
}

/// The case index of a payload-free enum (its one-byte in-memory form): counts by case without hashing.
@inline(__always)
func caseIndex<E>(_ value: E) -> Int {
    precondition(MemoryLayout<E>.size == 1)
    return withUnsafeBytes(of: value) { Int($0[0]) }
}
