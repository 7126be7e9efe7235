import Diagnosis
import Sessions
import Testing

@Suite struct PPPTests {
    @Test func lcpNoResponse() {
        var s = Scenario()
        s.l2tpUp()
        for _ in 0..<4 { s.ppp(.client, PPPControlFact(.lcp, code: 1, identifier: 3), over: .l2tp(tunnel: 9, session: 1)) }
        let a = s.analysis()
        #expect(a.sessions[0].stage(.pppLink)?.status == .failed)
        let f = s.findings("ppp.lcp-no-response")
        #expect(f.count == 1 && f[0].severity == .error)
    }

    @Test(arguments: [(691, "wrong user name or password"), (649, "no dial-in permission")])
    func msChapV2Failure(code: Int, meaning: String) {
        var s = Scenario()
        s.pptpControl()
        s.pppUp(auth: false)
        s.ppp(.server, PPPControlFact(.chap, code: 1, identifier: 1))
        s.ppp(.client, PPPControlFact(.chap, code: 2, identifier: 1))
        s.ppp(.server, PPPControlFact(.chap, code: 4, identifier: 1,
                                      message: "E=\(code) R=0 C=0011223344556677 V=3 M=Authentication failure", msChapError: code))
        let f = s.findings("ppp.auth-failed")
        #expect(f.count == 1)
        #expect(f[0].summary.contains("E=\(code)") && f[0].summary.contains(meaning))
        if code == 649 { #expect(f[0].advice[0].contains("remote access")) }
        #expect(s.analysis().sessions[0].stoppedAt == .pppAuth)
    }

    @Test func ipcpFailed() {
        var s = Scenario()
        s.pptpControl()
        s.pppUp(ipcp: false)
        s.ppp(.client, PPPControlFact(.ipcp, code: 1, identifier: 1))
        s.ppp(.server, PPPControlFact(.ipcp, code: 3, identifier: 1))
        s.ppp(.client, PPPControlFact(.ipcp, code: 1, identifier: 2))
        #expect(s.findings("ppp.ipcp-failed").count == 1)
    }

    /// Pings into a plain L2TP tunnel (PPP up, LCP echoes both ways) that are never answered: the user
    /// data inside PPP decides, not the echoes (synthetic capture: no /dev/ppp in the lab kernel).
    @Test func userDataOneWayInsideL2TP() throws {
        let name = "synthetic-l2tp-pings-unanswered.pcap"
        let session = try CaptureSessions.first(name)
        #expect(session.verdict == .failed)
        let finding = try #require(session.findings.first { $0.rule == "ppp.data-one-way" })
        #expect(finding.summary.contains("client → server"))
        #expect(finding.evidence.first?.frames == [24])
    }

    /// L2TP data both ways without the control setup in the capture is a tunnel seen mid-session, as ESP is.
    @Test func l2tpDataBothWaysMidSessionIsConnected() throws {
        let name = "synthetic-l2tp-mid-session.pcap"
        let session = try CaptureSessions.first(name)
        #expect(session.verdict == .connected)
        #expect(session.ladder.first { $0.stage == .dataPlane }?.status == .ok)
        #expect(!session.findings.contains { $0.severity == .error })
    }
}
