import Diagnosis
import Sessions
import Testing

@Suite struct HealthyTests {
    @Test func ikev1MainModeQuickModeAndESPBothWaysIsConnected() {
        var s = Scenario()
        s.mainMode(1...6)
        s.quickMode(1...3)
        s.esp(.client)
        s.esp(.server)
        let a = s.analysis()
        #expect(a.sessions.count == 1)
        #expect(a.sessions[0].outcome == .connected)
        #expect(a.sessions[0].furthest == .connected)
        #expect(a.sessions[0].protocolLabel == "IKEv1")
        let f = DiagnosisEngine().diagnose(a).findings
        #expect(f.errors.isEmpty)
        #expect(f.ids.contains("healthy"))
    }

    @Test func ikev2WithESPIsConnectedWithNoError() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth()
        s.esp(.client)
        s.esp(.server)
        let f = s.findings()
        #expect(f.errors.isEmpty)
        #expect(f.first { $0.rule == "healthy" }?.summary.contains("IKEv2") == true)
    }
}
