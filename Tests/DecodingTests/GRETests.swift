import Capture
import Decoding
import Testing
import TestSupport

@Suite struct GRETests {
    /// PcapPlusPlus/GrePackets.pcap frame 4 (libpcap cannot open that pcapng, so the bytes were taken
    /// with `tshark -x`): GRE v0 with checksum, IPv4 inside.
    static let v0Checksum = hexBytes("""
        00 01 01 00 00 01 00 01 01 00 00 02 08 00 45 00 00 3f 00 01 00 00 40 2f 7c 8d 7f 00 00 01 7f 00
        00 01 80 00 08 00 77 ff 00 00 45 00 00 23 4c 0f 00 00 40 01 30 c9 7f 00 00 01 7f 00 00 01 00 00
        e2 26 a6 ec 00 01 76 61 6c 69 64 20 30
        """)
    /// PcapPlusPlus/GrePackets.pcap frame 7: GRE v0 with key, transparent Ethernet (0x6558) inside.
    static let v0Ethernet = hexBytes("""
        00 ae f3 52 aa d1 00 02 15 37 a2 44 08 00 45 00 00 52 00 01 00 00 40 2f 70 73 01 02 03 04 04 03
        02 01 20 00 65 58 00 00 fd e8 00 01 02 03 04 05 00 01 23 45 56 78 08 00 45 00 00 28 00 01 00 00
        40 06 66 c7 0a 00 00 04 0a 00 00 05 04 d0 00 50 00 00 00 00 00 00 00 00 50 02 20 00 76 ba 00 00
        """)
    /// PcapPlusPlus/GrePackets.pcap frame 2: enhanced GRE v1, acknowledgment only (no payload).
    static let v1AckOnly = hexBytes("""
        00 0d ed 7b 48 f4 00 90 4b 1f a4 f7 08 00 45 00 00 20 07 36 00 00 80 2f ac e9 c0 a8 02 41 c0 a8
        02 fe 20 81 88 0b 00 00 00 06 00 00 00 1a
        """)

    @Test func v0WithChecksumCarriesIPv4() throws {
        let p = decodeBytes(Self.v0Checksum)
        let gre = try #require(p.gre)
        #expect(gre.flagsAndVersion == 0x8000)
        #expect(gre.version == 0)
        #expect(gre.checksum == 0x77FF)
        #expect(gre.key == nil && gre.sequence == nil)
        #expect(gre.protocolType == .ipv4)
        #expect(p.kinds == [.ethernet, .ipv4, .gre, .ipv4, .icmp])
        #expect(gre.summary == "GRE v0 IPv4")
    }

    @Test func v0WithKeyCarriesEthernet() throws {
        let p = decodeBytes(Self.v0Ethernet)
        let gre = try #require(p.gre)
        #expect(gre.key == 0xFDE8)
        #expect(gre.protocolType == .transparentEthernet)
        #expect(p.kinds == [.ethernet, .ipv4, .gre, .ethernet, .ipv4, .tcp])
    }

    @Test func v1AckOnlyHasNoPayload() throws {
        let p = decodeBytes(Self.v1AckOnly)
        let gre = try #require(p.gre)
        #expect(gre.version == 1)
        #expect(gre.payloadLength == 0)
        #expect(gre.callID == 6)
        #expect(gre.sequence == nil)
        #expect(gre.acknowledgment == 0x1A)
        #expect(p.stop == nil)
        #expect(gre.summary == "GRE v1 call=6 ack=26 (ack only)")
    }

    /// john-samples/lulu-password-pptp.pcap frame 17: GRE v1 with sequence and ack, PPP LCP inside.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func v1WithSequenceAndAck() throws {
        let p = try corpusFrame("john-samples/lulu-password-pptp.pcap", 17)
        let gre = try #require(p.gre)
        #expect(gre.flagsAndVersion == 0x3081)
        #expect(gre.callID == 256)
        #expect(gre.sequence == 0 && gre.acknowledgment == 0)
        #expect(gre.summary == "GRE v1 call=256 seq=0 ack=0 PPP")
        #expect(p.kinds == [.ethernet, .ipv4, .gre, .ppp, .pppControl])
    }

    /// packetnet/gre_all_options.pcap frame 1: key and sequence number.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func v0KeyAndSequence() throws {
        let gre = try #require(try corpusFrame("packetnet/gre_all_options.pcap", 1).gre)
        #expect(gre.key == 0x1D97C)
        #expect(gre.sequence == 5)
    }

    /// zeek/gre-within-gre.pcap frame 1: GRE in IPv4 in GRE. With maxTunnelDepth 1 the inner GRE
    /// stops with `.limit`.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func tunnelDepthIsBounded() throws {
        let file = try PcapFile(path: Corpus.publicPath("zeek/gre-within-gre.pcap"))
        let frame = try #require(try file.next())
        #expect(Dissector().decode(frame).kinds.filter { $0 == .gre }.count == 2)
        var limits = DecodeLimits()
        limits.maxTunnelDepth = 1
        let p = Dissector(limits: limits).decode(frame)
        #expect(p.kinds.filter { $0 == .gre }.count == 1)
        #expect(p.stop?.reason == .limit)
    }

    /// Every prefix of a real GRE v1 frame stops cleanly and never invents layers.
    @Test func everyPrefixStopsCleanly() {
        let full = decodeBytes(Self.v0Ethernet).layers.count
        for n in 0..<Self.v0Ethernet.count {
            let p = decodeBytes(Array(Self.v0Ethernet.prefix(n)), originalLength: Self.v0Ethernet.count)
            #expect(p.layers.count <= full)
            // A cut exactly at a header's end leaves an empty payload and no stop; any other cut is
            // reported as a snaplen truncation.
            #expect(p.stop.map { $0.reason == .truncated } ?? true, "prefix \(n): \(String(describing: p.stop))")
        }
    }
}
