import Diagnosis
import Sessions
import Testing

@Suite struct PSKMismatchV1Tests {
    @Test func mm5RetransmittedAfterCleanMM1To4() {
        var s = Scenario()
        s.mainMode(1...4)
        for i in 0..<4 { s.ike(.client, version: 1, .identityProtection, after: Double(i + 1), encrypted: true, length: 92) }
        let a = s.analysis()
        #expect(a.sessions[0].ike[0].lastCompleted?.description == "MM5 of 6")
        #expect(a.sessions[0].stage(.ikeSAInit)?.status == .ok)
        #expect(a.sessions[0].stage(.ikeAuth)?.status == .failed)
        let f = s.findings("ikev1.psk-mismatch-likely")
        #expect(f.count == 1 && f[0].confidence == .medium)
        #expect(f[0].summary.contains("likely"))
        #expect(s.findings("ike.no-response").isEmpty)
    }

    @Test func informationalInvalidHashIsHighConfidence() {
        var s = Scenario()
        s.mainMode(1...5)
        s.ike(.server, version: 1, .informationalV1, length: 40, payloads: [IKEMessageFact.Payload.v1Notify],
              notifies: [IKENotifyFact(.invalidHashInformation)])
        #expect(s.findings("ikev1.psk-mismatch-likely").first?.confidence == .high)
    }
}
