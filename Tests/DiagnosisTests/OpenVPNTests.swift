import Capture
import Decoding
import Diagnosis
import Reporting
import Sessions
import Testing
import TestSupport

/// OpenVPN end to end on every public OpenVPN capture (real bytes), and each `openvpn.*` rule on
/// evidence built in code (`Scenario`: facts, no bytes).
@Suite struct OpenVPNTests {
    /// Each OpenVPN capture of the corpus: its OpenVPN sessions' protocol labels, protection and outcome.
    struct Expected: Sendable {
        var file: String
        /// (protocol label, protection of the first attempt, verdict) of each OpenVPN session, in order.
        var sessions: [(String, String?, Verdict)]
    }

    static let expected: [Expected] = [
        Expected(file: "nDPI/openvpn_nohmac.pcapng", sessions: [("OpenVPN over UDP", "none", .connected)]),
        Expected(file: "nDPI/openvpn_nohmac_tcp.pcapng", sessions: [("OpenVPN over TCP", "none", .connected)]),
        Expected(file: "nDPI/openvpn-tlscrypt.pcap", sessions: [("OpenVPN over UDP", "tls-crypt", .incomplete)]),
        Expected(file: "zeek-spicy-openvpn/openvpn_udp_hmac_256.pcap", sessions: [("OpenVPN over UDP", "tls-auth (HMAC 32 bytes)", .connected)]),
        Expected(file: "zeek-spicy-openvpn/openvpn_udp_tls-auth.pcap", sessions: [
            ("OpenVPN over UDP", "tls-auth (HMAC 20 bytes)", .connected), ("OpenVPN over UDP", "tls-auth (HMAC 20 bytes)", .connected),
        ]),
        Expected(file: "zeek-spicy-openvpn/openvpn-tcp-tls-auth.pcap", sessions: [
            ("OpenVPN over TCP", "tls-auth (HMAC 20 bytes)", .connected), ("OpenVPN over TCP", "tls-auth (HMAC 20 bytes)", .connected),
        ]),
        Expected(file: "zeek-spicy-openvpn/openvpn_tcp_nontlsauth.pcap", sessions: [("OpenVPN over TCP", "none", .connected)]),
        // UDP 1198: found by the heuristic, its data by the session's endpoints.
        Expected(file: "zeek-spicy-openvpn/openvpn.pcap", sessions: [("OpenVPN over UDP", "none", .connected)]),
        // Merged captures: UDP 443 (anonymised with inconsistent addresses: the server answers from
        // another address, so no data is tied to it), TCP 1194, UDP 13680, UDP 1194 cut after the
        // handshake, UDP 1194 with SHA-512 tls-auth, UDP 1234 cut after the handshake.
        Expected(file: "nDPI/openvpn.pcap", sessions: [
            ("OpenVPN over UDP", "none", .incomplete), ("OpenVPN over TCP", "none", .connected),
            ("OpenVPN over UDP", "tls-auth (HMAC 20 bytes)", .connected), ("OpenVPN over UDP", "tls-auth (HMAC 20 bytes)", .connected),
            ("OpenVPN over UDP", "none", .incomplete), ("OpenVPN over UDP", "tls-auth (HMAC 64 bytes)", .connected),
            ("OpenVPN over UDP", "tls-auth (HMAC 64 bytes)", .incomplete),
        ]),
        // Obfuscated (XOR-scrambled) OpenVPN on TCP 443/465: nothing of OpenVPN is visible.
        Expected(file: "nDPI/openvpn_obfuscated.pcapng", sessions: []),
    ]

    @Test(.enabled(if: Corpus.publicCorpusAvailable), arguments: Self.expected.indices)
    func everyPublicCaptureIsNamedAndGetsNoError(_ index: Int) throws {
        let e = Self.expected[index]
        let report = try CorpusTests.report(e.file)
        let sessions = report.sessions.filter { $0.evidence.vpnProtocol == .openvpn }
        #expect(sessions.map(\.protocolLabel) == e.sessions.map(\.0), "\(e.file)")
        #expect(sessions.map { $0.evidence.openvpn.first?.protection } == e.sessions.map(\.1), "\(e.file)")
        #expect(sessions.map(\.verdict) == e.sessions.map(\.2), "\(e.file)")
        let errors = (report.sessions.flatMap(\.findings) + report.captureFindings).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(e.file): \(errors.map(\.summary))")
    }

    /// The TLS records read from the reassembled control channel of a real session: ClientHello from
    /// the client, then the server's ServerHello and Certificate (TLS 1.2 in clear), ChangeCipherSpec
    /// both ways, no alert.
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func tlsRecordsOfARealHandshake() throws {
        let report = try CorpusTests.report("nDPI/openvpn_nohmac.pcapng")
        let o = try #require(report.sessions.first?.evidence.openvpn.first)
        let handshake = o.tlsRecords.flatMap { r in r.handshake.map { (r.fromClient, $0) } }
        #expect(handshake.first! == (true, "ClientHello"))
        #expect(handshake.contains { $0 == (false, "ServerHello") })
        #expect(handshake.contains { $0 == (false, "Certificate") })
        #expect(!o.records(fromClient: true, type: 20).isEmpty && !o.records(fromClient: false, type: 20).isEmpty)
        #expect(o.alert == nil && !o.tlsUnreadable)
        #expect(o.clientSessionID != nil && o.serverSessionID != nil)
    }

    // MARK: - Lab captures (real OpenVPN 2.6, Captures/lab/lab.sh)

    /// Nothing listening (ICMP port unreachable over UDP, RST over TCP), the port dropped on the way,
    /// and a tls-crypt key mismatch: each named, the silent ones with whether a key can be the cause.
    @Test func labRefusalsAndSilentDrops() throws {
        let udp = try CaptureSessions.first("lab-openvpn-udp-server-down-client.pcap")
        #expect(udp.findings.first?.rule == "openvpn.refused" && udp.findings.first?.summary.contains("ICMP port unreachable") == true)
        let tcp = try CaptureSessions.first("lab-openvpn-tcp-server-down-client.pcap")
        #expect(tcp.findings.first?.rule == "openvpn.refused" && tcp.findings.first?.summary.contains("resets the TCP connection") == true)
        let blocked = try #require(try CaptureSessions.of("lab-openvpn-udp-port-blocked-client.pcap").first { $0.evidence.vpnProtocol == .openvpn })
        let b = try #require(blocked.findings.first { $0.rule == "openvpn.no-response" })
        #expect(b.confidence == .high && b.evidence.contains { $0.text.contains("neither tls-auth nor tls-crypt") })
        let crypt = try CaptureSessions.first("lab-openvpn-tls-crypt-mismatch-server.pcap")
        #expect(crypt.evidence.openvpn.first?.protection == "tls-crypt")
        let c = try #require(crypt.findings.first { $0.rule == "openvpn.no-response" })
        #expect(c.confidence == .medium && c.evidence.contains { $0.text.contains("the client uses tls-crypt") })
    }

    /// The server's data dropped on the way back, the client restarting on --ping-restart 4 (lab
    /// `openvpn-reconnect-loop`): data one way, and the loop with the attempts that finished TLS.
    @Test func pingRestartLoopIsAReconnectLoop() throws {
        let s = try CaptureSessions.first("lab-openvpn-reconnect-loop-client.pcap")
        #expect(s.evidence.openvpn.compactMap(\.clientResets.first) == [1, 19, 35])
        #expect(s.findings.first?.rule == "openvpn.data-one-way" && s.findings.first?.summary.contains("lost on the way back") == true)
        let loop = try #require(s.findings.first { $0.rule == "openvpn.reconnect-loop" })
        #expect(loop.summary.contains("3 OpenVPN sessions") && loop.summary.contains("2 finished the TLS handshake and restarted anyway"))
        // Without the restarts: one session, no loop.
        let once = try CaptureSessions.first("lab-openvpn-data-one-way-client.pcap")
        #expect(once.findings.map(\.rule) == ["openvpn.data-one-way"])
    }

    // MARK: - Rules on evidence built in code

    static let clientSID: UInt64 = 0x1111_2222_3333_4444
    static let serverSID: UInt64 = 0x5555_6666_7777_8888

    static func tls(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, 3, 3, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    @Test func hardResetNeverAnsweredSaysWhetherAKeyMismatchCanBeTheCause() {
        for (hmac, confidence) in [(0, Confidence.high), (20, .medium)] {
            var s = Scenario()
            s.clientPort = 40_000
            for _ in 0..<4 { s.openvpn(.client, after: 2, OpenVPNPacketFact(.hardResetClientV2, sessionID: Self.clientSID, messagePacketID: 0, hmacSize: hmac)) }
            let f = s.findings("openvpn.no-response")
            #expect(f.count == 1 && f[0].confidence == confidence)
            #expect(f.first?.evidence.last?.text.contains(hmac == 0 ? "not the cause" : "drops the packets silently") == true)
            #expect(s.analysis().sessions[0].stage(.tunnelControl)?.status == .failed)
        }
    }

    @Test func portUnreachableAndTCPResetAreRefusals() {
        var s = Scenario()
        s.clientPort = 40_000
        s.openvpnTCP(.client, flags: TCPFact.syn)
        s.openvpnTCP(.server, flags: TCPFact.rst | TCPFact.ack)
        #expect(s.findings("openvpn.refused").count == 1)
        #expect(s.findings("openvpn.no-response").isEmpty)
        #expect(s.analysis().sessions[0].stage(.tunnelControl)?.detail == "connection refused (RST)")
    }

    @Test func tlsAlertNamesTheSideThatSentIt() {
        var s = Scenario()
        s.clientPort = 40_000
        s.openvpnHandshakeStart()
        // The client refuses the server's certificate: a fatal unknown_ca alert.
        s.openvpn(.client, OpenVPNPacketFact(.controlV1, sessionID: Self.clientSID, messagePacketID: 2, tls: Self.tls(21, [2, 48])))
        let f = s.findings("openvpn.tls-alert")
        #expect(f.count == 1 && f[0].severity == .error)
        #expect(f.first?.summary.contains("The client ended the TLS handshake with a fatal alert unknown_ca") == true)
        #expect(s.analysis().sessions[0].stage(.tlsHandshake)?.status == .failed)
    }

    @Test func dataOneWayAfterTheHandshake() {
        var s = Scenario()
        s.clientPort = 40_000
        s.openvpnHandshakeStart()
        s.openvpn(.client, OpenVPNPacketFact(.controlV1, sessionID: Self.clientSID, messagePacketID: 2, tls: Self.tls(20, [1])))
        s.openvpn(.server, OpenVPNPacketFact(.controlV1, sessionID: Self.serverSID, messagePacketID: 2, tls: Self.tls(20, [1])))
        for _ in 0..<5 { s.openvpn(.client, OpenVPNPacketFact(.dataV2)) }
        s.wait(10)
        let f = s.findings("openvpn.data-one-way")
        #expect(f.count == 1 && f[0].severity == .error && f[0].summary.contains("client → server: 5 out, 0 back"))
        #expect(s.analysis().sessions[0].stage(.tlsHandshake)?.status == .ok)
    }

    @Test func reconnectLoop() {
        var s = Scenario()
        s.clientPort = 40_000
        for i in 0..<3 {
            s.openvpn(.client, after: 10, OpenVPNPacketFact(.hardResetClientV2, sessionID: Self.clientSID + UInt64(i), messagePacketID: 0, hmacSize: 0))
            s.openvpn(.server, OpenVPNPacketFact(.hardResetServerV2, sessionID: Self.serverSID + UInt64(i),
                                                 remoteSessionID: Self.clientSID + UInt64(i), messagePacketID: 0, hmacSize: 0))
        }
        let f = s.findings("openvpn.reconnect-loop")
        #expect(f.count == 1 && f[0].summary.contains("3 OpenVPN sessions"))
        #expect(s.analysis().sessions[0].evidence.count == 3)
    }
}

extension Session {
    /// Its OpenVPN attempts (tests read them through this name).
    var evidence: [OpenVPNEvidence] { self.openvpn }
}

extension Scenario {
    mutating func openvpn(_ from: Side, after dt: Double = 0.05, _ p: OpenVPNPacketFact) {
        self.add(from, after: dt, proto: .udp, sport: from == .client ? self.clientPort : 1194,
                 dport: from == .client ? 1194 : self.clientPort, length: 100, .openvpn([p]))
    }

    mutating func openvpnTCP(_ from: Side, flags: UInt8) {
        self.add(from, proto: .tcp, sport: from == .client ? self.clientPort : 1194, dport: from == .client ? 1194 : self.clientPort,
                 length: 40, tcp: TCPFact(flags: flags))
    }

    /// Hard resets both ways, the ClientHello and the ServerHello.
    mutating func openvpnHandshakeStart() {
        let c = OpenVPNTests.clientSID, sv = OpenVPNTests.serverSID
        self.openvpn(.client, OpenVPNPacketFact(.hardResetClientV2, sessionID: c, messagePacketID: 0, hmacSize: 0))
        self.openvpn(.server, OpenVPNPacketFact(.hardResetServerV2, sessionID: sv, remoteSessionID: c, messagePacketID: 0, hmacSize: 0))
        self.openvpn(.client, OpenVPNPacketFact(.controlV1, sessionID: c, messagePacketID: 1, tls: OpenVPNTests.tls(22, [1, 0, 0, 0])))
        self.openvpn(.server, OpenVPNPacketFact(.controlV1, sessionID: sv, messagePacketID: 1, tls: OpenVPNTests.tls(22, [2, 0, 0, 0])))
    }
}
