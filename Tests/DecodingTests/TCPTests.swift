import Capture
import Decoding
import TestSupport
import Testing

@Suite struct TCPTests {
    @Test func synAckWithOptions() {
        let p = decodeBytes(LowerFixtures.pppoeTCPSynAck)
        #expect(kinds(p) == [.ethernet, .pppoe, .ppp, .ipv4, .tcp])
        guard let t = p.tcp else { return }
        // tshark: 443 1063 seq_raw 115958998 ack_raw 3913451350 win 16384 hdr_len 24 flags 0x012
        #expect(t.sourcePort == 443 && t.destinationPort == 1063)
        #expect(t.sequenceNumber == 115_958_998 && t.acknowledgmentNumber == 3_913_451_350)
        #expect(t.window == 16384 && t.headerLength == 24 && t.optionsLength == 4)
        #expect(t.flags == [.syn, .ack] && t.payload.count == 0)
        #expect(t.summary == "TCP 443 > 1063 [S.] seq=115958998 ack=3913451350 win=16384 len=0")
    }

    @Test func dataOffsetBelowTwentyIsMalformed() {
        var bytes = LowerFixtures.pppoeTCPSynAck
        bytes[22 + 20 + 12] = 0x40  // data offset 4 words
        let p = decodeBytes(bytes)
        #expect(p.stop?.reason == .malformed && p.stop?.error?.code == .lengthFieldTooSmall)
        #expect(p.stop?.error?.lengthSource == .tcpDataOffset)
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func corpusTCPPortsMatchTshark() throws {
        // tcpdump/pptp.pcap: tshark -T fields -e tcp.srcport -e tcp.dstport, frames 1–3:
        // 3025 > 1723 [S], 1723 > 3025 [S.], and the SYN-ACK again.
        let packets = try decodeFile(Corpus.publicPath("tcpdump/pptp.pcap"))
        let first = packets.prefix(3).compactMap(\.tcp)
        #expect(first.map(\.flags.tcpdumpNotation) == ["S", "S.", "S."])
        #expect(first.first?.destinationPort == 1723)
    }
}
