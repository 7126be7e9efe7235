import Diagnosis
import Sessions
import Testing

@Suite struct ErrorNotifyTests {
    @Test func cleartextInvalidIDInformationIsNamed() {
        var s = Scenario()
        s.mainMode(1...4)
        s.ike(.server, version: 1, .informationalV1, length: 40, payloads: [IKEMessageFact.Payload.v1Notify],
              notifies: [IKENotifyFact(.invalidIDInformation)])
        let f = s.findings("ike.error-notify")
        #expect(f.count == 1)
        #expect(f[0].summary.contains("INVALID-ID-INFORMATION"))
    }
}
