import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct ESPTests {
    /// tcpdump/02-sunrise-sunset-esp.pcap frames 1…8: raw ESP (IP protocol 50), SPI 0x12345678,
    /// sequence 1…8 (tshark esp.spi / esp.sequence).
    @Test func rawESP() throws {
        let packets = try decodeFile(Corpus.publicPath("tcpdump/02-sunrise-sunset-esp.pcap"))
        #expect(packets.map { $0.esp?.spi } == Array(repeating: 0x1234_5678, count: 8))
        #expect(packets.map { $0.esp?.sequence } == (1...8).map { UInt32($0) })
        let esp = try #require(packets.first?.esp)
        #expect(esp.summary == "ESP spi=0x12345678 seq=1")
        #expect(esp.payloadLength == esp.payload.count && esp.payloadLength > 0)
        #expect(packets.allSatisfy { $0.stop == nil })
    }

    /// arkime/ah-esp.pcap frame 1: AH (SPI and sequence) then ESP spi=0x48dac2e4 seq=1; decoding
    /// continues after AH with its next header.
    @Test func ahThenESP() throws {
        let p = try CorpusFrame("arkime/ah-esp.pcap", 1).packet
        let ah = try #require(p.ah)
        #expect(ah.nextHeader == .esp)
        #expect(ah.headerLength == 24 && ah.icvLength == 12)   // HMAC-96
        #expect(p.esp?.spi == 0x48da_c2e4 && p.esp?.sequence == 1)
        #expect(p.layers.map(\.kind) == [.ethernet, .ipv4, .ah, .esp])
    }

    /// tcpdump/espudp1.pcap: ESP in UDP 4500 (RFC 3948) — no marker, straight to ESP.
    @Test func espInUDP() throws {
        let packets = try decodeFile(Corpus.publicPath("tcpdump/espudp1.pcap"))
        #expect(!packets.isEmpty)
        for p in packets {
            #expect(p.layers.map(\.kind) == [.ethernet, .ipv4, .udp, .esp])
            #expect(p.esp?.spi != 0)
        }
    }

    /// Every prefix of an AH+ESP frame stops cleanly.
    @Test func everyPrefixStopsCleanly() throws {
        let f = try CorpusFrame("arkime/ah-esp.pcap", 1)
        for p in f.prefixes() { #expect(p.layers.count <= f.packet.layers.count) }
    }
}
