import Capture
import Decoding
import TestSupport
import Testing

/// One line per layer, as `vpndoctor packets` prints them (test helper).
func summaries(_ packet: DecodedPacket) -> [String] { packet.layers.map(\.summary) }

func kinds(_ packet: DecodedPacket) -> [LayerKind] { packet.layers.map(\.kind) }

/// Real frames (and the few synthetic ones, marked) shared by the lower-layer tests.
enum LowerFixtures {
    /// nDPI/dns.pcap (pcapng) frame 4: 802.1Q 421 + 802.1Q 785 (QinQ), PPPoE session 0x556a, IPv4,
    /// UDP 47255 > 53. tshark: vlan.id 421,785; pppoe.session_id 0x556a.
    static let qinqPPPoE = hexBytes("""
        00000000 0001d494 e80eadc1 810001a5 81000311 88641100 556a003f 00214500
        003d0000 40004011 84a152b2 71f552b2 9eb5b897 00350029 b67d7843 01000001
        00000000 00000265 37087768 61747361 7070036e 65740000 010001
        """)

    /// PcapPlusPlus/PPPoESession.pcap frame 1: PPPoE session 0x11 carrying LCP Configure-Ack.
    static let pppoeLCP = hexBytes("""
        ca010e88 0006cc05 0e880000 88641100 00110014 c0210202 00120104 05dc0304
        c0230506 01fccbfb 00000000 00000000 00000000 00000000 00000000
        """)

    /// arkime/pppoe.pcap frame 2: PPPoE, IPv4, TCP 443 > 1063 SYN-ACK with a 4-byte MSS option.
    /// tshark: seq_raw 115958998, ack_raw 3913451350, win 16384, hdr_len 24, flags 0x012.
    static let pppoeTCPSynAck = hexBytes("""
        0011f513 d7a30090 1aa03da4 88641100 069d002e 00214500 002c082f 40006d06
        64b3400c bdd9acca f63901bb 042706e9 64d6e942 87566012 4000d555 00000204
        0550
        """)

    /// zeek/6in4.pcap frame 1: IPv4 1.2.3.4 > 5.6.7.8 protocol 41, IPv6 dead::beef > cafe::babe, UDP.
    static let sixInFour = hexBytes("""
        0010db88 d2efc8bc c896d2a0 08004500 00480001 00004029 6a790102 03040506
        07086000 0000000c 1140dead 00000000 00000000 00000000 beefcafe 00000000
        00000000 00000000 babe7530 32c8000c 83d25858 5858
        """)

    /// zeek/4in4.pcap frame 1: IPv4 1.2.3.4 > 5.6.7.8 protocol 4, IPv4 10.0.0.1 > 10.0.0.2, UDP.
    static let fourInFour = hexBytes("""
        0010db88 d2efc8bc c896d2a0 08004500 00340001 00004004 6ab20102 03040506
        07084500 00200001 00004011 66ca0a00 00010a00 00027530 32c8000c 932a5858
        5858
        """)

    /// zeek/ip6_esp.pcap frame 1: IPv6 with a hop-by-hop header (router alert), ICMPv6 143 (MLDv2).
    static let ipv6HopByHopMLD = hexBytes("""
        33330000 00160011 434ad70a 86dd6000 0000004c 0001fe80 00000000 00000211
        43fffe4a d70aff02 00000000 00000000 00000000 00163a00 05020000 01008f00
        7a190000 00030400 0000ff02 00000000 00000000 0001ff00 00010400 0000ff02
        00000000 00000000 0001ff00 00000400 0000ff02 00000000 00000000 0001ff4a
        d70a
        """)

    /// nDPI/anyconnect-vpn.pcap frame 95: ICMP port unreachable from 10.0.0.227 to 75.75.76.76,
    /// quoting the DNS answer UDP 75.75.76.76:53 > 10.0.0.227:63107 (tshark: icmp 3/3).
    static let icmpPortUnreachable = hexBytes("""
        2c7e81b0 4aa13436 3bcf7528 08004500 00387506 00004001 63450a00 00e34b4b
        4c4c0303 05da0000 00004500 007e0000 40003611 a1f54b4b 4c4c0a00 00e30035
        f683006a 0000
        """)

    /// tcpdump/icmp-rfc5837.pcap frame 1 (DLT_PPP, FF 03 framing): ICMP time exceeded from
    /// 10.4.0.2, quoting a traceroute probe UDP 12.4.4.4:42315 > 12.1.1.1:33440, with RFC 5837
    /// interface information after the quote.
    static let pppICMPTimeExceeded = hexBytes("""
        ff030021 450000f0 e7204000 fe017ade 0a040002 0c040404 0b00ccff 00000000
        45000028 a5510000 0111f76a 0c040404 0c010101 a54b82a0 00140000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        2000246c 0050020e 0000000f 00010000 0a0a0a0a 40546869 732d6973 2d746865
        2d6e616d 652d6f66 2d746865 2d496e74 65726661 63652d74 6861742d 77652d61
        72652d6c 6f6f6b69 6e672d66 6f722d5b 3a2d295d
        """)

    /// suricata-verify/frag-ppp-ip-tcp-syn.pcap frames 1–3 (DLT_PPP with protocol-field
    /// compression: a single 0x21 byte): three 8-byte IPv4 fragments, id 1, of a TCP SYN
    /// 12345 > 8080 with a 24-byte header.
    static let pppFragments = [
        hexBytes("21450000 1c000120 00400654 d6010101 01020202 0230391f 90000000 01"),
        hexBytes("21450000 1c000120 01400654 d5010101 01020202 02000000 00600220 00"),
        hexBytes("21450000 1c000100 02400674 d4010101 01020202 02190c00 0003030e 00"),
    ]

    /// openswan/lp08-parentR1/parentI1.pcap frame 1, first 64 of 684 bytes (DLT_NULL, family 2
    /// stored little-endian): IPv4 192.168.1.1 > 132.213.238.7, UDP 500 > 500, IKEv2 header.
    static let nullIKE = hexBytes("""
        02000000 450002a8 00000000 40110000 c0a80101 84d5ee07 01f401f4 02940000
        80010203 04050607 00000000 00000000 21202208 00000000 0000028c 2200010c
        """)

    /// suricata-verify/IKEv2_SA_INIT_2-8-weak.pcap frame 1, first 48 of 268 bytes (LINKTYPE_RAW 101).
    static let rawIKE = hexBytes("""
        4500010c 00000000 40119699 d49e9d02 d49e9d08 01f401f4 00f80000 61d3693c
        e12af528 00000000 00000000 28202208
        """)

    /// Synthetic (no SLL capture in the corpus): Linux cooked v1, outgoing, ARPHRD_ETHER, 6-byte
    /// address, EtherType IPv4; then the IPv4/UDP header of `rawIKE`.
    static let sll = hexBytes("0004 0001 0006 0011 2233 4455 0000 0800") + rawIKE
    /// Synthetic: Linux cooked v2, EtherType IPv6, ifindex 3, ARPHRD_PPP, "to us", no address;
    /// then the IPv6 header of `sixInFour`'s inner packet.
    static let sll2 = hexBytes("86dd 0000 00000003 0200 00 00 0000000000000000") + Array(sixInFour[34...])
}

@Suite struct LinkTests {
    @Test func qinqThenPPPoESession() throws {
        let p = decodeBytes(LowerFixtures.qinqPPPoE)
        #expect(kinds(p) == [.ethernet, .vlan, .vlan, .pppoe, .ppp, .ipv4, .udp, .dns])
        #expect(p.stop == nil)
        guard case .vlan(let outer) = p.layers[1], case .vlan(let inner) = p.layers[2],
              case .pppoe(let pppoe) = p.layers[3], case .ppp(let ppp) = p.layers[4] else {
            Issue.record("layers: \(summaries(p))")
            return
        }
        #expect(outer.id == 421 && inner.id == 785)
        #expect(pppoe.sessionID == 0x556a && pppoe.length == 63)
        #expect(!ppp.addressControlPresent && ppp.protocolNumber == .ipv4)
        #expect(p.ipv4?.source == IPAddress("82.178.113.245"))
        #expect(p.udp?.sourcePort == 47255 && p.udp?.destinationPort == 53)
        #expect(summaries(p)[3] == "PPPoE session 0x556a len=63")
    }

    @Test func pppoeLCPGoesToThePPPControlDecoder() {
        let p = decodeBytes(LowerFixtures.pppoeLCP)
        #expect(kinds(p) == [.ethernet, .pppoe, .ppp, .pppControl])
        #expect(p.stop == nil)
        if case .ppp(let h) = p.layers[2] { #expect(h.protocolNumber == .lcp && h.protocolNumber.isControl) }
    }

    @Test func dltPPPWithAddressControlAndFullProtocol() {
        let p = decodeBytes(LowerFixtures.pppICMPTimeExceeded, linkType: .ppp)
        #expect(kinds(p) == [.ppp, .ipv4, .icmp])
        if case .ppp(let h) = p.layers[0] {
            #expect(h.addressControlPresent && !h.protocolCompressed && h.protocolNumber == .ipv4)
        }
    }

    @Test func dltPPPWithCompressedProtocol() {
        let p = decodeBytes(LowerFixtures.pppFragments[0], linkType: .ppp)
        #expect(kinds(p) == [.ppp, .ipv4])
        if case .ppp(let h) = p.layers[0] { #expect(!h.addressControlPresent && h.protocolCompressed) }
        #expect(p.stop?.reason == .fragment)
    }

    @Test func bsdNullLittleEndianFamily() {
        let p = decodeBytes(LowerFixtures.nullIKE, linkType: .null, originalLength: 684)
        #expect(kinds(p) == [.null, .ipv4, .udp, .ikev2])
        if case .loopback(let h) = p.layers[0] { #expect(h.family == .ipv4 && h.littleEndian) }
        #expect(p.ipv4?.destination == IPAddress("132.213.238.7"))
    }

    @Test func loopIsAlwaysBigEndian() {
        // Synthetic: DLT_LOOP with family 24 (IPv6, OpenBSD) in network order.
        let p = decodeBytes(hexBytes("00000018") + Array(LowerFixtures.sixInFour[34...]), linkType: .loop)
        #expect(kinds(p) == [.null, .ipv6, .udp])
        if case .loopback(let h) = p.layers[0] { #expect(h.family.isIPv6 && !h.littleEndian) }
    }

    @Test(arguments: [LinkType.raw, .rawOpenBSD, .linktypeRaw, .ipv4])
    func rawIPv4(_ linkType: LinkType) {
        let p = decodeBytes(LowerFixtures.rawIKE, linkType: linkType, originalLength: 268)
        #expect(kinds(p) == [.ipv4, .udp])
        #expect(p.ipv4?.source == IPAddress("212.158.157.2"))
    }

    @Test func rawIPv6ByVersionNibble() {
        let p = decodeBytes(Array(LowerFixtures.sixInFour[34...]), linkType: .raw)
        #expect(kinds(p) == [.ipv6, .udp])
        let wrong = decodeBytes(Array(LowerFixtures.sixInFour[34...]), linkType: .ipv4)
        #expect(wrong.stop?.reason == .malformed && wrong.stop?.error?.code == .badVersion)
    }

    @Test func linuxCookedV1AndV2() {
        let v1 = decodeBytes(LowerFixtures.sll, linkType: .linuxSLL, originalLength: 16 + 268)
        #expect(kinds(v1) == [.linuxSLL, .ipv4, .udp])
        if case .linuxSLL(let h) = v1.layers[0] {
            #expect(h.packetType == .outgoing && h.hardwareType == .ethernet && h.addressLength == 6)
            #expect(h.address == 0x0011_2233_4455_0000 && h.protocolType == .ipv4)
        }
        let v2 = decodeBytes(LowerFixtures.sll2, linkType: .linuxSLL2)
        #expect(kinds(v2) == [.linuxSLL2, .ipv6, .udp])
        if case .linuxSLL(let h) = v2.layers[0] {
            #expect(h.interfaceIndex == 3 && h.hardwareType == .ppp && h.packetType == .host)
        }
    }

    @Test func unknownLinkTypeIsUnsupported() {
        let p = decodeBytes([1, 2, 3, 4], linkType: LinkType(rawValue: 147))
        #expect(p.layers.isEmpty && p.stop?.reason == .unsupported && p.stop?.layer == .link)
    }

    @Test func pppProtocolNames() {
        #expect(PPPProtocol.chap.description == "CHAP")
        #expect(PPPProtocol(rawValue: 0x1234).description == "unknown(4660)")
        #expect(PPPProtocol.ipcp.isControl && !PPPProtocol.ipv4.isControl)
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func corpusPPPoEAndPPPFilesDecodeToIP() throws {
        // Every frame of these files carries IP over PPPoE or PPP (tshark: pppoes/ppp + ip/ipv6).
        for (file, ipFrames) in [("arkime/pppoe.pcap", 10), ("nDPI/dlt_ppp.pcap", 1), ("PcapPlusPlus/PPPoESession.pcap", 1)] {
            let packets = try decodeFile(Corpus.publicPath(file))
            #expect(packets.filter { $0.ipv4 != nil || $0.ipv6 != nil }.count == ipFrames, "\(file)")
        }
    }
}
