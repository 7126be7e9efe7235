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

    /// IKEv1: QM1, QM2, then the initiator's encrypted Informational instead of QM3 and nothing after:
    /// the initiator refused what the responder chose (the lab's capture of it is checked end to end:
    /// Captures/lab-ikev1-qm-initiator-abort-*.pcap, EXPECTED.tsv).
    @Test func initiatorAnswersQM2WithInformational() {
        var s = Scenario()
        s.mainMode(1...6)
        s.quickMode(1...2)
        s.ike(.client, version: 1, .informationalV1, messageID: 0x1234_5678, encrypted: true, length: 76, payloads: [Scenario.P.v1Hash])
        let a = s.analysis()
        #expect(a.sessions[0].stage(.childSA)?.status == .failed)
        let f = s.findings("ike.phase2-failed")
        #expect(f.count == 1 && f[0].summary.contains("initiator refused") && f[0].confidence == .medium)
        #expect(f[0].evidence.last?.frames == [9])
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

    /// RFC 6023 childless IKE_AUTH (its response far smaller than the request: no child SA in it), then a
    /// CREATE_CHILD_SA whose response is as large as its request: the child SA was made there. The capture
    /// ends before any ESP, so only the CREATE_CHILD_SA sizes can tell (facts: the lab's childless captures
    /// all carry ESP, which decides before the sizes are looked at).
    @Test func childlessThenCreateChildSACounts() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth(responseLength: 150)
        s.ike(.client, version: 2, .createChildSA, messageID: 2, encrypted: true, length: 226)
        s.ike(.server, version: 2, .createChildSA, messageID: 2, response: true, encrypted: true, length: 226)
        let a = s.analysis()
        #expect(a.sessions[0].stage(.childSA)?.status == .ok)
        #expect(a.sessions[0].stage(.childSA)?.label == "CREATE_CHILD_SA")
        #expect(s.findings("ike.phase2-failed").isEmpty)
    }

    /// The lab's strongSwan with `childless = force`: a childless IKE_AUTH, then CREATE_CHILD_SA refused with
    /// NO_PROPOSAL_CHOSEN (an 80-byte response to a 208-byte request), seen from both ends.
    @Test(arguments: ["client", "server"]) func childlessChildRefusedInCreateChildSA(_ vantage: String) throws {
        let name = "lab-ikev2-childless-child-refused-\(vantage).pcap"
        let session = try CaptureSessions.first(name)
        #expect(session.verdict == .failed)
        #expect(session.ladder.first { $0.stage == .childSA }?.frames == [5, 6])
        let finding = try #require(session.findings.first { $0.rule == "ike.phase2-failed" })
        #expect(finding.summary.contains("CREATE_CHILD_SA"))
    }

    /// The same with matching proposals: the child SA made by CREATE_CHILD_SA carries ESP both ways.
    @Test(arguments: ["client", "server"]) func childlessOK(_ vantage: String) throws {
        let name = "lab-ikev2-childless-ok-\(vantage).pcap"
        let sessions = try CaptureSessions.of(name)
        #expect(sessions.map(\.verdict) == [.connected])
        #expect(sessions.first?.ladder.first { $0.stage == .childSA }?.label == "CREATE_CHILD_SA")
    }

    /// The lab's IKEv1 initiator that cannot install the transport-mode SA it agreed: QM1, QM2, then its
    /// encrypted Informational (NO_PROPOSAL_CHOSEN per both logs) instead of QM3, seen from both ends.
    @Test(arguments: ["client", "server"]) func initiatorAbortsQuickModeInTheLab(_ vantage: String) throws {
        let session = try CaptureSessions.first("lab-ikev1-qm-initiator-abort-\(vantage).pcap")
        #expect(session.verdict == .failed)
        let finding = try #require(session.findings.first { $0.rule == "ike.phase2-failed" })
        #expect(finding.summary.contains("initiator refused"))
        #expect(finding.evidence.map(\.frames) == [[7, 8], [9]])
    }
}
