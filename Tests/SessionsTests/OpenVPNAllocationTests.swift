import AllocationCounter
import Capture
import Decoding
@testable import Sessions
import Testing
import TestSupport

/// OpenVPN data packets (P_DATA_V1/V2 on UDP 1194) are counted from their header bytes on the wire
/// path, and once their session exists (its control packets analysed first), without a heap
/// allocation. Real frames of nDPI/openvpn_nohmac.pcapng; counted, not timed.
@Suite(.enabled(if: Corpus.publicCorpusAvailable && vpd_allocation_counting_active()))
struct OpenVPNAllocationTests {
    @Test func dataPacketsAreCountedWithoutAllocating() throws {
        let file = try PcapFile(path: Corpus.publicPath("nDPI/openvpn_nohmac.pcapng"))
        var all: [(info: FrameInfo, bytes: [UInt8])] = []
        while let frame = try file.next() { all.append((frame.info, Array(frame.bytes))) }
        var decoder = PacketDecoder()
        var analyzer = Analyzer(options: AnalysisOptions())
        var packet = DecodedPacket(frame: all[0].info)
        var data: [Int] = []
        for i in all.indices {
            all[i].bytes.withUnsafeBytes { raw in
                let frame = RawFrame(info: all[i].info, bytes: raw)
                if let wire = Classifier.wire(frame, limits: decoder.dissector.limits), case .openvpnData = wire.fact.kind { data.append(i) }
                _ = analyzer.add(frame, decoder: &decoder, into: &packet)
            }
        }
        #expect(data.count > 500, "\(data.count) data packets read on the wire path")
        var fast = 0
        func replay() {
            for n in data.indices {
                let i = data[n]
                all[i].bytes.withUnsafeBytes { raw in
                    if case .dataPlane = analyzer.add(RawFrame(info: all[i].info, bytes: raw), decoder: &decoder, into: &packet) { fast += 1 }
                }
            }
        }
        let before = vpd_thread_allocations()
        replay()
        let allocations = vpd_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) allocations counting \(data.count) OpenVPN data packets")
        #expect(fast == data.count)
        let o = try #require(analyzer.finish().sessions.first?.openvpn.first)
        #expect(o.dataFromClient + o.dataFromServer == data.count * 2)
    }
}
