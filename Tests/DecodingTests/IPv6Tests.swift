import Capture
import Decoding
import TestSupport
import Testing

@Suite struct IPv6Tests {
    @Test func hopByHopThenICMPv6() {
        let p = decodeBytes(LowerFixtures.ipv6HopByHopMLD)
        #expect(kinds(p) == [.ethernet, .ipv6, .icmpv6])
        guard let h = p.ipv6 else { return }
        // tshark: ipv6.nxt 0, ipv6.hopopts.nxt 58, ipv6.plen 76, icmpv6.type 143.
        #expect(h.nextHeader == .hopByHop && h.upperProtocol == .icmpv6 && h.payloadLength == 76)
        #expect(h.extensionHeaders == [.hopByHop] && h.extensionLength == 8 && h.fragment == nil)
        #expect(h.source == IPAddress("fe80::211:43ff:fe4a:d70a") && h.destination == IPAddress("ff02::16"))
        #expect(p.icmpv6?.type.rawValue == 143 && p.icmpv6?.quote == nil)
    }

    @Test func fragmentHeaderFieldsAreRecorded() {
        // suricata-verify/frag-ppp-ipv6-tcp.pcap frame 2 rebuilt from its header fields (the frame
        // is 505 bytes): fragment id 0x231a6066, offset 57 × 8 = 456, M set. Synthetic bytes, real values.
        let header = hexBytes("""
            60000000 00102c40 00000000 00000000 00000000 00000001 00000000 00000000 00000000 00000001
            06 00 01c9 231a6066
            """) + [UInt8](repeating: 0xAB, count: 8)
        let p = decodeBytes(header, linkType: .raw)
        #expect(kinds(p) == [.ipv6])
        #expect(p.stop?.reason == .fragment && p.stop?.layer == .ipv6)
        let f = p.ipv6?.fragment
        #expect(f?.identification == 0x231a_6066 && f?.offset == 456 && f?.moreFragments == true && f?.nextHeader == .tcp)
        #expect(p.ipv6?.payload.count == 8)
    }

    @Test func atomicFragmentIsAWholeDatagram() {
        // Synthetic (RFC 6946 atomic fragment): Fragment header with offset 0 and M clear, then UDP.
        let bytes = hexBytes("""
            60000000 00101140 00000000 00000000 00000000 00000001 00000000 00000000 00000000 00000002
            11000000 00000007 01f401f4 00080000
            """)
        var fixed = bytes
        fixed[6] = 44  // next header: Fragment
        let p = decodeBytes(fixed, linkType: .raw)
        #expect(kinds(p) == [.ipv6, .udp])
        #expect(p.ipv6?.fragment?.isFragment == false && p.ipv6?.upperProtocol == .udp)
    }

    @Test func truncatedFragmentHeaderKeepsTheAddresses() {
        // tcpdump-malformed/ip6_frag_asan.pcap frame 1 (caplen 60 of 262144): the Fragment header
        // is cut after 6 bytes. tshark: "Packet size limited during capture: IPv6 Fragment truncated".
        let bytes = hexBytes("""
            c0ceffa0 00040000 2949ff75 86dd651b 21006a00 2c100452 00220019 0000041a
            e4ff10ff 484d2243 00801400 01000019 ffffffff fffb0bff 00000100
            """)
        let p = decodeBytes(bytes, originalLength: 262_144)
        #expect(kinds(p) == [.ethernet, .ipv6])
        #expect(p.stop?.reason == .truncated && p.stop?.layer == .ipv6)
        #expect(p.ipv6?.source == IPAddress("452:22:19:0:41a:e4ff:10ff:484d"))
        #expect(p.ipv6?.trafficClass == 0x51 && p.ipv6?.flowLabel == 0xb2100)
    }

    @Test func extensionHeaderChainIsBounded() {
        // Synthetic: nine destination-options headers; the ninth exceeds maxIPv6ExtensionHeaders (8).
        let limit = DecodeLimits.standard.maxIPv6ExtensionHeaders
        var bytes = hexBytes("6000000000483c40") + [UInt8](repeating: 0, count: 32)
        for _ in 0...limit { bytes += [60, 0, 1, 4, 0, 0, 0, 0] }
        bytes[5] = UInt8((limit + 1) * 8)
        let p = decodeBytes(bytes, linkType: .raw)
        #expect(p.stop?.reason == .limit && p.stop?.layer == .ipv6)
        #expect(p.ipv6?.extensionHeaders == [.destinationOptions])
    }

    @Test func extensionLengthBeyondPayloadLengthIsMalformed() {
        // Synthetic: payload length 8 but the hop-by-hop header claims 16 bytes.
        let bytes = hexBytes("6000000000080040") + [UInt8](repeating: 0, count: 32) + [17, 1, 0, 0, 0, 0, 0, 0]
            + [UInt8](repeating: 0, count: 8)
        let p = decodeBytes(bytes, linkType: .raw)
        #expect(p.stop?.reason == .malformed && p.stop?.error?.lengthSource == .ipv6PayloadLength)
    }

    @Test func summary() {
        let p = decodeBytes(LowerFixtures.sixInFour)
        #expect(summaries(p)[2] == "IP6 dead::beef > cafe::babe UDP hlim=64 len=12")
    }
}
