import AllocationCounter
import Capture
import Decoding
import Testing
import TestSupport

/// The data plane (ESP, NAT-T ESP, GRE/PPP data, plain TCP and UDP) must decode into a reused
/// `DecodedPacket` without a single heap allocation: the regression guard of issue 7, counted
/// rather than timed. Allocations are counted per thread by the `AllocationCounter` target (Linux);
/// where it cannot count, the suite is skipped.
@Suite(.enabled(if: Corpus.publicCorpusAvailable && vpd_allocation_counting_active()))
struct AllocationTests {
    @Test func dataPlaneDecodesWithoutAllocating() throws {
        let frames = try DataPlaneFrame.corpus()
        // The batch covers what a gateway capture is mostly made of.
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv4, .udp, .esp] })
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv4, .esp] })
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv6, .esp] })
        #expect(frames.contains { $0.kinds.starts(with: [.ethernet, .ipv4, .gre, .ppp]) })
        #expect(frames.contains { $0.kinds == [.ethernet, .ipv4, .tcp] })

        var decoder = PacketDecoder()
        var packet = DecodedPacket(frame: frames[0].info)
        func decode(_ f: DataPlaneFrame) {
            f.bytes.withUnsafeBytes { decoder.decode(RawFrame(info: f.info, bytes: $0), into: &packet) }
        }
        // Index loop: iterating `frames` itself would allocate in an unoptimised build.
        func decodeAll() { for i in frames.indices { decode(frames[i]) } }
        decodeAll()  // warm up: first-use metadata, capacities

        let before = vpd_thread_allocations()
        for _ in 0..<5 { decodeAll() }
        let allocations = vpd_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) allocations decoding \(frames.count) data-plane frames 5 times")

        // On failure, name the frames that allocate.
        if allocations > 0 {
            for f in frames {
                let start = vpd_thread_allocations()
                decode(f)
                let n = vpd_thread_allocations() - start
                if n > 0 { Issue.record("\(f.file) frame \(f.info.number) \(f.kinds): \(n) allocations") }
            }
        }
    }

    /// The counter itself works: a control-plane frame (IKE, which owns its payloads) allocates.
    /// arkime/IKEv2.pcap frame 1 is an IKE_SA_INIT request.
    @Test func controlPlaneIsCounted() throws {
        let source = try PcapFile(path: Corpus.publicPath("arkime/IKEv2.pcap"))
        let frame = try #require(try source.next())
        var decoder = PacketDecoder()
        var packet = DecodedPacket(frame: frame.info)
        decoder.decode(frame, into: &packet)
        let before = vpd_thread_allocations()
        decoder.decode(frame, into: &packet)
        #expect(packet.ikev2 != nil)
        #expect(vpd_thread_allocations() - before > 0)
    }
}
