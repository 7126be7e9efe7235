import Capture
import Decoding
import TestSupport
import Testing

@Suite struct ICMPTests {
    @Test func portUnreachableQuotesTheUDPFlow() throws {
        let p = decodeBytes(LowerFixtures.icmpPortUnreachable)
        #expect(kinds(p) == [.ethernet, .ipv4, .icmp])
        let icmp = try #require(p.icmp)
        #expect(icmp.type == .destinationUnreachable && icmp.unreachableCode == .port)
        let q = try #require(icmp.quote)
        #expect(q.ipVersion == 4 && q.protocolNumber == .udp)
        #expect(q.source == IPAddress("75.75.76.76") && q.destination == IPAddress("10.0.0.227"))
        #expect(q.sourcePort == 53 && q.destinationPort == 63107 && q.datagramLength == 126)
        #expect(q.quotedLength == 28)
        #expect(icmp.summary == "ICMP port unreachable (UDP 75.75.76.76:53 > 10.0.0.227:63107)")
        // The quote is not a layer: the packet's own UDP accessor stays empty.
        #expect(p.udp == nil)
    }

    @Test func timeExceededOverPPP() throws {
        let p = decodeBytes(LowerFixtures.pppICMPTimeExceeded, linkType: .ppp)
        let icmp = try #require(p.icmp)
        #expect(icmp.type == .timeExceeded && icmp.code == 0)
        #expect(icmp.quote?.sourcePort == 42315 && icmp.quote?.destinationPort == 33440)
        #expect(icmp.summary == "ICMP time exceeded in transit (UDP 12.4.4.4:42315 > 12.1.1.1:33440)")
    }

    @Test func fragmentationNeededCarriesTheNextHopMTUAndESPSPI() throws {
        // Synthetic (no such message in the corpus): type 3 code 4, MTU 1400, quoting an ESP packet
        // 192.0.2.1 > 198.51.100.2 with SPI 0xc0ffee01.
        let bytes = hexBytes("""
            45000038 00000000 40016ea7 c6336401 c0000201
            0304 0000 0000 0578
            45000578 1234 4000 4032 0000 c0000201 c6336402 c0ffee01 00000011
            """)
        let p = decodeBytes(bytes, linkType: .raw)
        let icmp = try #require(p.icmp)
        #expect(icmp.unreachableCode == .fragmentationNeeded && icmp.nextHopMTU == 1400)
        #expect(icmp.quote?.spi == 0xc0ff_ee01 && icmp.quote?.datagramLength == 1400)
        #expect(icmp.summary == "ICMP fragmentation needed mtu=1400 (ESP 192.0.2.1 > 198.51.100.2 spi=0xc0ffee01)")
    }

    @Test func adminProhibitedWithShortQuote() throws {
        // Synthetic: code 13 quoting only 12 bytes of the IPv4 header: no addresses to report.
        let bytes = hexBytes("45000028 00000000 40010000 c6336401 c0000201 030d 0000 00000000 45000578 1234 4000 4011 0000")
        let p = decodeBytes(bytes, linkType: .raw)
        let icmp = try #require(p.icmp)
        #expect(icmp.unreachableCode?.isAdministrativelyProhibited == true)
        #expect(icmp.quote?.protocolNumber == .udp && icmp.quote?.source == nil)
        #expect(p.stop == nil)
    }

    @Test func natTQuoteReadsTheESPSPIAfterTheUDPHeader() throws {
        // Synthetic: port unreachable quoting UDP 4500 > 4500 followed by ESP SPI 0x01020304.
        let bytes = hexBytes("""
            4500003c 00000000 40010000 c6336401 c0000201 0303 0000 00000000
            45000100 0000 0000 4011 0000 c0000201 c6336402 1194 1194 00ec 0000 01020304
            """)
        let q = try #require(decodeBytes(bytes, linkType: .raw).icmp?.quote)
        #expect(q.sourcePort == 4500 && q.spi == 0x0102_0304)
    }

    @Test func icmpv6PacketTooBig() throws {
        // Synthetic (no ICMPv6 error in the corpus): packet too big, MTU 1280, quoting UDP 500 > 500.
        let bytes = hexBytes("""
            60000000 00383a40 20010db8 00000000 00000000 00000001 20010db8 00000000 00000000 00000002
            0200 0000 00000500
            60000000 05c81140 20010db8 00000000 00000000 00000002 20010db8 00000000 00000000 00000003
            01f4 01f4 05c8 0000
            """)
        let p = decodeBytes(bytes, linkType: .raw)
        let icmp = try #require(p.icmpv6)
        #expect(icmp.type == .packetTooBig && icmp.mtu == 1280)
        #expect(icmp.quote?.destination == IPAddress("2001:db8::3") && icmp.quote?.destinationPort == 500)
        #expect(icmp.summary == "ICMP6 packet too big mtu=1280 (UDP [2001:db8::2]:500 > [2001:db8::3]:500)")
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func unknownType() throws {
        // nDPI/malformed_icmp.pcap frame 1: ICMP type 165 (tshark: unknown type); no quote.
        let p = try decodeFile(Corpus.publicPath("nDPI/malformed_icmp.pcap"))
        #expect(p.first?.icmp?.type.rawValue == 165 && p.first?.icmp?.quote == nil)
    }

    @Test func echoRequestIdentifiers() {
        // Synthetic: echo request id 0x6337 seq 1 (the values of ferozbaig96-pcaps/isakmp.pcap frame 1).
        let p = decodeBytes(hexBytes("45000054 00000000 40010000 0a0000e9 ac1f2e6f 0800 0000 6337 0001"), linkType: .raw,
                            originalLength: 84)
        #expect(p.icmp?.echoIdentifier == 0x6337 && p.icmp?.echoSequence == 1)
        #expect(p.icmp?.summary == "ICMP echo request id=25399 seq=1")
    }
}
