import Capture
import Decoding
import Sessions
import Testing

@Suite struct AnalyzerTests {
    static let a = IPAddress("192.0.2.1")!, b = IPAddress("192.0.2.2")!

    static func esp(_ frame: Int, from: IPAddress, to: IPAddress, spi: UInt32, seq: UInt32) -> PacketFact {
        PacketFact(frame: frame, time: Timestamp(seconds: 100, nanoseconds: Int32(frame) * 1000), source: from, destination: to,
                   ipProtocol: .esp, ipLength: 120, kind: .esp(ESPFact(spi: spi, sequence: seq)))
    }

    @Test func flowKeyIsDirectionNeutral() {
        let x = Endpoint(Self.a, 500), y = Endpoint(Self.b, 4500)
        let (k1, d1) = FlowKey.make(x, y, .udp)
        let (k2, d2) = FlowKey.make(y, x, .udp)
        #expect(k1 == k2 && d1 != d2)
    }

    @Test func espStreamsPerSPIAndDirection() {
        var analyzer = Analyzer(options: AnalysisOptions())
        for i in 1...10 { analyzer.add(fact: Self.esp(i, from: Self.a, to: Self.b, spi: 0x100, seq: UInt32(i))) }
        analyzer.add(fact: Self.esp(11, from: Self.b, to: Self.a, spi: 0x200, seq: 1))
        let analysis = analyzer.finish()
        #expect(analysis.sessions.count == 1)
        let s = analysis.sessions[0]
        #expect(s.esp.count == 2)
        #expect(s.esp.first { $0.spi == 0x100 }?.traffic.packets == 10)
        #expect(s.flows.count == 1 && !s.flows[0].oneWay)
        #expect(s.outcome == .connected)
        #expect(s.startedMidSession)
    }

    /// Issue 7: the data plane must not allocate per packet. A stream that exists is updated in
    /// place, so feeding many ESP facts keeps the table at one entry per SPI.
    @Test func espFactsAreCountedInPlace() {
        var analyzer = Analyzer(options: AnalysisOptions())
        for i in 1...10_000 { analyzer.add(fact: Self.esp(i, from: Self.a, to: Self.b, spi: 0x100, seq: UInt32(i))) }
        let s = analyzer.finish().sessions[0]
        #expect(s.esp.count == 1 && s.esp[0].traffic.packets == 10_000 && s.esp[0].missing == 0)
    }

    @Test func serverOptionIgnoresOtherHosts() {
        var options = AnalysisOptions(server: Self.b)
        options.flowTableCapacity = 64
        var analyzer = Analyzer(options: options)
        analyzer.add(fact: Self.esp(1, from: Self.a, to: IPAddress("198.51.100.9")!, spi: 1, seq: 1))
        analyzer.add(fact: Self.esp(2, from: Self.a, to: Self.b, spi: 2, seq: 1))
        let analysis = analyzer.finish()
        #expect(analysis.sessions.count == 1)
        #expect(analysis.sessions[0].server == Self.b)
        #expect(analysis.sessions[0].rolesFrom == "--server")
    }

    @Test func stagesAreOrdered() {
        #expect(Stage.nameResolution < Stage.reachability)
        #expect(Stage.ikeAuth < Stage.childSA && Stage.dataPlane < Stage.tunnelControl && Stage.pppNetwork < Stage.connected)
    }
}
