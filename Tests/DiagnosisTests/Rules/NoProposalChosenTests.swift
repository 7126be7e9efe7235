import Diagnosis
import Sessions
import Testing

@Suite struct NoProposalChosenTests {
    @Test func saInitAnsweredWithNoProposalChosen() {
        var s = Scenario()
        s.saInit(notifies: [IKENotifyFact(.noProposalChosen)])
        let a = s.analysis()
        #expect(a.sessions[0].stage(.ikeSAInit)?.status == .failed)
        let f = s.findings("ike.no-proposal-chosen")
        #expect(f.count == 1 && f[0].stage == .ikeSAInit && f[0].frames.contains(2))
        #expect(f[0].evidence.contains { $0.text.contains("AES_GCM_16-256") })
        #expect(s.findings("ike.error-notify").isEmpty)
    }

    @Test func mainModeAnsweredWithInformationalNoProposal() {
        var s = Scenario()
        s.mainMode(1...1)
        s.ike(.server, version: 1, .informationalV1, length: 40, payloads: [IKEMessageFact.Payload.v1Notify],
              notifies: [IKENotifyFact(.noProposalChosen)])
        #expect(s.findings("ike.no-proposal-chosen").count == 1)
    }
}
