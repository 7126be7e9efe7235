import Capture
import Decoding
import Testing
import TestSupport

/// RFC 3948 demultiplexing of UDP 4500.
@Suite struct NATTTests {
    /// tcpdump/isakmp4500.pcap frame 18: a 1-byte 0xFF payload on 4500 is a NAT keepalive.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func keepalive() throws {
        let p = try CorpusFrame("tcpdump/isakmp4500.pcap", 18).packet
        #expect(p.udpEncapsulation?.kind == .natKeepalive)
        #expect(p.udpEncapsulation?.summary == "NAT-keepalive")
        #expect(p.layers.map(\.kind) == [.ethernet, .ipv4, .udp, .udpEncapsulation])
        #expect(p.stop == nil)
    }

    /// tcpdump/isakmp4500.pcap frames 7 and 12: the non-ESP marker precedes IKE; otherwise ESP.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func markerAndESP() throws {
        let ike = try CorpusFrame("tcpdump/isakmp4500.pcap", 7).packet
        #expect(ike.layers.map(\.kind) == [.ethernet, .ipv4, .udp, .udpEncapsulation, .isakmp])
        let esp = try CorpusFrame("tcpdump/isakmp4500.pcap", 12).packet
        #expect(esp.layers.map(\.kind) == [.ethernet, .ipv4, .udp, .esp])
        #expect(esp.esp?.spi == 0xf4dc_0ae5 && esp.esp?.sequence == 1)
    }

    /// SYNTHETIC (no capture holds one): a 3-byte payload on 4500 is neither keepalive, marker nor
    /// a whole ESP header, so it stops as malformed (the UDP length bounds it), never trapping.
    @Test func shortPayloadIsMalformed() {
        let frame = hexBytes("""
            ffffffffffff 000000000001 0800
            45000023 00010000 4011 0000 0a000001 0a000002
            11941194 000f0000 000000
            """)
        let p = decodeBytes(frame)
        #expect(p.layers.map(\.kind) == [.ethernet, .ipv4, .udp])
        #expect(p.stop?.layer == .esp && p.stop?.reason == .malformed)
    }
}
