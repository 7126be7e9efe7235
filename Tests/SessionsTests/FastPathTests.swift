import Capture
import Decoding
@testable import Sessions
import Testing
import TestSupport

/// The analyzer's header-byte path (issue 7) is taken for the data-plane frames it claims: each
/// frame goes through `Analyzer.add(_:decoder:into:)` and its `Reading` is counted by what the
/// frame is (its decode, done apart). ESP, NAT-T ESP, PPTP GRE data and bulk TCP/UDP must all
/// come back `.dataPlane`, with the decode's addresses; control-plane frames (IKE, DNS, ICMP,
/// PPTP/L2TP/PPP control, NAT-T keepalives) must all be decoded. The other wire tests compare
/// the two ways' results, which agree just as well when the fast path is never taken.
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct FastPathTests {
    enum Shape: String, CaseIterable {
        case esp, nattESP, pptpGREData, bulkTCP, bulkUDP, wireguardData, openvpnData, controlPlane, other
    }

    static let controlLayers: Set<LayerKind> = [.isakmp, .ikev2, .dns, .icmp, .icmpv6, .pptp, .l2tp, .pppControl,
                                                 .udpEncapsulation]
    /// Ports a decoder of ours looks into (not bulk traffic).
    static let decodedPorts: Set<UInt16> = [53, 500, 1701, 1723, 4500, 4754]

    /// What a whole, unfragmented frame is, from its decode.
    static func shape(_ p: DecodedPacket) -> Shape {
        let kinds = p.layers.map(\.kind)
        if kinds.contains(where: Self.controlLayers.contains) { return .controlPlane }
        guard p.reassembledFrom.isEmpty, p.stop?.reason != .fragment, !p.frame.isTruncatedBySnaplen else { return .other }
        switch kinds.last {
        case .wireguard?: return p.wireguard?.type == .transportData ? .wireguardData : .controlPlane
        case .openvpn?: return p.openvpnPackets.allSatisfy(\.opcode.isData) ? .openvpnData : .controlPlane
        case .esp?: return kinds.contains(.udp) ? .nattESP : .esp
        case .ppp? where kinds.suffix(2) == [.gre, .ppp] && p.stop?.reason == .unsupported: return .pptpGREData
        // A TLS-VPN port's FIN or RST is decoded: it tells how its TLS connection ended (TLSTracker).
        case .tcp? where p.tcp.map { ProtocolRegistry.tcp($0.sourcePort, $0.destinationPort)?.service == .tls
            && !$0.flags.isDisjoint(with: [.fin, .rst]) } == true: return .controlPlane
        case .tcp?: return p.tcp.map { Self.decodedPorts.isDisjoint(with: [$0.sourcePort, $0.destinationPort]) } == true ? .bulkTCP : .other
        case .udp?: return p.udp.map { Self.decodedPorts.isDisjoint(with: [$0.sourcePort, $0.destinationPort]) } == true ? .bulkUDP : .other
        default: return .other
        }
    }

    /// Per shape: frames read from their header bytes, and frames decoded.
    struct Count: CustomStringConvertible {
        var fast = 0, decoded = 0
        var description: String { "\(fast) fast, \(decoded) decoded" }
    }

    /// Adds `frame` to `analyzer` and counts its reading under the frame's shape.
    static func add(_ frame: RawFrame, _ analyzer: inout Analyzer, _ decoder: inout PacketDecoder, _ packet: inout DecodedPacket,
                    checkDecoder: inout PacketDecoder, into counts: inout [Shape: Count]) {
        let decoded = checkDecoder.decode(frame)
        let shape = Self.shape(decoded)
        switch analyzer.add(frame, decoder: &decoder, into: &packet) {
        case .dataPlane(let source, let destination):
            counts[shape, default: Count()].fast += 1
            let ip = decoded.ipv4.map { ($0.source, $0.destination) } ?? decoded.ipv6.map { ($0.source, $0.destination) }
            #expect(ip?.0 == source && ip?.1 == destination, "frame \(frame.info.number): addresses")
        case .decoded:
            counts[shape, default: Count()].decoded += 1
        }
    }

    /// The benchmark generator's mix (40,000 packets: ESP on 200 tunnels, NAT-T ESP and
    /// keepalives, IKE, TCP, WireGuard, OpenVPN, DNS, PPTP GRE, ICMP) and the real data-plane frames of the corpus
    /// (`DataPlaneFrame`: NAT-T ESP, ESP over IPv4 and IPv6, PPTP MPPE, TLS over TCP, UDP).
    @Test func dataPlaneFramesAreReadFromTheirHeaders() throws {
        var counts: [Shape: Count] = [:]
        var analyzer = Analyzer(options: AnalysisOptions())
        var decoder = PacketDecoder(), checkDecoder = PacketDecoder()
        let file = try PcapFile(path: try Corpus.benchmarkMix(packets: 40_000))
        var packet = DecodedPacket(linkType: file.linkType)
        while let frame = try file.next() {
            Self.add(frame, &analyzer, &decoder, &packet, checkDecoder: &checkDecoder, into: &counts)
        }
        let mix = counts
        for f in try DataPlaneFrame.corpus() {
            f.bytes.withUnsafeBytes { raw in
                Self.add(RawFrame(info: f.info, bytes: raw), &analyzer, &decoder, &packet, checkDecoder: &checkDecoder, into: &counts)
            }
        }
        func show(_ c: [Shape: Count]) -> String { c.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; ") }
        print("fast path, mix: \(show(mix))\nfast path, mix and corpus: \(show(counts))")
        // Floors: about nine tenths of what the mix (and, for bulk UDP, the corpus) holds.
        let floors: [Shape: Int] = [.esp: 19_000, .nattESP: 5_000, .pptpGREData: 600, .bulkTCP: 5_000, .bulkUDP: 10,
                                    .wireguardData: 1_400, .openvpnData: 400]
        for (shape, floor) in floors {
            let count = counts[shape] ?? Count()
            #expect(count.decoded == 0, "\(shape): \(count) (every one must take the fast path)")
            #expect(count.fast >= floor, "\(shape): \(count), floor \(floor)")
        }
        let control = counts[.controlPlane] ?? Count()
        #expect(control.fast == 0 && control.decoded >= 3_000, "control plane: \(control) (all decoded)")
    }

    /// WireGuard transport data (on any port: 51820, 5060, 443, 41641 here) is counted from its
    /// header bytes; its handshake messages are decoded. Real frames of every WireGuard capture.
    @Test func wireGuardDataTakesTheFastPath() throws {
        var fast = 0, decodedData = 0, handshakes = 0, fastHandshakes = 0
        for path in ["nDPI/wireguard.pcap", "nDPI/mullvad_wireguard.pcap", "nDPI/protonvpn.pcap", "nDPI/tailscale.pcap",
                     "zeek-spicy-wireguard/wireguard.pcap", "PcapPlusPlus/WireGuard.pcap"].map(Corpus.publicPath)
            + [Corpus.capturePath("lab-wireguard-ok-client.pcap")] {
            let file = try PcapFile(path: path)
            var analyzer = Analyzer(options: AnalysisOptions())
            var decoder = PacketDecoder(), checkDecoder = PacketDecoder()
            var packet = DecodedPacket(linkType: file.linkType)
            while let frame = try file.next() {
                guard let w = checkDecoder.decode(frame).wireguard, !frame.info.isTruncatedBySnaplen else {
                    _ = analyzer.add(frame, decoder: &decoder, into: &packet)
                    continue
                }
                let taken: Bool = if case .dataPlane = analyzer.add(frame, decoder: &decoder, into: &packet) { true } else { false }
                switch (w.type, taken) {
                case (.transportData, true): fast += 1
                case (.transportData, false): decodedData += 1
                case (_, false): handshakes += 1
                case (_, true): fastHandshakes += 1
                }
            }
        }
        print("WireGuard: \(fast) data fast, \(decodedData) data decoded, \(handshakes) handshake messages decoded")
        #expect(decodedData == 0 && fastHandshakes == 0)
        #expect(fast >= 260 && handshakes >= 12)  // measured: 290 and 13
    }
}
