import Diagnosis
import Sessions
import Testing

@Suite struct ESPTests {
    @Test func noneAfterSA() {
        var s = Scenario()
        s.mainMode(1...6)
        s.quickMode(1...3)
        s.wait(10)
        let f = s.findings()
        #expect(f.ids.contains("esp.none-after-sa"))
        #expect(s.analysis().sessions[0].stage(.dataPlane)?.status == .failed)
    }

    @Test func oneWay() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth()
        s.esp(.client, count: 20)
        let f = s.findings("esp.one-way")
        #expect(f.count == 1 && f[0].summary.contains("client → server"))
        #expect(s.analysis().sessions[0].outcome == .failed)
    }

    @Test func lossFromSequenceGaps() {
        var s = Scenario()
        s.saInit()
        s.ikeAuth()
        s.esp(.client, count: 100, skipping: [10, 11, 12, 50, 51])
        s.esp(.server, count: 100)
        let a = s.analysis()
        let stream = a.sessions[0].espFromClient[0]
        #expect(stream.missing == 5 && stream.gaps == 2)
        let f = s.findings("esp.loss")
        #expect(f.count == 1 && f[0].severity == .warning && f[0].summary.contains("5 missing"))
    }

    @Test func midSessionESPOnlyIsConnected() {
        var s = Scenario()
        s.esp(.client, udp: true)
        s.esp(.server, udp: true)
        let a = s.analysis()
        #expect(a.sessions[0].outcome == .connected)
        #expect(a.sessions[0].startedMidSession)
        let f = s.findings()
        #expect(f.ids.contains("capture.mid-session"))
        #expect(f.errors.isEmpty)
    }
}
