import Capture
import Decoding
import TestSupport
import Testing

@Suite struct IPv4Tests {
    @Test func ipv6InIPv4() {
        let p = decodeBytes(LowerFixtures.sixInFour)
        #expect(kinds(p) == [.ethernet, .ipv4, .ipv6, .udp])
        #expect(p.ipv4?.protocolNumber == .ipv6)
        #expect(p.ipv6?.source == IPAddress("dead::beef"))
        #expect(p.udp?.sourcePort == 30000 && p.udp?.destinationPort == 13000)
        #expect(p.stop == nil)
    }

    @Test func ipInIP() {
        let p = decodeBytes(LowerFixtures.fourInFour)
        #expect(kinds(p) == [.ethernet, .ipv4, .ipv4, .udp])
        #expect(summaries(p)[1] == "IP 1.2.3.4 > 5.6.7.8 IPIP ttl=64 len=52")
        #expect(summaries(p)[2] == "IP 10.0.0.1 > 10.0.0.2 UDP ttl=64 len=32")
    }

    @Test func tunnelNestingIsBounded() {
        // Synthetic: IPv4 protocol 4 nested maxTunnelDepth + 1 times (the headers of zeek/4in4.pcap).
        let depth = DecodeLimits.standard.maxTunnelDepth + 1
        let bytes = (0...depth).flatMap { level -> [UInt8] in
            var header = Array(LowerFixtures.fourInFour[14..<34])
            header[3] = UInt8((depth + 1 - level) * 20)  // total length: this header and those inside
            return header
        }
        let p = decodeBytes(bytes, linkType: .raw)
        #expect(p.stop?.reason == .limit)
        #expect(p.layers.count == depth)
    }

    @Test func fragmentSummary() {
        let p = decodeBytes(LowerFixtures.pppFragments[1], linkType: .ppp)
        #expect(summaries(p)[1] == "IP 1.1.1.1 > 2.2.2.2 TCP ttl=64 len=28 frag id=1 off=8 MF")
    }
}
