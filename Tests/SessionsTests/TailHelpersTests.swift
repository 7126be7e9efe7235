import Capture
import Decoding
import Foundation
import Testing
import TestSupport
@testable import Sessions

/// The shortcuts the report's tail takes (`Printf.fixed`, `Session.ikeMessages(where:)`,
/// `dataBothWaysFrame` in one pass) say exactly what the slow forms said.
@Suite struct TailHelpersTests {
    /// `Printf.fixed` against Foundation's `String(format:)` (the C library's printf): decimal
    /// midpoints and their neighbours (ties to even, and the doubles just either side of a tie that
    /// the product × 10ⁿ rounds onto it), whole numbers, and a spread of values from 10⁻⁹ to 10⁹.
    @Test func fixedIsPrintf() {
        var values: [Double] = [0, 1, 0.5, 1.5, 2.5, 0.0005, 0.0015, 0.0625, 0.25, 1.0005, 3.9995, 0.9995, 999_999_999.9999]
        for digits in 0...3 {
            let scale = pow(10, Double(digits))
            for k in 0..<2000 {
                let midpoint = (Double(k) + 0.5) / scale
                values += [midpoint, midpoint.nextUp, midpoint.nextDown, Double(k) / scale]
            }
        }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = Double(seed >> 11) / Double(1 << 53)
            values.append(mantissa * pow(10, Double(Int(seed % 19)) - 9))
        }
        var differ = 0
        for v in values {
            for digits in 0...3 where Printf.fixed(v, digits) != String(format: "%.\(digits)f", v) {
                differ += 1
                if differ <= 5 { Issue.record("\(v) with \(digits) decimals: \(Printf.fixed(v, digits)), printf \(String(format: "%.\(digits)f", v))") }
            }
        }
        #expect(differ == 0)
        // Outside the range worked out here, the C library writes it.
        #expect(Printf.fixed(-0.0004, 3) == "-0.000")
        #expect(Printf.fixed(1e12 + 0.25, 1) == String(format: "%.1f", 1e12 + 0.25))
    }

    /// On every capture at hand, each session's `ikeMessages(where:)` is `allIKEMessages` filtered,
    /// as `allIKEMessages` was made before (every SA's messages sorted by frame), and the one-pass
    /// `dataBothWaysFrame` is the one made from the directions' streams.
    @Test func sessionShortcutsAreTheLongForms() throws {
        let ours = try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map(Corpus.capturePath)
        var sessions = 0, unordered = 0
        for path in ours + Corpus.publicFiles().map(Corpus.publicPath) {
            guard let file = try? PcapFile(path: path) else { continue }
            var analyzer = Analyzer(options: AnalysisOptions())
            var decoder = PacketDecoder()
            var packet = DecodedPacket(linkType: file.linkType)
            while let frame = try? file.next() { _ = analyzer.add(frame, decoder: &decoder, into: &packet) }
            for s in analyzer.finish().sessions {
                let all = s.ike.flatMap(\.messages).sorted { $0.frame < $1.frame }
                if all != s.ike.flatMap(\.messages) { unordered += 1 }
                #expect(s.allIKEMessages == all, "\(path): session \(s.id)")
                #expect(s.ikeMessages { $0.retransmissionOf == nil } == all.filter { $0.retransmissionOf == nil }, "\(path): session \(s.id)")
                #expect(s.ikeMessages(where: \.fromInitiator) == all.filter(\.fromInitiator), "\(path): session \(s.id)")
                let out = (s.espFromClient.map(\.traffic) + s.greFromClient.map(\.traffic)).compactMap(\.firstFrame).min()
                let back = (s.espFromServer.map(\.traffic) + s.greFromServer.map(\.traffic)).compactMap(\.firstFrame).min()
                let both = out.flatMap { out in back.map { max(out, $0) } } ?? s.stage(.connected)?.frames.first
                #expect(s.dataBothWaysFrame == both, "\(path): session \(s.id)")
                sessions += 1
            }
        }
        #expect(sessions >= 100)
        // Sessions whose SAs interleave, so the sort is exercised (the lab's collisions and rekeys).
        #expect(unordered >= 1)
    }
}
