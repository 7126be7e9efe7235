import Diagnosis
import Sessions
import Testing

@Suite struct AggressiveAuthFailedTests {
    @Test func informationalFromInitiatorAfterAM2() {
        var s = Scenario()
        s.ike(.client, version: 1, .aggressive, payloads: [IKEMessageFact.Payload.v1SA], proposals: [Scenario.strongV1],
              noResponderSPI: true)
        s.ike(.server, version: 1, .aggressive, payloads: [IKEMessageFact.Payload.v1SA])
        s.ike(.client, version: 1, .informationalV1, encrypted: true, length: 76)
        let a = s.analysis()
        #expect(a.sessions[0].protocolLabel == "IKEv1 Aggressive Mode")
        #expect(a.sessions[0].stage(.ikeAuth)?.status == .failed)
        let f = s.findings("ikev1.aggressive-auth-failed")
        #expect(f.count == 1 && f[0].summary.contains("initiator"))
        #expect(s.findings("security.aggressive-mode-psk").count == 1)
    }
}
