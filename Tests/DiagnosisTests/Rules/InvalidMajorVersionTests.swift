import Diagnosis
import Sessions
import Testing

@Suite struct InvalidMajorVersionTests {
    @Test func notifyInvalidMajorVersion() {
        var s = Scenario()
        s.saInit(notifies: [IKENotifyFact(.invalidMajorVersion)])
        #expect(s.findings("ike.invalid-major-version").count == 1)
    }

    @Test func ikev2RequestAnsweredWithIKEv1() {
        var s = Scenario()
        s.saInit(response: false)
        s.initiatorSPI = 0x9999
        s.ike(.server, version: 1, .informationalV1, length: 40, payloads: [IKEMessageFact.Payload.v1Notify])
        let f = s.findings("ike.invalid-major-version")
        #expect(f.count == 1)
        #expect(f[0].summary.contains("only speaks IKEv1"))
    }
}
