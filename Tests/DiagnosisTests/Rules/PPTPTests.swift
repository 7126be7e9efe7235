import Diagnosis
import Sessions
import TestSupport
import Testing

@Suite struct PPTPTests {
    @Test func portBlocked() {
        var s = Scenario()
        for _ in 0..<3 { s.pptpTCP(.client, flags: TCPFact.syn) }
        let f = s.findings()
        #expect(f.ids.contains("pptp.port-blocked"))
        #expect(s.analysis().sessions[0].protocolLabel == "PPTP")
        #expect(f.first { $0.rule == "pptp.port-blocked" }?.explanation.contains("TCP 1723") == true)
    }

    @Test func refused() {
        var s = Scenario()
        s.pptpTCP(.client, flags: TCPFact.syn)
        s.pptpTCP(.server, flags: TCPFact.rst | TCPFact.ack)
        #expect(s.findings("pptp.refused").count == 1)
        #expect(s.findings("pptp.port-blocked").isEmpty)
    }

    @Test func callFailed() {
        var s = Scenario()
        s.pptpControl(callResult: 7)
        let f = s.findings("pptp.call-failed")
        #expect(f.count == 1 && f[0].summary.contains("Do not accept"))
    }

    @Test func greOneWay() {
        var s = Scenario()
        s.pptpControl()
        for i in 0..<5 { s.ppp(.client, PPPControlFact(.lcp, code: 1, identifier: 1), over: nil); _ = i }
        s.wait(10)
        let a = s.analysis()
        #expect(a.sessions[0].stage(.tunnelControl)?.status == .ok)
        #expect(a.sessions[0].stage(.tunnelTransport)?.status == .failed)
        let f = s.findings()
        #expect(f.ids.contains("pptp.gre-blocked"))
        #expect(f.first { $0.rule == "pptp.gre-blocked" }?.summary.contains("client → server") == true)
        #expect(f.ids.contains("security.pptp-weak"))
    }

    @Test func fullSessionIsConnected() {
        var s = Scenario()
        s.pptpControl()
        s.pppUp()
        s.gre(.client)
        s.gre(.server)
        let a = s.analysis()
        #expect(a.sessions[0].outcome == .connected)
        let f = s.findings()
        #expect(f.errors.isEmpty)
        #expect(f.ids.contains("security.pptp-weak"))
    }

    /// PPP up, then the client's user data goes out in GRE and the server sends back acknowledgments
    /// only, for 10 s: the tunnel works, nothing comes back through it.
    @Test func userDataOneWay() {
        var s = Scenario()
        s.pptpControl()
        s.pppUp()
        s.gre(.client, count: 20)
        s.gre(.server, userData: false)
        s.wait(10)
        let a = s.analysis()
        #expect(a.sessions[0].stage(.tunnelTransport)?.status == .ok)
        #expect(a.sessions[0].stage(.dataPlane)?.status == .failed)
        let f = s.findings("ppp.data-one-way")
        #expect(f.count == 1 && f[0].summary.contains("client → server"))
    }

    /// The same, but the capture ends under `quietSeconds` after the first user data: encrypted, it may be
    /// the broadcasts a client sends first, which get no answer; connected, the data rung incomplete.
    @Test func userDataOneWayTooSoonToTell() {
        var s = Scenario()
        s.pptpControl()
        s.pppUp()
        s.gre(.client, count: 20)
        s.gre(.server, userData: false)
        let a = s.analysis()
        #expect(a.sessions[0].stage(.dataPlane)?.status == .incomplete)
        #expect(a.sessions[0].outcome == .connected)
        #expect(s.findings().errors.isEmpty)
    }

    /// Real PPTP (PcapPlusPlus, a Cisco lab): the ladder in PPTP's order, user data judged by the IP inside PPP.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func realLadderInPPTPOrder() throws {
        let session = try CaptureSessions.firstPublic("PcapPlusPlus/GrePackets.cap")
        #expect(session.ladder.map(\.stage) == [.nameResolution, .reachability, .tunnelControl, .tunnelTransport,
                                                .pppLink, .pppAuth, .pppNetwork, .dataPlane, .connected])
        #expect(session.ladder.first { $0.stage == .dataPlane }?.frames == [26, 27])
        #expect(session.verdict == .connected)
    }

    /// Real Windows PPTP (john-samples): MS-CHAPv2, IPCP, then 25 MPPE packets from the client over 3.4 s
    /// answered by GRE acknowledgments only, and the capture ends: too soon to call it one-way.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func realEncryptedDataOneWaySoFar() throws {
        let session = try CaptureSessions.firstPublic("john-samples/lulu-password-pptp.pcap")
        let data = try #require(session.ladder.first { $0.stage == .dataPlane })
        #expect(data.status == .incomplete)
        #expect(data.detail?.contains("25 out, 0 back") == true)
        #expect(session.verdict == .connected)
    }

    /// A Start-Control-Connection-Reply refusing the client, split over two TCP segments, is read from the
    /// reassembled TCP 1723 stream (synthetic capture: pptpd here cannot be made to split its reply).
    @Test func refusalSplitOverSegmentsIsRead() throws {
        let name = "synthetic-pptp-refused-split-reply.pcap"
        let session = try CaptureSessions.first(name)
        #expect(session.verdict == .failed)
        let finding = try #require(session.findings.first { $0.rule == "pptp.call-failed" })
        #expect(finding.evidence.first?.frames == [6])
        #expect(finding.summary.contains("result 4"))
    }
}
