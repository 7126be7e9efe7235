import Diagnosis
import Sessions
import Testing

@Suite struct Phase2FailedTests {
    @Test func quickModeUnanswered() {
        var s = Scenario()
        s.mainMode(1...6)
        for i in 0..<3 { s.ike(.client, version: 1, .quickMode, after: Double(i + 1), messageID: 7, encrypted: true, length: 300) }
        let a = s.analysis()
        #expect(a.sessions[0].stage(.childSA)?.status == .failed)
        let f = s.findings("ike.phase2-failed")
        #expect(f.count == 1 && f[0].stage == .childSA && f[0].summary.contains("QM1"))
    }

    @Test func ikev2InformationalInsteadOfESP() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth(responseLength: 220)
        s.ike(.client, version: 2, .informational, messageID: 2, encrypted: true, length: 80)
        s.ike(.server, version: 2, .informational, messageID: 2, response: true, encrypted: true, length: 80)
        s.wait(10)
        let f = s.findings()
        #expect(f.ids.contains("ike.phase2-failed"))
        #expect(!f.ids.contains("esp.none-after-sa"))
    }
}
