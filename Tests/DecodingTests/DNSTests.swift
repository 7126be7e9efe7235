import Capture
import Decoding
import Testing
import TestSupport

@Suite struct DNSTests {
    /// packetnet/udp_dns_request_response.pcap frames 1, 2: A query, response with a CNAME and A
    /// records (compressed names).
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func queryAndResponse() throws {
        let file = "packetnet/udp_dns_request_response.pcap"
        let q = try #require(try corpusFrame(file, 1).dns)
        #expect(!q.isResponse && q.recursionDesired)
        #expect(q.questions.map(\.name) == ["mail.google.com"] && q.questions.first?.type == .a)
        #expect(q.summary == "DNS query A mail.google.com")
        let r = try #require(try corpusFrame(file, 2).dns)
        #expect(r.id == q.id && r.isResponse && r.rcode == .noError)
        #expect(r.answers.first?.data == .name("googlemail.l.google.com"))
        #expect(r.answers.dropFirst().map(\.data).contains(.address(IPAddress("72.14.205.19")!)))
    }

    /// tcpdump/dns_tcp.pcap frame 4: DNS over TCP with its 2-byte length prefix.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func overTCP() throws {
        let d = try #require(try corpusFrame("tcpdump/dns_tcp.pcap", 4).dns)
        #expect(d.overTCP && d.questions.first?.name == "www.tcpdump.org")
    }

    /// PcapPlusPlus/GrePackets.pcap frame 6 (bytes from `tshark -x`): an NXDOMAIN inside
    /// PPTP GRE/PPP/IPv4/UDP. Its outer Ethernet/VLAN/IPv6/IPv4-in-IPv6 headers are replaced by a plain
    /// Ethernet header (IPv6 is not on this branch); everything from the inner IPv4 on is real.
    @Test func nxdomainInsidePPTP() throws {
        let bytes = hexBytes("00 00 00 00 00 01 00 00 00 00 00 02 08 00") + hexBytes("""
            45 00 00 d2 86 d7 40 00 40 2f 3b 8f c0 34 a6 9a 10 00 00 c8 30 01 88 0b 00 b2 00 11 00 08 3a b8
            ff 03 00 21 45 00 00 ae 03 06 00 00 32 11 9d 16 08 08 08 08 ac 10 2c 03 00 35 9f 40 00 9a bb da
            a6 2c 81 83 00 01 00 00 00 01 00 00 35 78 71 74 2d 64 65 74 65 63 74 2d 6d 6f 64 65 32 2d 39 37
            37 31 32 65 38 38 2d 31 36 37 61 2d 34 35 62 39 2d 39 33 65 65 2d 39 31 33 31 34 30 65 37 36 36
            37 38 00 00 1c 00 01 00 00 06 00 01 00 00 02 f5 00 40 01 61 0c 72 6f 6f 74 2d 73 65 72 76 65 72
            73 03 6e 65 74 00 05 6e 73 74 6c 64 0c 76 65 72 69 73 69 67 6e 2d 67 72 73 03 63 6f 6d 00 78 0d
            09 09 00 00 07 08 00 00 03 84 00 09 3a 80 00 01 51 80
            """)
        let p = decodeBytes(bytes)
        #expect(p.kinds == [.ethernet, .ipv4, .gre, .ppp, .ipv4, .udp, .dns])
        let d = try #require(p.dns)
        #expect(d.rcode == .nxDomain && d.id == 0xA62C)
        #expect(d.summary == "DNS response NXDOMAIN xqt-detect-mode2-97712e88-167a-45b9-93ee-913140e76678")
    }

    /// Synthetic (a loop cannot be found in a sane capture): a name whose compression pointer
    /// points at itself, and one pointing forward, are malformed, never followed.
    @Test func compressionPointersMustGoBackwards() {
        // header: id 1, flags 0x0100, 1 question; question name at offset 12 = pointer to 12.
        let selfLoop: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]
        let forward: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 16, 0, 1, 0, 1, 0]
        for message in [selfLoop, forward] {
            let p = decodeBytes(Self.udp53(message))
            #expect(p.dns == nil)
            #expect(p.stop?.reason == .malformed && p.stop?.layer == .dns)
        }
    }

    /// Synthetic: a name longer than 255 bytes on the wire is rejected.
    @Test func nameLengthIsBounded() {
        var message: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { message += [63] + Array(repeating: 0x61, count: 63) }
        message += [0, 0, 1, 0, 1]
        let p = decodeBytes(Self.udp53(message))
        #expect(p.dns == nil && p.stop?.reason == .malformed)
    }

    /// Synthetic (the corpus has no name this long): a name of exactly 255 bytes on the wire is read
    /// whole, its 253 bytes of text filling most of `readName`'s stack buffer.
    @Test func longestNameIsRead() throws {
        var message: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<3 { message += [63] + Array(repeating: 0x61, count: 63) }
        message += [61] + Array(repeating: 0x62, count: 61) + [0, 0, 1, 0, 1]
        let d = try #require(decodeBytes(Self.udp53(message)).dns)
        let a = String(repeating: "a", count: 63)
        #expect(d.questions.first?.name == "\(a).\(a).\(a).\(String(repeating: "b", count: 61))")
    }

    /// Synthetic (no capture in the corpus has bad UTF-8 in a name): a label ending inside a UTF-8
    /// sequence and the next starting with a continuation byte each get their own U+FFFD, as when
    /// each label was decoded on its own; the bytes are never joined across the dot into "é".
    @Test func badUTF8IsRepairedPerLabel() throws {
        let message: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0x61, 0xC3, 2, 0xA9, 0x62, 0, 0, 1, 0, 1]
        let d = try #require(decodeBytes(Self.udp53(message)).dns)
        #expect(d.questions.first?.name == "a\u{FFFD}.\u{FFFD}b")
    }

    /// Wraps a DNS message in Ethernet/IPv4/UDP 53 (addresses and checksums zero).
    static func udp53(_ dns: [UInt8]) -> [UInt8] {
        let udpLength = 8 + dns.count, ipLength = 20 + udpLength
        return [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00]
            + [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xFF), 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
            + [0x30, 0x39, 0, 53, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0] + dns
    }
}
