import Capture
import Decoding
import Diagnosis
import Sessions
import Testing

/// Builds evidence in code: a sequence of packet facts between a client and a server, as a VPN
/// attempt would produce them, then runs Analyzer → DiagnosisEngine. Facts are synthetic by
/// construction (no bytes): rule tests check the reasoning, end-to-end tests check real captures.
struct Scenario {
    enum Side { case client, server }
    var client = IPAddress("192.0.2.10")!
    var server = IPAddress("203.0.113.5")!
    var clientPort: UInt16 = 500
    var initiatorSPI: UInt64 = 0x1111_2222_3333_4444
    var responderSPI: UInt64 = 0x5555_6666_7777_8888
    var facts: [PacketFact] = []
    var now = 0.0
    var capacity: Int?

    func address(_ side: Side) -> IPAddress { side == .client ? self.client : self.server }

    mutating func add(_ from: Side, after dt: Double = 0.05, proto: IPProtocol, sport: UInt16 = 0, dport: UInt16 = 0,
                      length: Int = 100, ttl: UInt8 = 60, tcp: TCPFact? = nil, _ kind: FactKind = .other) {
        self.now += dt
        let seconds = Int64(self.now), nanos = Int32((self.now - Double(seconds)) * 1e9)
        self.facts.append(PacketFact(
            frame: self.facts.count + 1, time: Timestamp(seconds: 1_700_000_000 + seconds, nanoseconds: nanos),
            source: self.address(from), destination: self.address(from == .client ? .server : .client), ipProtocol: proto,
            sourcePort: sport, destinationPort: dport, ipLength: length, ttl: ttl, tcp: tcp, kind: kind))
    }

    /// Advances the clock (the capture goes on without packets of the session).
    mutating func wait(_ seconds: Double) {
        self.add(.client, after: seconds, proto: .udp, sport: 5353, dport: 5353)
        self.facts[self.facts.count - 1].destination = IPAddress("224.0.0.251")!
    }

    // MARK: IKE

    mutating func ike(_ from: Side, version: UInt8, _ exchange: IKEExchange, after dt: Double = 0.05, messageID: UInt32 = 0,
                      response: Bool = false, encrypted: Bool = false, length: Int = 300, payloads: [UInt8] = [],
                      notifies: [IKENotifyFact] = [], natD: [[UInt8]] = [], vendorIDs: [[UInt8]] = [],
                      proposals: [IKEProposalFact] = [], noResponderSPI: Bool = false, port: UInt16 = 500,
                      ttl: UInt8 = 60, fragmentedIn: [Int] = []) {
        let m = IKEMessageFact(
            version: version, exchange: exchange, initiatorSPI: self.initiatorSPI,
            responderSPI: noResponderSPI ? 0 : self.responderSPI, messageID: messageID,
            fromInitiator: version == 2 ? from == .client : nil, isResponse: response, encrypted: encrypted, length: length,
            payloadTypes: payloads, notifies: notifies, natDHashes: natD, vendorIDs: vendorIDs, proposals: proposals)
        let sport = from == .client ? (port == 4500 ? self.clientPort == 500 ? 4500 : self.clientPort + 1 : self.clientPort) : port
        let dport = from == .client ? port : (port == 4500 ? self.clientPort == 500 ? 4500 : self.clientPort + 1 : self.clientPort)
        self.add(from, after: dt, proto: .udp, sport: sport, dport: dport, length: length + 28, ttl: ttl, .ike(m))
        if !fragmentedIn.isEmpty { self.facts[self.facts.count - 1].reassembledFrom = fragmentedIn }
    }

    typealias P = IKEMessageFact.Payload

    /// IKEv1 Main Mode messages `from`…`to` (1…6), alternating sides.
    mutating func mainMode(_ range: ClosedRange<Int>, proposal: IKEProposalFact? = nil) {
        for n in range {
            let side: Side = n % 2 == 1 ? .client : .server
            switch n {
            case 1, 2:
                self.ike(side, version: 1, .identityProtection, payloads: [P.v1SA, P.v1VendorID],
                         proposals: [proposal ?? Self.strongV1], noResponderSPI: n == 1)
            case 3, 4: self.ike(side, version: 1, .identityProtection, length: 260, payloads: [P.v1KE, P.v1Nonce, P.v1NATD])
            default: self.ike(side, version: 1, .identityProtection, encrypted: true, length: 92, payloads: [P.v1ID])
            }
        }
    }

    mutating func quickMode(_ range: ClosedRange<Int>, messageID: UInt32 = 0xABCD_0001) {
        for n in range {
            self.ike(n == 2 ? .server : .client, version: 1, .quickMode, messageID: messageID, encrypted: true,
                     length: n == 3 ? 60 : 300, payloads: [P.v1Hash])
        }
    }

    /// IKEv2 IKE_SA_INIT request and (optionally) response.
    mutating func saInit(response: Bool = true, notifies: [IKENotifyFact] = [], port: UInt16 = 500) {
        self.ike(.client, version: 2, .ikeSAInit, length: 400, payloads: [P.v2SA, P.v2KE],
                 proposals: [Self.strongV2], noResponderSPI: true, port: port)
        if response {
            self.ike(.server, version: 2, .ikeSAInit, response: true, length: notifies.isEmpty ? 440 : 36,
                     payloads: notifies.isEmpty ? [P.v2SA, P.v2KE] : [P.v2Notify], notifies: notifies,
                     noResponderSPI: !notifies.isEmpty, port: port)
        }
    }

    mutating func ikeAuth(request: Int = 1, responseLength: Int? = 300, port: UInt16 = 500) {
        for i in 0..<request {
            self.ike(.client, version: 2, .ikeAuth, after: i == 0 ? 0.05 : Double(1 << i) * 0.5, messageID: 1,
                     encrypted: true, length: 350, payloads: [P.v2SK], port: port)
        }
        if let responseLength {
            self.ike(.server, version: 2, .ikeAuth, messageID: 1, response: true, encrypted: true, length: responseLength,
                     payloads: [P.v2SK], port: port)
        }
    }

    // MARK: Data plane

    mutating func esp(_ from: Side, spi: UInt32? = nil, count: Int = 5, firstSequence: UInt32 = 1, skipping: Set<UInt32> = [],
                      udp: Bool = false) {
        let spi = spi ?? (from == .client ? 0xC0FF_EE01 : 0xBEEF_0002)
        var seq = firstSequence
        var sent = 0
        while sent < count {
            defer { seq += 1 }
            if skipping.contains(seq) { continue }
            self.add(from, after: 0.01, proto: udp ? .udp : .esp, sport: udp ? 4500 : 0, dport: udp ? 4500 : 0, length: 120,
                     .esp(ESPFact(spi: spi, sequence: seq, udpEncapsulated: udp)))
            sent += 1
        }
    }

    // MARK: PPTP / GRE / L2TP / PPP

    mutating func pptpTCP(_ from: Side, flags: UInt8) {
        self.add(from, proto: .tcp, sport: from == .client ? 50_000 : 1723, dport: from == .client ? 1723 : 50_000, length: 40,
                 tcp: TCPFact(flags: flags))
    }

    mutating func pptp(_ from: Side, _ message: PPTPMessageFact) {
        self.add(from, proto: .tcp, sport: from == .client ? 50_000 : 1723, dport: from == .client ? 1723 : 50_000,
                 length: 196, tcp: TCPFact(flags: TCPFact.ack | TCPFact.psh, payloadLength: 156), .pptp([message]))
    }

    /// TCP handshake, SCCRQ/SCCRP and OCRQ/OCRP with the given Outgoing-Call-Reply result.
    mutating func pptpControl(callResult: UInt8 = 1) {
        self.pptpTCP(.client, flags: TCPFact.syn)
        self.pptpTCP(.server, flags: TCPFact.syn | TCPFact.ack)
        self.pptpTCP(.client, flags: TCPFact.ack)
        self.pptp(.client, PPTPMessageFact(.startControlConnectionRequest))
        self.pptp(.server, PPTPMessageFact(.startControlConnectionReply, resultCode: 1))
        self.pptp(.client, PPTPMessageFact(.outgoingCallRequest, callID: 0x4001))
        self.pptp(.server, PPTPMessageFact(.outgoingCallReply, callID: 0x8001, peerCallID: 0x4001, resultCode: callResult))
    }

    mutating func ppp(_ from: Side, _ p: PPPControlFact, over carrier: PPPCarrier? = nil) {
        let carrier = carrier ?? .gre(GREFact(callID: from == .client ? 0x8001 : 0x4001))
        switch carrier {
        case .l2tp: self.add(from, proto: .udp, sport: 1701, dport: 1701, length: 60, .pppControl(p, over: carrier))
        default: self.add(from, proto: .gre, length: 60, .pppControl(p, over: carrier))
        }
    }

    /// PPTP GRE: user data (a datagram inside PPP) or, with `userData: false`, acknowledgments alone.
    mutating func gre(_ from: Side, count: Int = 5, userData: Bool = true) {
        var g = GREFact(callID: from == .client ? 0x8001 : 0x4001)
        g.carriesUserData = userData
        for _ in 0..<count { self.add(from, after: 0.01, proto: .gre, length: userData ? 100 : 32, .gre(g)) }
    }

    /// LCP both ways, then authentication and IPCP, with the last steps chosen by the test.
    mutating func pppUp(auth: Bool = true, ipcp: Bool = true, over carrier: PPPCarrier? = nil) {
        typealias C = PPPControlFact.Code
        self.ppp(.server, PPPControlFact(.lcp, code: C.configureRequest, identifier: 1, authProtocol: .chap, chapAlgorithm: 0x81), over: carrier)
        self.ppp(.client, PPPControlFact(.lcp, code: C.configureRequest, identifier: 1), over: carrier)
        self.ppp(.client, PPPControlFact(.lcp, code: C.configureAck, identifier: 1), over: carrier)
        self.ppp(.server, PPPControlFact(.lcp, code: C.configureAck, identifier: 1), over: carrier)
        guard auth else { return }
        self.ppp(.server, PPPControlFact(.chap, code: 1, identifier: 1), over: carrier)
        self.ppp(.client, PPPControlFact(.chap, code: 2, identifier: 1), over: carrier)
        self.ppp(.server, PPPControlFact(.chap, code: 3, identifier: 1, message: "S=0123 M=Welcome"), over: carrier)
        guard ipcp else { return }
        self.ppp(.client, PPPControlFact(.ipcp, code: C.configureRequest, identifier: 1), over: carrier)
        self.ppp(.server, PPPControlFact(.ipcp, code: C.configureRequest, identifier: 1), over: carrier)
        self.ppp(.server, PPPControlFact(.ipcp, code: C.configureAck, identifier: 1), over: carrier)
        self.ppp(.client, PPPControlFact(.ipcp, code: C.configureAck, identifier: 1), over: carrier)
    }

    mutating func l2tp(_ from: Side, _ type: L2TPMessageType?, ns: UInt16 = 0, result: UInt16? = nil, error: UInt16? = nil,
                       text: String? = nil) {
        self.add(from, proto: .udp, sport: 1701, dport: 1701, length: 120,
                 .l2tpControl(L2TPControlFact(tunnelID: from == .client ? 7 : 9, ns: ns, messageType: type,
                                              resultCode: result, errorCode: error, resultText: text)))
    }

    mutating func l2tpUp() {
        self.l2tp(.client, .sccrq)
        self.l2tp(.server, .sccrp)
        self.l2tp(.client, .scccn, ns: 1)
        self.l2tp(.client, .icrq, ns: 2)
        self.l2tp(.server, .icrp, ns: 1)
        self.l2tp(.client, .iccn, ns: 3)
    }

    // MARK: Running

    static let strongV1 = IKEProposalFact(algorithms: [IKEAlgorithm(.encryption, 7, keyLength: 256), IKEAlgorithm(.hash, 4),
                                                      IKEAlgorithm(.authMethod, 1), IKEAlgorithm(.dhGroup, 14)])
    static let strongV2 = IKEProposalFact(algorithms: [IKEAlgorithm(.encryption, 20, keyLength: 256), IKEAlgorithm(.prf, 5),
                                                      IKEAlgorithm(.dhGroup, 19)])

    func analysis(server: IPAddress? = nil, serverName: String? = nil) -> Analysis {
        var options = AnalysisOptions(server: server)
        options.serverName = serverName
        if let capacity { options.flowTableCapacity = capacity }
        var analyzer = Analyzer(options: options)
        for fact in self.facts { analyzer.add(fact: fact) }
        return analyzer.finish()
    }

    func findings(server: IPAddress? = nil, serverName: String? = nil) -> [Finding] {
        DiagnosisEngine().diagnose(self.analysis(server: server, serverName: serverName)).findings
    }

    func findings(_ rule: RuleID, server: IPAddress? = nil) -> [Finding] { self.findings(server: server).filter { $0.rule == rule } }
}

extension Array where Element == Finding {
    var errors: [Finding] { self.filter { $0.severity == .error } }
    var ids: Set<String> { Set(self.map(\.rule.rawValue)) }
}
