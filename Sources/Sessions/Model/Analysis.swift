import Capture
import Decoding

public struct AnalysisOptions: Sendable {
    /// Restrict the analysis to sessions with this server.
    public var server: IPAddress?
    /// The VPN server's DNS name, when the user gave it: its failed lookups are the VPN's failure.
    public var serverName: String?
    /// Flows held at most; idle non-VPN flows are evicted first when it is reached.
    public var flowTableCapacity: Int
    /// Ceilings on every other table the analyzer keeps.
    public var limits = AnalysisLimits()
    public init(server: IPAddress? = nil) {
        self.server = server
        self.flowTableCapacity = 65_536
    }
}

/// Packets and bytes one way, capture-relative.
public struct CounterSummary: Sendable, Codable, Hashable {
    public var packets: Int
    public var bytes: Int
    public var firstFrame: Int?
    public var lastFrame: Int?
    public var start: Double?
    public var end: Double?
}

/// One flow with both directions, as reported.
public struct FlowSummary: Sendable, Codable, Hashable {
    /// "UDP 500", "UDP 4500", "TCP 1723", "ESP", "GRE", "L2TP" …
    public var label: String
    public var ipProtocol: IPProtocol
    public var a: Endpoint
    public var b: Endpoint
    public var aToB: CounterSummary
    public var bToA: CounterSummary
    public var oneWay: Bool { self.aToB.packets == 0 || self.bToA.packets == 0 }
}

/// ESP in one direction under one SPI.
public struct ESPStream: Sendable, Codable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    public var spi: UInt32
    public var udpEncapsulated: Bool
    /// The UDP ports of ESP-in-UDP (0 on IP).
    public var sourcePort: UInt16 = 0
    public var destinationPort: UInt16 = 0
    public var isAH: Bool
    public var traffic: CounterSummary
    public var firstSequence: UInt32
    public var highestSequence: UInt32
    public var missing: Int
    public var gaps: Int
    public var reordered: Int
    public var firstGapFrame: Int?
    public var spiHex: String { "0x" + String(self.spi, radix: 16) }
    /// Fraction of sequence numbers in the observed range that never passed the capture point.
    public var lossRatio: Double {
        let expected = Int(self.highestSequence) - Int(self.firstSequence) + 1
        return expected > 0 ? Double(self.missing) / Double(expected) : 0
    }
}

/// GRE in one direction for one call ID.
/// GRE in one direction: PPTP's data channel per call ID (version 1), or a plain GRE tunnel's
/// packets carrying something (version 0; the call ID is then the key's low half, or 0).
public struct GREStream: Sendable, Codable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    public var version: UInt8
    public var callID: UInt16
    public var traffic: CounterSummary
    /// PPTP: packets carrying user data (a datagram inside PPP: IP or MPPE), not LCP or bare acknowledgments.
    public var userData = 0
    public var firstUserDataFrame: Int?
    public var firstUserDataTime: Double?
}

/// A plain GRE tunnel's own signs of life (RFC 2784, version 0): its keepalives, and what it carries.
public struct GRETunnelEvidence: Sendable, Codable, Hashable {
    /// Keepalives sent: GRE carrying an IP packet back to the sender that holds an empty GRE header.
    public var keepaliveRequests: [Int] = []
    /// Keepalives coming back: that empty GRE header (protocol type 0) on its way home.
    public var keepaliveReplies: [Int] = []
    /// What the tunnel carries: "IPv4", "IPv6", then the VPN protocols seen inside ("IKE", "ESP"…).
    public var carries: [String] = []
}

public struct DNSQueryRecord: Sendable, Codable, Hashable {
    public var name: String
    public var queryType: UInt16
    public var client: IPAddress
    public var resolver: IPAddress
    public var queryFrames: [Int]
    public var time: Double
    public var responseFrame: Int?
    public var rcode: UInt8?
    public var answers: [IPAddress]
    public var failed: Bool { self.responseFrame == nil || self.rcode != 0 || self.answers.isEmpty }
    public var outcome: String {
        guard self.responseFrame != nil else { return "no response" }
        if let rcode, rcode != 0 { return DNSFact.rcodeName(rcode) }
        return self.answers.isEmpty ? "no address in the answer" : self.answers.map(\.description).joined(separator: ", ")
    }
}

/// An ICMP error as recorded: who sent it, when, what it quotes, and the stage it broke.
@dynamicMemberLookup
public struct ICMPErrorRecord: Sendable, Codable, Hashable {
    public var frame: Int
    public var time: Double
    /// The host that sent the ICMP error (a router on the path, or the destination itself).
    public var reporter: IPAddress
    public var error: ICMPErrorFact
    public var meaning: String
    /// What the quoted packet was ("IKE (UDP 500)", "ESP", "GRE", "PPTP control (TCP 1723)"…).
    public var quotedWhat: String
    /// The stage whose packet was refused (filled in per session).
    public var stage: Stage?

    public subscript<T>(dynamicMember path: KeyPath<ICMPErrorFact, T>) -> T { self.error[keyPath: path] }
}

public struct DecodeStopRecord: Sendable, Codable, Hashable {
    public var frame: Int
    public var reason: DecodeStop.Reason
    public var layer: LayerKind
    public var detail: String?
}

/// Counts over the whole capture and its quality.
public struct CaptureStatistics: Sendable, Codable, Hashable {
    public var packets = 0
    /// Bytes on the wire (original lengths).
    public var bytes = 0
    public var capturedBytes = 0
    /// The first frame's time: the origin of every capture-relative time.
    public var start: Timestamp?
    /// The latest time seen (not the last frame's: see `Analyzer.count` and `timeWentBack`).
    public var end: Timestamp?
    /// The latest capture-relative time: never negative, whatever the frames' order (the rules
    /// read it as the capture's end on the same scale as packet times).
    public var duration: Double {
        guard let start, let end else { return 0 }
        return end.seconds(since: start)
    }
    /// Packets per protocol (layer kind name).
    public var protocols: [String: Int] = [:]
    public var decodeStops: [String: Int] = [:]
    /// The first few stops, as examples.
    public var decodeStopExamples: [DecodeStopRecord] = []
    public var unsupportedLinkTypes: [String] = []
    /// Frames the snaplen cut (captured < original).
    public var snaplenCutFrames = 0
    public var firstSnaplenCutFrames: [Int] = []
    /// Largest captured length of a cut frame: the snaplen, roughly.
    public var snaplen: Int?
    /// VPN packets whose decoding stopped because the snaplen cut them.
    public var truncatedVPNFrames: [Int] = []
    public var flowTableCapacity = 0
    public var flowsEvicted = 0
    public var firstEvictionFrame: Int?
    /// What the other ceilings of `AnalysisLimits` dropped ("IKE SAs": 1234), when any.
    public var stateDropped: [String: Int] = [:]
    /// Set when the file ends inside a record: it was cut while being written (told by the reader).
    public var cutShort: CutShort?
    /// Set when a packet's timestamp is earlier than the one before it (`end` stays the latest).
    public var timeWentBack: TimeWentBack?

    /// Timestamps that go backwards: files joined end to end, or a clock stepped while capturing.
    public struct TimeWentBack: Sendable, Codable, Hashable {
        /// How many packets are earlier than the packet before them.
        public var count: Int
        /// The first of them.
        public var firstFrame: Int
        /// The largest step back, in seconds, and the frame that made it.
        public var largestStep: Double
        public var largestStepFrame: Int
    }

    /// Where a capture cut while being written ends.
    public struct CutShort: Sendable, Codable, Hashable {
        /// The last frame read whole (0: none).
        public var lastWholeFrame: Int
        /// Where the cut is, in the reader's words.
        public var detail: String
        public init(lastWholeFrame: Int, detail: String) {
            self.lastWholeFrame = lastWholeFrame
            self.detail = detail
        }
    }
}

/// How a session ended up.
public enum Verdict: String, Sendable, Codable {
    /// Data plane up in both directions.
    case connected
    /// An attempt that stopped at a stage.
    case failed
    /// The capture ends (or starts) before the outcome is visible.
    case incomplete
}

/// NAT as seen from the NAT-D hashes.
public struct NATConclusion: Sendable, Codable, Hashable {
    public enum Side: String, Sendable, Codable { case client, server }
    public var clientBehindNAT: Bool
    public var serverBehindNAT: Bool
    /// Peers whose source hash matches nothing seen here, with no other evidence: behind NAT, or
    /// forcing UDP encapsulation (cannot tell apart from this capture point).
    public var possiblyBehindNAT: [Side] = []
    /// Peers whose NAT-D source hash matches no address they could have, seen from their own side of
    /// any NAT: they force UDP encapsulation (strongSwan `encap=yes`, kernel-libipsec…).
    public var forcedEncapsulation: [Side]
    /// Addresses recovered from a hash (the private address behind a NAT), when one matched.
    public var privateAddresses: [String]
    /// Frames with NAT-D payloads.
    public var frames: [Int]
    public var details: [String]
    public var confidence: String
    public var anyNAT: Bool { self.clientBehindNAT || self.serverBehindNAT }
}

/// One VPN attempt between a client and a server.
public struct Session: Sendable, Codable {
    public var id: Int
    public var client: IPAddress
    public var server: IPAddress
    /// What made us call them client and server ("IKE initiator", "TCP 1723 client", …).
    public var rolesFrom: String
    /// What kind of VPN it is (nil: only VPN ports seen, nothing that tells).
    public var vpnProtocol: VPNProtocol?
    /// The protocol as text: "IKEv2", "IKEv1 Aggressive Mode", "IKEv1 L2TP/IPsec", "PPTP", "GRE", "IPsec ESP" …
    public var protocolLabel: String
    public var firstFrame: Int
    public var lastFrame: Int
    public var start: Double
    public var end: Double
    public var ladder: [StageResult] = []
    public var furthest: Stage?
    public var stoppedAt: Stage?
    /// What the ladder shows: connected when its last rung completed, failed when a rung failed.
    /// A fact, not the verdict: the verdict is judged from the findings (Diagnosis' `Judge`).
    public var outcome: Verdict = .incomplete
    public var ike: [IKESA] = []
    public var esp: [ESPStream] = []
    public var gre: [GREStream] = []
    /// Plain GRE (version 0) keepalives and payloads, when the pair has any.
    public var greTunnel: GRETunnelEvidence?
    /// The session's packets were carried inside ESP and decrypted with the user's keys.
    public var insideESP = false
    public var pptp: PPTPControlEvidence?
    public var l2tp: L2TPEvidence?
    public var ppp: PPPEvidence?
    public var wireguard: WireGuardEvidence?
    /// OpenVPN attempts between the pair (each client hard reset with a new session ID is one).
    public var openvpn: [OpenVPNEvidence] = []
    /// TCP connections carrying (or meant to carry) IKE and ESP — RFC 8229.
    public var ikeTCP: [IKETCPConnection] = []
    public var dns: [DNSQueryRecord] = []
    public var icmpErrors: [ICMPErrorRecord] = []
    public var echoRequests: [Int] = []
    public var echoReplies: [Int] = []
    public var flows: [FlowSummary] = []
    public var nat: NATConclusion?
    /// The capture begins after the session had started (no exchange start, data first).
    public var startedMidSession = false
    /// Only one direction was captured although the protocol shows the other side answered.
    public var oneSidedCapture = false
    /// UDP/IP fragments towards the server never reassembled (fragments missing at the capture point).
    public var incompleteFragmentFrames: [Int] = []
    /// Other addresses of the client and of the server in this attempt: where an IKE SA moved (NAT
    /// rebinding, MOBIKE), or the hosts of ESP tied to it by inference (`espTie`).
    public var clientAliases: [IPAddress] = []
    public var serverAliases: [IPAddress] = []
    /// ESP between other hosts taken as this attempt's child SA (an inference; see `ESPTie`).
    public var espTie: ESPTie?

    public func stage(_ s: Stage) -> StageResult? { self.ladder.first { $0.stage == s } }
    /// The IKE SA that tells the session's story: the one that got furthest.
    public var primaryIKE: IKESA? { self.ike.max { $0.progress < $1.progress } }
    /// Every IKE message of the session, in capture order.
    public var allIKEMessages: [IKEMessageRecord] { self.ikeMessages { _ in true } }
    /// `allIKEMessages.filter(isIncluded)` without copying (and sorting) the messages it leaves out:
    /// the rules look for a rare notify among every message, once per session each. The SAs' messages
    /// one after the other are in capture order already (one SA, or SAs one after the other): then
    /// there is nothing to sort (the sort is stable, so the order of equal frames is the same).
    public func ikeMessages(where isIncluded: (IKEMessageRecord) -> Bool) -> [IKEMessageRecord] {
        var hits: [IKEMessageRecord] = []
        var inOrder = true
        self.ike.withUnsafeBufferPointer { sas in
            for sa in sas.indices {
                sas[sa].messages.withUnsafeBufferPointer { messages in
                    for m in messages.indices where isIncluded(messages[m]) {
                        if let last = hits.last, last.frame > messages[m].frame { inOrder = false }
                        hits.append(messages[m])
                    }
                }
            }
        }
        return inOrder ? hits : hits.sorted { $0.frame < $1.frame }
    }
    public var isIPsec: Bool { !self.ike.isEmpty || !self.esp.isEmpty }
    public var espFromClient: [ESPStream] { self.esp.filter { self.isClient($0.source) } }
    public var espFromServer: [ESPStream] { self.esp.filter { self.isServer($0.source) } }
    public var greFromClient: [GREStream] { self.gre.filter { self.isClient($0.source) } }
    public var greFromServer: [GREStream] { self.gre.filter { self.isServer($0.source) } }
    public func isClient(_ a: IPAddress) -> Bool { a == self.client || self.clientAliases.contains(a) }
    public func isServer(_ a: IPAddress) -> Bool { a == self.server || self.serverAliases.contains(a) }

    /// Notes, from the host pairs the attempt used, the addresses each side had besides `client`
    /// and `server`: a pair with the server holds a client address, one with the client a server
    /// address; the tied ESP's first sender is taken as the client side.
    mutating func noteAliases(pairs: Set<HostPair>, tie: ESPTie?) {
        for pair in pairs.sorted(by: { ($0.low, $0.high) < ($1.low, $1.high) }) where pair != HostPair(self.client, self.server) {
            if let tie, pair == HostPair(tie.espSource, tie.espDestination) {
                if !self.isClient(tie.espSource) { self.clientAliases.append(tie.espSource) }
                if !self.isServer(tie.espDestination) { self.serverAliases.append(tie.espDestination) }
            } else if pair.contains(self.server), !self.isClient(pair.other(than: self.server)) {
                self.clientAliases.append(pair.other(than: self.server))
            } else if pair.contains(self.client), !self.isServer(pair.other(than: self.client)) {
                self.serverAliases.append(pair.other(than: self.client))
            }
        }
    }
    /// The frame from which data (ESP/AH or GRE) has flowed both ways: the later of each direction's
    /// first data frame; nil when data did not flow both ways.
    public var dataBothWaysFrame: Int? {
        // One pass, no arrays: the judge asks it of every connected session.
        var out: Int?, back: Int?
        func note(_ source: IPAddress, _ frame: Int?) {
            guard let frame else { return }
            if self.isClient(source) { out = min(out ?? frame, frame) }
            if self.isServer(source) { back = min(back ?? frame, frame) }
        }
        for e in self.esp { note(e.source, e.traffic.firstFrame) }
        for g in self.gre { note(g.source, g.traffic.firstFrame) }
        guard let out, let back else { return self.stage(.connected)?.frames.first }
        return max(out, back)
    }
}

/// Everything the analyzer derived from one capture: the evidence rules read.
public struct Analysis: Sendable, Codable {
    public var server: IPAddress?
    /// The VPN server's DNS name, as given by the user.
    public var serverName: String?
    public var capture: CaptureStatistics
    public var sessions: [Session]
    /// Every DNS query in the capture (sessions hold those for their server).
    public var dnsQueries: [DNSQueryRecord]
    /// ICMP errors not matched to any session.
    public var unmatchedICMPErrors: [ICMPErrorRecord]
    /// VPN flows (UDP 500/4500/1701, TCP 1723, ESP, AH, GRE) of the whole capture.
    public var vpnFlows: [FlowSummary]
    /// Packets to or from `server` (or any VPN packet when no server was given).
    public var serverPackets: Int
    /// All flows of the capture (held at the end; evicted ones excluded).
    public var totalFlows: Int
    public var oneWayFlows: Int
    /// Frames whose IKE payloads, or the L2TP/PPP control inside ESP, were decrypted with the
    /// user's keys (`--keys`): what they show is seen, not inferred.
    public var decryptedFrames: Set<Int> = []
    /// VPNs recognised but not diagnosed (AnyConnect, Fortinet SSL VPN, Tailscale…).
    public var otherVPNs: [OtherVPN] = []
}
