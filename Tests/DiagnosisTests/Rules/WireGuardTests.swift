import Diagnosis
import Sessions
import Testing
import TestSupport

/// WireGuard end to end, on the real wireguard-go lab captures and the public WireGuard captures:
/// the tracker's handshakes and data per direction, the ladder, and each `wireguard.*` rule.
@Suite struct WireGuardTests {
    @Test(arguments: ["client", "server"])
    func unknownKeyInitiationsAreNeverAnswered(_ vantage: String) throws {
        let s = try CaptureSessions.first("lab-wireguard-unknown-key-\(vantage).pcap")
        let w = try #require(s.evidence.wireguard)
        // Three initiations about 5 s apart, each with a new sender index (a retry is a new handshake).
        #expect(w.handshakes.map(\.initiationFrame) == [1, 4, 5])
        #expect(Set(w.handshakes.map(\.initiatorIndex)).count == 3)
        #expect(w.completed.isEmpty && w.unanswered.count == 3)
        let intervals = zip(w.handshakes.dropFirst(), w.handshakes).map { $0.time - $1.time }
        #expect(intervals.allSatisfy { (5.0...5.5).contains($0) }, "\(intervals)")
        #expect(s.ladder.first { $0.stage == .handshake }?.status == .failed)
        let f = try #require(s.findings.first { $0.rule == "wireguard.no-response" })
        #expect(f.severity == .error && f.summary.contains("public key") && f.summary.contains("UDP 51820"))
    }

    @Test(arguments: ["client", "server"])
    func allowedIPsDropMakesDataOneWay(_ vantage: String) throws {
        let s = try CaptureSessions.first("lab-wireguard-allowedips-one-way-\(vantage).pcap")
        let w = try #require(s.evidence.wireguard)
        #expect(w.completed.count == 1)
        #expect(w.fromClient.data.packets == 4 && w.fromServer.data.packets == 0)
        // The server's passive keepalive 10 s later: it decrypted the pings, then dropped them.
        #expect(w.fromServer.keepalives == 1 && w.fromServer.firstKeepaliveFrame == 9)
        let f = try #require(s.findings.first { $0.rule == "wireguard.data-one-way" })
        #expect(f.severity == .error && f.summary.contains("192.0.2.10 → 203.0.113.20"))
        #expect(f.evidence.contains { $0.frames == [9] })
    }

    /// The router drops UDP 51820 (lab `wireguard-port-blocked`): from the client the same frames as an
    /// unknown key, so the finding names both causes and the server capture that tells them apart;
    /// the server's own capture holds no WireGuard at all (the path), the unknown key's holds the
    /// initiations (the key).
    @Test func portBlockedLooksLikeUnknownKeyFromTheClient() throws {
        for name in ["lab-wireguard-port-blocked-client.pcap", "lab-wireguard-unknown-key-client.pcap"] {
            let s = try #require(try CaptureSessions.of(name).first { $0.evidence.wireguard != nil }, "\(name)")
            let f = try #require(s.findings.first { $0.rule == "wireguard.no-response" }, "\(name)")
            #expect(f.summary.contains("public key") && f.summary.contains("does not reach it"), "\(name)")
            #expect(f.evidence.contains { $0.text.contains("a capture on 203.0.113.20 shows whether the initiations arrive") }, "\(name)")
            #expect(s.evidence.wireguard?.unanswered.count == 3, "\(name)")
        }
        #expect(try CaptureSessions.of("lab-wireguard-port-blocked-server.pcap").allSatisfy { $0.evidence.wireguard == nil })
        #expect(try CaptureSessions.first("lab-wireguard-unknown-key-server.pcap").evidence.wireguard?.handshakes.count == 3)
    }

    /// The router drops the server's handshake responses (lab `wireguard-response-dropped`): at the
    /// client no response, as with an unknown key; at the server every initiation answered and the
    /// client retrying without a byte of data, which only a lost (or rejected) response explains.
    @Test func droppedResponsesAreSeenAtTheServer() throws {
        let server = try CaptureSessions.first("lab-wireguard-response-dropped-server.pcap")
        let w = try #require(server.evidence.wireguard)
        #expect(w.completed.map(\.responseFrame) == [2, 6, 8])
        #expect(w.unconfirmed.map(\.responseFrame) == [2, 6])
        #expect(server.ladder.first { $0.stage == .handshake }?.status == .failed)
        let f = try #require(server.findings.first { $0.rule == "wireguard.response-not-received" })
        #expect(f.severity == .error && f.summary.contains("return path") && f.summary.contains("preshared key"))
        #expect(f.evidence.first?.frames == [2, 6])
        let client = try CaptureSessions.first("lab-wireguard-response-dropped-client.pcap")
        #expect(client.findings.map(\.rule) == ["wireguard.no-response"])
        // A working tunnel's one answered handshake is not a lost response.
        #expect(try CaptureSessions.first("lab-wireguard-ok-server.pcap").evidence.wireguard?.unconfirmed.isEmpty == true)
    }

    /// The router drops the server's transport data (lab `wireguard-data-one-way`): 12 s of pings with
    /// nothing at all back, not even the keepalive a peer owes within 10 s of data it received, so
    /// the finding points at the path, unlike the AllowedIPs drop whose keepalive comes back.
    @Test func returnPathDropIsDataOneWayWithNothingBack() throws {
        let s = try CaptureSessions.first("lab-wireguard-data-one-way-client.pcap")
        let w = try #require(s.evidence.wireguard)
        #expect(w.fromClient.data.packets == 30 && w.fromServer.data.packets == 0 && w.fromServer.keepalives == 0)
        #expect(s.ladder.first { $0.stage == .dataPlane }?.status == .failed)
        let f = try #require(s.findings.first { $0.rule == "wireguard.data-one-way" })
        #expect(f.summary.contains("nothing at all comes back") && f.summary.contains("A capture on 203.0.113.20"))
        let allowed = try CaptureSessions.first("lab-wireguard-allowedips-one-way-client.pcap")
        #expect(allowed.findings.first { $0.rule == "wireguard.data-one-way" }?.summary.contains("AllowedIPs") == true)
        #expect(try CaptureSessions.first("lab-wireguard-data-one-way-server.pcap").verdict == .connected)
    }

    @Test func handshakeThenKeepalivesOnlyIsNoData() throws {
        let s = try CaptureSessions.first("lab-wireguard-no-data-client.pcap")
        let w = try #require(s.evidence.wireguard)
        #expect(w.fromClient.keepalives == 4 && w.fromClient.data.packets == 0 && w.fromServer.data.packets == 0)
        let f = try #require(s.findings.first { $0.rule == "wireguard.no-data" })
        #expect(f.severity == .warning)
    }

    @Test func labHandshakeAndPingsConnect() throws {
        let s = try CaptureSessions.first("lab-wireguard-ok-client.pcap")
        #expect(s.protocolLabel == "WireGuard" && s.rolesFrom == "WireGuard initiator")
        #expect(s.verdict == .connected)
        #expect(s.ladder.map(\.stage) == [.nameResolution, .reachability, .handshake, .dataPlane, .connected])
    }

    /// nDPI's capture: two handshakes between 10.9.0.1 and 10.9.0.2 (matched by index), and a second
    /// pair on another port whose handshake is before the capture.
    @Test func publicCapturesAreWireGuardOnAnyPort() throws {
        let r = try CorpusTests.report("nDPI/wireguard.pcap")
        #expect(r.sessions.count == 2 && r.sessions.allSatisfy { $0.protocolLabel == "WireGuard" })
        let first = try #require(r.sessions.first?.evidence.wireguard)
        #expect(first.completed.map(\.responseFrame) == [2, first.completed.last?.responseFrame])
        #expect(first.completed.first?.responderIndex == 0xab7df406)
        #expect(r.verdict == .connected)
        // ProtonVPN's WireGuard on UDP 443 (beside its TLS API traffic).
        let proton = try CorpusTests.report("nDPI/protonvpn.pcap")
        #expect(proton.sessions.map(\.protocolLabel) == ["WireGuard"])
        #expect(proton.sessions.first?.ladder.first { $0.stage == .handshake }?.frames == [27, 28])
    }

    /// Every public WireGuard capture (MANIFEST.tsv: nDPI, zeek-spicy-wireguard, PcapPlusPlus): its
    /// WireGuard sessions' verdicts, and no error finding (none of them shows a failure).
    static let publicCaptures: [(file: String, verdicts: [Verdict])] = [
        ("nDPI/wireguard.pcap", [.connected, .connected]), ("nDPI/mullvad_wireguard.pcap", [.connected]),
        ("nDPI/protonvpn.pcap", [.connected]), ("nDPI/tailscale.pcap", [.connected]),
        ("zeek-spicy-wireguard/wireguard.pcap", [.connected]), ("zeek-spicy-wireguard/tailscale_linux.pcap", [.connected]),
        // A cookie reply and one data packet, the handshakes before the capture: nothing to judge.
        ("PcapPlusPlus/WireGuard.pcap", [.incomplete, .incomplete]),
    ]

    @Test(.enabled(if: Corpus.publicCorpusAvailable), arguments: Self.publicCaptures.indices)
    func everyPublicCaptureIsNamedAndGetsNoError(_ index: Int) throws {
        let (file, verdicts) = Self.publicCaptures[index]
        let r = try CorpusTests.report(file)
        let sessions = r.sessions.filter { $0.evidence.wireguard != nil }
        #expect(sessions.map(\.protocolLabel) == verdicts.map { _ in "WireGuard" }, "\(file)")
        #expect(sessions.map(\.verdict) == verdicts, "\(file)")
        let errors = (r.sessions.flatMap(\.findings) + r.captureFindings).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(file): \(errors.map(\.summary))")
    }

    /// No other capture of the corpus is taken for WireGuard or OpenVPN (an accept-list: its scope
    /// is the whole public corpus, its bound the WireGuard captures above and OpenVPNTests' list).
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func noOtherCorpusCaptureIsWireGuardOrOpenVPN() throws {
        let expected = Set(Self.publicCaptures.map(\.file) + OpenVPNTests.expected.filter { !$0.sessions.isEmpty }.map(\.file))
        var found: Set<String> = []
        for file in Corpus.publicFiles() {
            guard let r = try? CorpusTests.report(file) else { continue }
            if r.sessions.contains(where: { $0.evidence.wireguard != nil || $0.evidence.vpnProtocol == .openvpn }) { found.insert(file) }
        }
        #expect(found == expected)
    }

    /// PcapPlusPlus' sample holds a real cookie reply (for an initiation before the capture); its one
    /// transport data packet unanswered proves no one-way tunnel.
    @Test func cookieReplyIsAWarning() throws {
        let r = try CorpusTests.report("PcapPlusPlus/WireGuard.pcap")
        let f = try #require(r.findings.first { $0.rule == "wireguard.cookie-reply" })
        #expect(f.severity == .warning && f.evidence.first?.frames == [4])
        #expect(r.exitCode == 0)
    }
}

/// The VPNs we name and do not diagnose, on real captures.
@Suite struct VPNNotDiagnosedTests {
    /// It used to be "no VPN traffic" with a LAN printer name's failed lookup as possible cause
    /// (before that, three `dns.failed` errors, exit 1).
    @Test func anyConnectIsNamedNotNoVPNTraffic() throws {
        let r = try CorpusTests.report("nDPI/anyconnect-vpn.pcap")
        let f = try #require(r.captureFindings.first { $0.rule == "capture.vpn-not-diagnosed" })
        #expect(f.severity == .warning && f.summary.contains("Cisco AnyConnect") && f.summary.contains("8.37.102.91:443"))
        #expect(f.evidence.contains { $0.text.contains("0x0100") } && f.evidence.contains { $0.text.contains("TLS on TCP 443") })
        #expect(!r.findings.contains { $0.rule == "capture.no-vpn-traffic" || $0.rule == "dns.failed" })
        #expect(r.exitCode == 0 && r.verdict == .incomplete && r.sessions.isEmpty)
    }

    @Test func fortinetAndTailscaleAreNamed() throws {
        let forti = try CorpusTests.report("nDPI/forticlient.pcap")
        #expect(forti.captureFindings.first { $0.rule == "capture.vpn-not-diagnosed" }?.summary.contains("Fortinet") == true)
        for file in ["nDPI/tailscale.pcap", "zeek-spicy-wireguard/tailscale_linux.pcap"] {
            let r = try CorpusTests.report(file)
            let f = try #require(r.captureFindings.first { $0.rule == "capture.vpn-not-diagnosed" }, "\(file)")
            #expect(f.severity == .info && f.summary.contains("Tailscale") && f.summary.contains("WireGuard tunnel"))
            #expect(r.sessions.map(\.protocolLabel) == ["WireGuard"])
        }
    }

    /// Over the whole public corpus, only these captures name a VPN we do not diagnose (an
    /// accept-list: its scope is the corpus, its bound these five files; ProtonVPN's by the server
    /// name vpn-api.proton.me, low confidence).
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func onlyTheseCorpusCapturesAreNamed() throws {
        let expected: Set = ["nDPI/anyconnect-vpn.pcap", "nDPI/forticlient.pcap", "nDPI/tailscale.pcap",
                             "zeek-spicy-wireguard/tailscale_linux.pcap", "nDPI/protonvpn.pcap"]
        var named: Set<String> = []
        for file in Corpus.publicFiles() {
            guard let r = try? CorpusTests.report(file) else { continue }
            if r.captureFindings.contains(where: { $0.rule == "capture.vpn-not-diagnosed" }) { named.insert(file) }
        }
        #expect(named == expected)
    }
}
