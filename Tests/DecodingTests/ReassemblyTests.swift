import Capture
import Decoding
import TestSupport
import Testing

/// Feeds frames through a `PacketDecoder` (one per test, as one per capture).
private func decodeAll(_ frames: [[UInt8]], linkType: LinkType, decoder: inout PacketDecoder,
                       times: [Double]? = nil) -> [DecodedPacket] {
    frames.enumerated().map { i, bytes in
        let t = times?[i] ?? Double(i) / 1000
        let info = FrameInfo(number: i + 1, timestamp: Timestamp(seconds: Int64(t), nanoseconds: Int32((t - t.rounded(.down)) * 1e9)),
                             capturedLength: bytes.count, originalLength: bytes.count, linkType: linkType)
        return bytes.withUnsafeBytes { decoder.decode(RawFrame(info: info, bytes: $0)) }
    }
}

/// Synthetic IPv4 fragment (raw IP): UDP 10.0.0.1 > 10.0.0.2, id `id`, data `data` at `offset`.
private func v4Fragment(id: UInt16 = 7, offset: Int, more: Bool, data: [UInt8]) -> [UInt8] {
    let total = 20 + data.count
    let flags = UInt16(offset / 8) | (more ? 0x2000 : 0)
    return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8),
            UInt8(flags & 0xFF), 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2] + data
}

/// A UDP datagram 500 > 500 of `n` bytes in all (header included), payload bytes 0, 1, 2…
private func udpDatagram(_ n: Int) -> [UInt8] {
    [0x01, 0xF4, 0x01, 0xF4, UInt8(n >> 8), UInt8(n & 0xFF), 0, 0] + (0..<(n - 8)).map { UInt8(truncatingIfNeeded: $0) }
}

@Suite struct ReassemblyTests {
    @Test func realIPv4FragmentsOverPPP() {
        var decoder = PacketDecoder()
        let packets = decodeAll(LowerFixtures.pppFragments, linkType: .ppp, decoder: &decoder)
        #expect(packets[0].stop?.reason == .fragment && packets[1].stop?.reason == .fragment)
        let last = packets[2]
        // tshark: frame 3 "ip.fragments" = frames 1, 2, 3; TCP 12345 > 8080 [S] seq_raw 1.
        #expect(kinds(last) == [.ppp, .ipv4, .tcp])
        #expect(last.reassembledFrom == [1, 2, 3] && last.stop == nil)
        #expect(last.tcp?.sourcePort == 12345 && last.tcp?.destinationPort == 8080)
        #expect(last.tcp?.flags == .syn && last.tcp?.sequenceNumber == 1 && last.tcp?.headerLength == 24)
        // Offsets of reassembled layers are relative to the reassembled payload.
        #expect(last.tcp?.payload == ByteRange(start: 24, end: 24))
        #expect(decoder.reassembler.pending.isEmpty && decoder.reassembler.completedCount == 1)
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func realIPv6FragmentsOverPPP() throws {
        // suricata-verify/frag-ppp-ipv6-tcp.pcap: 3 fragments (offsets 0, 456, 912), tshark
        // reassembles TCP 12345 > 8080 with tcp.len 1000 in frame 3.
        var file = try PcapFile(path: Corpus.publicPath("suricata-verify/frag-ppp-ipv6-tcp.pcap"))
        var decoder = PacketDecoder()
        var packets: [DecodedPacket] = []
        while let frame = try file.next() { packets.append(decoder.decode(frame)) }
        #expect(packets.count == 3)
        #expect(packets[2].reassembledFrom == [1, 2, 3])
        #expect(packets[2].tcp?.destinationPort == 8080 && packets[2].tcp?.payload.count == 1000)
    }

    @Test func outOfOrderAndDuplicate() {
        let d = udpDatagram(40)
        let frames = [v4Fragment(offset: 16, more: true, data: Array(d[16..<32])),
                      v4Fragment(offset: 32, more: false, data: Array(d[32...])),
                      v4Fragment(offset: 16, more: true, data: Array(d[16..<32])),  // duplicate
                      v4Fragment(offset: 0, more: true, data: Array(d[0..<16]))]
        var decoder = PacketDecoder()
        let packets = decodeAll(frames, linkType: .raw, decoder: &decoder)
        #expect(packets[3].reassembledFrom == [1, 2, 3, 4])
        #expect(packets[3].udp?.length == 40 && packets[3].udp?.payload == ByteRange(start: 8, end: 40))
        #expect(decoder.lastDatagram?.payload == d)
    }

    @Test func overlapFirstCopyWins() {
        var r = FragmentReassembler()
        let key = FragmentKey(source: .v4(1), destination: .v4(2), protocolNumber: .udp, identification: 9)
        func add(_ offset: Int, _ more: Bool, _ bytes: [UInt8], frame: Int) -> ReassembledDatagram? {
            bytes.withUnsafeBytes {
                r.add(Fragment(key: key, offset: offset, moreFragments: more), data: $0, frame: frame,
                      at: Timestamp(seconds: 0, nanoseconds: 0))
            }
        }
        #expect(add(0, true, [UInt8](repeating: 1, count: 16), frame: 1) == nil)
        #expect(add(8, true, [UInt8](repeating: 2, count: 16), frame: 2) == nil)  // overlaps 8..<16
        let done = add(24, false, [UInt8](repeating: 3, count: 8), frame: 3)
        #expect(done?.payload == [UInt8](repeating: 1, count: 16) + [UInt8](repeating: 2, count: 8) + [UInt8](repeating: 3, count: 8))
    }

    @Test func timeoutReportsTheFragmentsAndPorts() {
        let d = udpDatagram(40)
        // The first fragment at t = 0, the last only at t = 31 s: the first is given up.
        let frames = [v4Fragment(offset: 0, more: true, data: Array(d[0..<16])),
                      v4Fragment(offset: 32, more: false, data: Array(d[32...]))]
        var decoder = PacketDecoder()
        let packets = decodeAll(frames, linkType: .raw, decoder: &decoder, times: [0, 31])
        #expect(packets.allSatisfy { $0.stop?.reason == .fragment })
        let expired = decoder.reassembler.expired
        #expect(expired.count == 1)
        #expect(expired.first?.outcome == .timedOut && expired.first?.frames == [1])
        #expect(expired.first?.sourcePort == 500 && expired.first?.destinationPort == 500)
        #expect(expired.first?.key.protocolNumber == .udp && expired.first?.key.source == IPAddress("10.0.0.1"))
        let pending = decoder.reassembler.pending
        #expect(pending.count == 1 && pending.first?.frames == [2] && pending.first?.totalLength == 40)
        #expect(pending.first?.holes == [ByteRange(start: 0, end: 32)])
        decoder.reassembler.finish()
        #expect(decoder.reassembler.pending.isEmpty && decoder.reassembler.expired.last?.outcome == .incomplete)
    }

    @Test func holesAreReported() {
        let d = udpDatagram(48)
        let frames = [v4Fragment(offset: 0, more: true, data: Array(d[0..<16])),
                      v4Fragment(offset: 32, more: false, data: Array(d[32...]))]
        var decoder = PacketDecoder()
        _ = decodeAll(frames, linkType: .raw, decoder: &decoder)
        #expect(decoder.reassembler.pending.first?.holes == [ByteRange(start: 16, end: 32)])
        #expect(decoder.reassembler.pending.first?.bytesReceived == 32)
    }

    @Test func limits() {
        var limits = FragmentReassembler.Limits()
        limits.maxDatagrams = 2
        limits.maxDatagramBytes = 64
        var decoder = PacketDecoder(reassembler: FragmentReassembler(limits: limits))
        let frames = [v4Fragment(id: 1, offset: 0, more: true, data: [UInt8](repeating: 0, count: 8)),
                      v4Fragment(id: 2, offset: 0, more: true, data: [UInt8](repeating: 0, count: 8)),
                      v4Fragment(id: 3, offset: 0, more: true, data: [UInt8](repeating: 0, count: 8)),  // evicts id 1
                      v4Fragment(id: 2, offset: 64, more: false, data: [UInt8](repeating: 0, count: 8))]  // past 64 bytes
        _ = decodeAll(frames, linkType: .raw, decoder: &decoder)
        let expired = decoder.reassembler.expired
        #expect(expired.map(\.key.identification) == [1, 2])
        #expect(expired.allSatisfy { $0.outcome == .limitExceeded })
        #expect(decoder.reassembler.pending.map(\.key.identification) == [3])
    }

    @Test func conflictingLastFragmentsAreInconsistent() {
        let frames = [v4Fragment(offset: 8, more: false, data: [UInt8](repeating: 0, count: 8)),
                      v4Fragment(offset: 16, more: false, data: [UInt8](repeating: 0, count: 8))]
        var decoder = PacketDecoder()
        _ = decodeAll(frames, linkType: .raw, decoder: &decoder)
        #expect(decoder.reassembler.expired.first?.outcome == .inconsistent)
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func garbageFragmentsStayBounded() throws {
        // nDPI/ip_fragmented_garbage.pcap: 1252 IPv4 frames, most of them fragments of garbage.
        var file = try PcapFile(path: Corpus.publicPath("nDPI/ip_fragmented_garbage.pcap"))
        var decoder = PacketDecoder()
        var packet = DecodedPacket(linkType: .ethernet)
        var frames = 0
        while let frame = try file.next() {
            decoder.decode(frame, into: &packet)
            frames += 1
        }
        decoder.reassembler.finish()
        #expect(frames == 1252)
        #expect(decoder.reassembler.pending.isEmpty)
        #expect(decoder.reassembler.completedCount + decoder.reassembler.expiredCount > 0)
    }
}
