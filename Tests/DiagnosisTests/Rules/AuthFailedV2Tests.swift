import Diagnosis
import Sessions
import Testing

@Suite struct AuthFailedV2Tests {
    @Test func shortIKEAuthResponseAndNoESP() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth(responseLength: 80)
        s.wait(10)
        let a = s.analysis()
        #expect(a.sessions[0].stage(.ikeAuth)?.status == .failed)
        let f = s.findings("ikev2.auth-failed-likely")
        #expect(f.count == 1 && f[0].confidence == .medium && f[0].frames.contains(4))
        #expect(!s.findings().ids.contains("esp.none-after-sa"))
    }

    @Test func fullSizeResponseIsNotAnAuthFailure() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth(responseLength: 300)
        s.esp(.client)
        s.esp(.server)
        #expect(s.findings("ikev2.auth-failed-likely").isEmpty)
    }
}
