import Diagnosis
import Sessions
import Testing

@Suite struct InvalidKETests {
    @Test func oneInvalidKEThenSuccessIsInfo() {
        var s = Scenario()
        s.saInit(notifies: [IKENotifyFact(.invalidKEPayload, data: [0, 14])])
        s.saInit()
        let f = s.findings("ike.invalid-ke")
        #expect(f.count == 1 && f[0].severity == .info)
        #expect(f[0].summary.contains("2048-bit MODP"))
    }

    @Test func repeatedInvalidKEIsALoop() {
        var s = Scenario()
        s.saInit(notifies: [IKENotifyFact(.invalidKEPayload, data: [0, 14])])
        s.ike(.client, version: 2, .ikeSAInit, length: 272, payloads: [IKEMessageFact.Payload.v2SA], noResponderSPI: true)
        s.ike(.server, version: 2, .ikeSAInit, response: true, length: 38, notifies: [IKENotifyFact(.invalidKEPayload, data: [0, 19])],
              noResponderSPI: true)
        let f = s.findings("ike.invalid-ke")
        #expect(f.count == 1 && f[0].severity == .error)
        #expect(f[0].summary.contains("loop"))
    }
}
