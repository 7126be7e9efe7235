import Diagnosis
import Sessions
import Testing

@Suite struct IKENoResponseTests {
    @Test func retransmittedSAInitWithoutAnswer() {
        var s = Scenario()
        for i in 0..<4 {
            s.ike(.client, version: 2, .ikeSAInit, after: Double(1 << i), length: 400, payloads: [IKEMessageFact.Payload.v2SA],
                  noResponderSPI: true)
        }
        let a = s.analysis()
        let sa = a.sessions[0].ike[0]
        #expect(sa.messages.filter { $0.retransmissionOf != nil }.count == 3)
        #expect(a.sessions[0].stage(.ikeSAInit)?.status == .failed)
        let f = s.findings("ike.no-response")
        #expect(f.count == 1)
        #expect(f[0].severity == .error)
        #expect(f[0].frames == [1, 2, 3, 4])
        #expect(f[0].summary.contains("sent 4×"))
    }

    /// A request retried for hours: the intervals stop after eight with "… and N more" (200k
    /// retries made a line of megabytes), the count stays whole.
    @Test func longRetryListIsSummarised() {
        var s = Scenario()
        for _ in 0..<40 {
            s.ike(.client, version: 2, .ikeSAInit, after: 1, length: 400, payloads: [IKEMessageFact.Payload.v2SA],
                  noResponderSPI: true)
        }
        let f = s.findings("ike.no-response")
        #expect(f.count == 1)
        #expect(f[0].summary.contains("sent 40× over 39 s (intervals 1.00 s, 1.00 s, 1.00 s, 1.00 s, 1.00 s, 1.00 s, 1.00 s, 1.00 s, … and 31 more)"))
    }

    @Test func singleRequestAtTheEndOfTheCaptureIsNotJudged() {
        var s = Scenario()
        s.saInit(response: false)
        #expect(s.findings("ike.no-response").isEmpty)
        #expect(s.analysis().sessions[0].outcome == .incomplete)
    }
}
