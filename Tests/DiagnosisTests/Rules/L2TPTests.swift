import Diagnosis
import Sessions
import Testing

@Suite struct L2TPTests {
    @Test func noResponse() {
        var s = Scenario()
        for _ in 0..<3 { s.l2tp(.client, .sccrq) }
        let a = s.analysis()
        #expect(a.sessions[0].l2tp?.messages.filter { $0.retransmissionOf != nil }.count == 2)
        let f = s.findings()
        #expect(f.ids.contains("l2tp.no-response"))
        #expect(f.ids.contains("l2tp.cleartext"))
    }

    @Test func stoppedWithResultAndError() {
        var s = Scenario()
        s.l2tp(.client, .sccrq)
        s.l2tp(.server, .sccrp)
        s.l2tp(.server, .stopCCN, ns: 1, result: 2, error: 6, text: "General error, error: Vendor-specific error, \"no more tunnels\"")
        let f = s.findings("l2tp.stopped")
        #expect(f.count == 1 && f[0].severity == .error)
        #expect(f[0].summary.contains("General error") && f[0].summary.contains("Vendor-specific") && f[0].summary.contains("error 6"))
    }

    @Test func ordinaryTeardownIsInfo() {
        var s = Scenario()
        s.l2tpUp()
        s.pppUp(over: .l2tp(tunnel: 9, session: 1))
        s.l2tp(.client, .stopCCN, ns: 4, result: 1)
        #expect(s.findings("l2tp.stopped").first?.severity == .info)
    }
}
