import Capture
import Decoding
import Foundation
import TestSupport
import Testing

/// Compares, frame by frame over the whole public corpus, the outermost IPv4 and IPv6 addresses
/// and UDP and TCP ports we decode with tshark's first occurrence of the same fields (tshark 4.0,
/// our reference decoder). Both sides reassemble IP fragments (we through `PacketDecoder`).
///
/// Every disagreement must fall in a category below with its reason, within the category's files
/// and count bound (`limit`); anything else fails, and so does a category no longer used. Every
/// frame we read must have tshark's row to compare with, and our reader may stop short only in
/// the files `TsharkIKETests.damaged` lists: a reader or a tshark that gives nothing fails.
@Suite struct TsharkAddressTests {
    /// Why a disagreement is acceptable.
    enum Reason: String, CaseIterable {
        /// We stopped at a protocol this branch does not decode yet (GRE, ESP, AH, L2TP, PPP
        /// control, ARP, LLC…); tshark goes on to an inner IP header or transport. The tunnel and
        /// control-plane decoders shrink this category.
        case beyondUnsupportedLayer = "tshark decodes past a protocol we stop at (unsupported)"
        /// tshark dissects the IP/UDP/TCP header quoted inside an ICMP error as ordinary fields;
        /// we keep it as `ICMPQuote` (not a layer), and it agrees with tshark's values.
        case icmpQuote = "tshark shows the ports quoted inside an ICMP error; ours are in ICMPQuote"
        /// Our last layer is UDP or TCP and we do not look inside its payload (GTP-U, Teredo,
        /// VXLAN, GRE-in-UDP…); tshark's port heuristics find another IP header there.
        case tunnelInTransportPayload = "tshark decodes a tunnel inside a UDP/TCP payload we leave alone"
        /// The frame contradicts itself (a length field beyond its parent, a bad version) and we
        /// stop as malformed where tshark shows the field anyway, or the capture cut it.
        case damagedFrame = "frame is malformed or cut; tshark is more lenient about what it shows"
        /// The first fragment (offset 0) of a datagram that never completed — here always a frame
        /// the snaplen cut, which tshark cannot reassemble either — so tshark dissects the start of
        /// its payload. We stop at `.fragment` and decode layers past IP only from a whole datagram
        /// (the reassembler's `pending`/`expired` summaries carry the first fragment's ports).
        case unreassembledFirstFragment = "tshark dissects the payload of a first fragment that never completed"

        /// The files the category may apply to, and the most frames it may accept in all of them
        /// (measured with tshark 4.0 on the corpus as committed).
        var limit: (files: Set<String>, bound: Int) {
            switch self {
            case .beyondUnsupportedLayer: (["tcpdump/wccp_redirect_gre.pcap"], 1)  // GRE carrying WCCP (0x883E)
            case .icmpQuote: (["nDPI/anyconnect-vpn.pcap", "tcpdump/icmp-rfc5837.pcap", "zeek-spicy-openvpn/openvpn_udp_tls-auth.pcap",
                               "zeek/gre-sample.pcap"], 5)
            case .tunnelInTransportPayload: (["luguifang-protocol-pcap/esp.pcap"], 1)  // GTP-U
            case .damagedFrame: (["nDPI/ip_fragmented_garbage.pcap"], 2)
            case .unreassembledFirstFragment: (["tcpdump-malformed/esp_truncated.pcap", "tcpdump-malformed/ikev1_id_ipv6_addr_subnet-oobr.pcap",
                                                "tcpdump-malformed/isakmp-ikev1_n_print-oobr.pcap", "tcpdump-malformed/isakmp-various-oobr.pcap",
                                                "tcpdump-malformed/isakmpv1-attr-oobr.pcap"], 6)
            }
        }
    }

    struct Fields: Equatable {
        var ipSource, ipDestination, ipv6Source, ipv6Destination: IPAddress?
        var udpPorts, tcpPorts: [UInt16]?
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable && Tshark.available), .timeLimit(.minutes(10)))
    func outermostAddressesAndPortsMatchTshark() throws {
        var counts: [Reason: [String: Int]] = [:]
        var compared = 0
        for file in Corpus.publicFiles() {
            let path = Corpus.publicPath(file)
            let (ours, readError) = TsharkIKETests.decodeAll(path)
            #expect((readError != nil) == TsharkIKETests.damaged.contains(file), "\(file): our reader: \(readError.map { "\($0)" } ?? "no error")")
            let theirs = try Self.tsharkFields(path, frames: ours.count)
            var fileCompared = 0
            for (number, packet) in ours {
                guard let reference = theirs[number] else { continue }  // counted below
                fileCompared += 1
                let mine = Self.fields(of: packet)
                guard mine != reference else { continue }
                if let reason = Self.explain(mine: mine, reference: reference, packet: packet) {
                    counts[reason, default: [:]][file, default: 0] += 1
                } else {
                    Issue.record("""
                        \(file) frame \(number): ours \(mine), tshark \(reference); stop \
                        \(packet.stop.map { "\($0.reason) \($0.layer) \($0.detail ?? "")" } ?? "none")
                        """)
                }
            }
            #expect(fileCompared == ours.count, "\(file): \(fileCompared) of our \(ours.count) frames have a tshark row")
            compared += fileCompared
        }
        print("tshark comparison: \(compared) frames compared")
        for reason in Reason.allCases {
            expectWithin("\(reason)", accepted: counts[reason] ?? [:], files: reason.limit.files, bound: reason.limit.bound)
        }
        #expect(compared > 14_000)  // 15,379 measured
    }

    static func fields(of p: DecodedPacket) -> Fields {
        Fields(ipSource: p.ipv4?.source, ipDestination: p.ipv4?.destination, ipv6Source: p.ipv6?.source,
               ipv6Destination: p.ipv6?.destination, udpPorts: p.udp.map { [$0.sourcePort, $0.destinationPort] },
               tcpPorts: p.tcp.map { [$0.sourcePort, $0.destinationPort] })
    }

    /// Fields that differ are explained one by one; the frame is accepted when each is.
    static func explain(mine: Fields, reference: Fields, packet: DecodedPacket) -> Reason? {
        var reasons: [Reason?] = []
        func check<T: Equatable>(_ ours: T?, _ theirs: T?, ports: Bool) {
            guard ours != theirs else { return }
            reasons.append(self.reason(ours: ours == nil, theirs: theirs == nil, ports: ports,
                                       theirPorts: theirs as? [UInt16], packet: packet))
        }
        check(mine.ipSource, reference.ipSource, ports: false)
        check(mine.ipDestination, reference.ipDestination, ports: false)
        check(mine.ipv6Source, reference.ipv6Source, ports: false)
        check(mine.ipv6Destination, reference.ipv6Destination, ports: false)
        check(mine.udpPorts, reference.udpPorts, ports: true)
        check(mine.tcpPorts, reference.tcpPorts, ports: true)
        guard !reasons.contains(where: { $0 == nil }) else { return nil }
        return reasons.compactMap { $0 }.first
    }

    static func reason(ours oursMissing: Bool, theirs theirsMissing: Bool, ports: Bool, theirPorts: [UInt16]?,
                       packet: DecodedPacket) -> Reason? {
        if let quote = packet.icmp?.quote ?? packet.icmpv6?.quote, ports, oursMissing,
           theirPorts == [quote.sourcePort, quote.destinationPort].compactMap({ $0 }) {
            return .icmpQuote
        }
        guard oursMissing, !theirsMissing else { return nil }  // we show something tshark does not, or differ
        switch packet.stop?.reason {
        case .unsupported?: return .beyondUnsupportedLayer
        case .malformed?, .truncated?: return .damagedFrame
        case .fragment?:
            if case .ipv4(let h)? = packet.layers.last, h.fragmentOffset == 0 { return .unreassembledFirstFragment }
            if case .ipv6(let h)? = packet.layers.last, h.fragment?.offset == 0 { return .unreassembledFirstFragment }
            return nil
        case nil:
            if case .udp? = packet.layers.last { return .tunnelInTransportPayload }
            if case .tcp? = packet.layers.last { return .tunnelInTransportPayload }
            return nil
        default: return nil
        }
    }

    /// tshark's first occurrence of each field, by frame number.
    static func tsharkFields(_ path: String, frames: Int) throws -> [Int: Fields] {
        let names = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport"]
        let rows = try Tshark.fields(path, names, options: ["-E", "separator=/t", "-E", "occurrence=f"], frames: frames)
        return rows.mapValues { c in
            func ports(_ a: String, _ b: String) -> [UInt16]? {
                guard let a = UInt16(a), let b = UInt16(b) else { return nil }
                return [a, b]
            }
            return Fields(ipSource: IPAddress(c[0]), ipDestination: IPAddress(c[1]), ipv6Source: IPAddress(c[2]),
                          ipv6Destination: IPAddress(c[3]), udpPorts: ports(c[4], c[5]), tcpPorts: ports(c[6], c[7]))
        }
    }
}
