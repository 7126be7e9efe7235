import Diagnosis
import Sessions
import Testing

@Suite struct FragmentsLostTests {
    @Test func fragmentedIKEAuthNeverAnswered() {
        var s = Scenario()
        s.saInit()
        for i in 0..<3 {
            s.ike(.client, version: 2, .ikeAuth, after: Double(i + 1), messageID: 1, encrypted: true, length: 2100,
                  payloads: [IKEMessageFact.Payload.v2SK], fragmentedIn: [s.facts.count + 1, s.facts.count + 2])
        }
        let f = s.findings("ike.fragments-lost")
        #expect(f.count == 1 && f[0].stage == .ikeAuth)
        #expect(f[0].summary.contains("2 IP fragments"))
        #expect(s.findings("ike.no-response").isEmpty)
    }
}
