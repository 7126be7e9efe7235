import Decoding
import Diagnosis
import Sessions
import TestSupport
import Testing

@Suite struct CaptureRuleTests {
    @Test func noServerTraffic() {
        var s = Scenario()
        s.mainMode(1...2)
        let f = s.findings(server: IPAddress("198.51.100.77")!)
        #expect(f.ids.contains("capture.no-server-traffic"))
        #expect(f.first { $0.rule == "capture.no-server-traffic" }?.severity == .error)
    }

    /// nDPI's ipsec_isakmp_esp.pcap joins captures end to end: tshark shows 10 packets earlier than the one
    /// before them, the first at frame 16 (3.439 s back), the largest at frame 287 (69,414 s back);
    /// a lab capture, written by one tcpdump, has none.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func timestampsGoingBackwards() throws {
        let report = try CorpusTests.report("nDPI/ipsec_isakmp_esp.pcap")
        let f = try #require(report.captureFindings.first { $0.rule == "capture.time-backwards" })
        #expect(f.summary.contains("10 times") && f.evidence.map(\.frames) == [[16], [287]])
        #expect(f.severity == .warning)
        #expect(report.capture.duration >= 0)
        let lab = try CorpusTests.report(path: Corpus.capturePath("lab-ikev2-psk-ok-client.pcap"), name: "lab")
        #expect(!lab.captureFindings.contains { $0.rule == "capture.time-backwards" })
    }

    @Test func noVPNTrafficAtAll() {
        var s = Scenario()
        s.wait(1)
        s.wait(1)
        #expect(s.findings("capture.no-server-traffic").isEmpty)
        #expect(s.findings("capture.no-vpn-traffic").first?.severity == .warning)
    }

    @Test func oneSided() {
        var s = Scenario()
        s.ike(.client, version: 1, .identityProtection, payloads: [IKEMessageFact.Payload.v1SA], noResponderSPI: true)
        s.ike(.client, version: 1, .identityProtection, payloads: [IKEMessageFact.Payload.v1KE])
        s.ike(.client, version: 1, .identityProtection, encrypted: true, length: 92)
        s.wait(10)
        let a = s.analysis()
        #expect(a.sessions[0].oneSidedCapture)
        let f = s.findings()
        #expect(f.ids.contains("capture.one-sided"))
        #expect(!f.ids.contains("ike.no-response"))
    }

    @Test func truncatedSnaplen() {
        var s = Scenario()
        s.mainMode(1...2)
        s.facts[1].capturedLength = 96
        s.facts[1].originalLength = 342
        let f = s.findings("capture.truncated-snaplen")
        #expect(f.count == 1 && f[0].frames.contains(2))
    }

    /// The reader's cut-short note becomes one warning citing the last whole frame; without it, none.
    @Test func cutShort() {
        var s = Scenario()
        s.mainMode(1...2)
        var a = s.analysis()
        #expect(DiagnosisEngine().diagnose(a).findings.filter { $0.rule == "capture.cut-short" }.isEmpty)
        a.capture.cutShort = .init(lastWholeFrame: 2, detail: "a 300-byte frame at byte 700 has only 12 of its 300 bytes")
        let f = DiagnosisEngine().diagnose(a).findings.filter { $0.rule == "capture.cut-short" }
        #expect(f.count == 1 && f[0].severity == .warning && f[0].frames == [2])
        #expect(f.first?.summary.contains("cut while being written") == true)
    }

    @Test func flowTableFull() {
        var s = Scenario()
        s.capacity = 16
        s.mainMode(1...2)
        for port in 0..<100 { s.add(.client, after: 0.001, proto: .udp, sport: UInt16(10_000 + port), dport: 53) }
        let a = s.analysis()
        #expect(a.capture.flowsEvicted > 0)
        #expect(a.vpnFlows.count == 1)  // the IKE flow survives eviction
        #expect(s.findings("capture.flow-table-full").count == 1)
    }

    @Test func dnsFailed() {
        var s = Scenario()
        s.add(.client, proto: .udp, sport: 5353, dport: 53, .dns(DNSFact(id: 1, isResponse: false, queryName: "vpn.example.com")))
        s.add(.server, proto: .udp, sport: 53, dport: 5353,
              .dns(DNSFact(id: 1, isResponse: true, rcode: 3, queryName: "vpn.example.com")))
        // Nothing says vpn.example.com is the VPN server's name: only a possible cause.
        #expect(s.findings("dns.failed").isEmpty)
        let none = s.findings("capture.no-vpn-traffic")
        #expect(none.count == 1 && none[0].severity == .warning)
        #expect(none[0].evidence.contains { $0.text == "possible cause: the lookup of vpn.example.com failed (NXDOMAIN)" })
        // Named by the user (in any case, with the root dot): the VPN's failure.
        let f = s.findings(serverName: "VPN.example.com.").filter { $0.rule == "dns.failed" }
        #expect(f.count == 1 && f[0].summary.contains("NXDOMAIN") && f[0].stage == .nameResolution && f[0].severity == .error)
    }

    /// The server's name fails once (SERVFAIL), then resolves to the address IKE then goes to: a
    /// warning on that session; an AAAA lookup answered without an address is no failure.
    @Test func dnsFailedThenResolvedIsAWarning() {
        var s = Scenario()
        let server = s.server
        s.add(.client, proto: .udp, sport: 5353, dport: 53, .dns(DNSFact(id: 1, isResponse: false, queryName: "vpn.example.com")))
        s.add(.server, proto: .udp, sport: 53, dport: 5353, .dns(DNSFact(id: 1, isResponse: true, rcode: 2, queryName: "vpn.example.com")))
        s.add(.client, proto: .udp, sport: 5354, dport: 53, .dns(DNSFact(id: 2, isResponse: false, queryName: "vpn.example.com")))
        s.add(.server, proto: .udp, sport: 53, dport: 5354,
              .dns(DNSFact(id: 2, isResponse: true, queryName: "vpn.example.com", answers: [server])))
        s.add(.client, proto: .udp, sport: 5355, dport: 53, .dns(DNSFact(id: 3, isResponse: false, queryName: "vpn.example.com", queryType: 28)))
        s.add(.server, proto: .udp, sport: 53, dport: 5355, .dns(DNSFact(id: 3, isResponse: true, queryName: "vpn.example.com", queryType: 28)))
        s.mainMode(1...2)
        let f = s.findings("dns.failed")
        #expect(f.count == 1 && f[0].severity == .warning && f[0].session == 1 && f[0].evidence.count == 1)
        #expect(f.first?.summary.contains("then resolved") == true)
    }

    @Test func dnsResolvingTheServerIsTheFirstRung() {
        var s = Scenario()
        let server = s.server
        s.add(.client, proto: .udp, sport: 5353, dport: 53, .dns(DNSFact(id: 1, isResponse: false, queryName: "vpn.example.com")))
        s.facts[0].destination = IPAddress("192.0.2.53")!
        s.add(.client, proto: .udp, sport: 53, dport: 5353,
              .dns(DNSFact(id: 1, isResponse: true, queryName: "vpn.example.com", answers: [server])))
        s.facts[1].source = IPAddress("192.0.2.53")!
        s.facts[1].destination = s.client
        s.saInit()
        s.ikeAuth()
        s.esp(.client)
        s.esp(.server)
        let a = s.analysis()
        #expect(a.sessions[0].stage(.nameResolution)?.status == .ok)
        #expect(DiagnosisEngine().diagnose(a).findings.errors.isEmpty)
    }
}
