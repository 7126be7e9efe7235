import Diagnosis
import Sessions
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
        #expect(a.sessions[0].stage(.dataPlane)?.status == .failed)
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
