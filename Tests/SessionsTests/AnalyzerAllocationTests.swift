import AllocationCounter
import Capture
import Decoding
import Sessions
import Testing
import TestSupport

/// Issue 7's guard for the whole per-packet path: once a flow, a host pair and a stream exist,
/// a data-plane frame (ESP, NAT-T ESP, GRE, bulk TCP) goes through `Analyzer.add(_:decoder:into:)`
/// (header bytes read directly, or decoded by `PacketDecoder` when the wire path refuses the frame)
/// without a single heap allocation. Counted (AllocationCounter, Linux), not timed. The wire entry
/// must have read every frame `Classifier.wire` reads from its headers: the measurement is of the
/// fast path, not of a decode standing in for it.
@Suite(.enabled(if: Corpus.publicCorpusAvailable && vpd_allocation_counting_active()))
struct AnalyzerAllocationTests {
    @Test func dataPlaneAnalyzesWithoutAllocating() throws {
        let frames = try DataPlaneFrame.corpus()  // ESP, NAT-T ESP, GRE, TCP (see there)
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv4, .udp, .esp] })
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv4, .esp] })
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv6, .esp] })
        #expect(frames.contains { $0.kinds.starts(with: [.ethernet, .ipv4, .gre]) })
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv4, .tcp] })

        var decoder = PacketDecoder()
        var analyzer = Analyzer(options: AnalysisOptions())
        var decodedAnalyzer = Analyzer(options: AnalysisOptions())
        var packet = DecodedPacket(frame: frames[0].info)
        // The frames the wire path reads: the measured entry must be reading those from their headers.
        let wireFrames = frames.filter { f in
            f.bytes.withUnsafeBytes { Classifier.wire(RawFrame(info: f.info, bytes: $0), limits: decoder.dissector.limits) != nil }
        }.count
        var fast = 0
        func analyze(_ f: DataPlaneFrame) {
            f.bytes.withUnsafeBytes { raw in
                let frame = RawFrame(info: f.info, bytes: raw)
                if case .dataPlane = analyzer.add(frame, decoder: &decoder, into: &packet) { fast += 1 }
                // And fully decoded (what the wire path refuses takes this way).
                decoder.decode(frame, into: &packet)
                decodedAnalyzer.add(packet, bytes: raw)
            }
        }
        // Index loop: iterating `frames` itself would allocate in an unoptimised build.
        func analyzeAll() { for i in frames.indices { analyze(frames[i]) } }
        analyzeAll()  // first sight: flows, host pairs, streams, capacities, first decode-stop examples

        let before = vpd_thread_allocations()
        for _ in 0..<5 { analyzeAll() }
        let allocations = vpd_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) allocations analyzing \(frames.count) data-plane frames 5 times")

        // On failure, name the frames that allocate.
        if allocations > 0 {
            for f in frames {
                let start = vpd_thread_allocations()
                analyze(f)
                let n = vpd_thread_allocations() - start
                if n > 0 { Issue.record("\(f.file) frame \(f.info.number) \(f.kinds): \(n) allocations") }
            }
        }
        #expect(wireFrames >= frames.count * 9 / 10, "the wire path reads \(wireFrames) of \(frames.count) data-plane frames")
        #expect(fast == wireFrames * 6, "the wire entry read \(fast) frames from their headers, not \(wireFrames) × 6")
        #expect(analyzer.finish().capture.packets == frames.count * 6)
        #expect(decodedAnalyzer.finish().capture.packets == frames.count * 6)
    }
}
