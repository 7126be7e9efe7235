import Capture
import Decoding
import Foundation
@testable import Sessions
import Testing
import TestSupport

/// `Classifier.wire` reads data-plane frames from their header bytes instead of decoding them
/// (issue 7). It must agree with the decoder exactly: for every frame it accepts, the same layers,
/// the same stop and the same fact as `PacketDecoder` + `Classifier.fact`; and whole captures
/// analyzed either way give the same analysis. Real frames from every capture we have, the benchmark
/// generator's mix, and seeded mutations of data-plane headers (to walk the edges of every check).
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct WireReadingTests {
    /// Frames the wire path accepted, by layer shape, over everything read (to show it was exercised).
    final class Tally: @unchecked Sendable {
        var shapes: [[LayerKind]: Int] = [:]
        var accepted = 0
        var frames = 0
        /// Frames the analyzer's wire entry read from their headers, and frames it decoded though
        /// `Classifier.wire` reads them (`BothWays`).
        var fast = 0, decodedThoughRead = 0

        /// The analyzer's wire entry took the fast path for exactly the frames the wire path reads.
        func expectFastPathTaken(_ sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(self.fast == self.accepted && self.decodedThoughRead == 0,
                    "the analyzer read \(self.fast) of the \(self.accepted) wire frames from their headers",
                    sourceLocation: sourceLocation)
        }
    }

    /// One capture analyzed both ways at once: through the analyzer's wire entry, and fully decoded;
    /// each frame the wire path reads is also checked against its decode (`check`), and the wire
    /// entry must have taken the fast path exactly for those frames.
    struct BothWays {
        var wireDecoder = PacketDecoder(), plainDecoder = PacketDecoder(), checkDecoder = PacketDecoder()
        var wireAnalyzer = Analyzer(options: AnalysisOptions()), plainAnalyzer = Analyzer(options: AnalysisOptions())
        var wirePacket: DecodedPacket, plainPacket: DecodedPacket
        /// The RFC 8229 connections on other ports whose segments the analyzer's wire entry leaves
        /// to the decoder: the check reads each frame as that entry does.
        var prefixed = PrefixedStreams()

        init(linkType: LinkType) {
            self.wirePacket = DecodedPacket(linkType: linkType)
            self.plainPacket = self.wirePacket
        }

        mutating func add(_ frame: RawFrame, tally: Tally, _ where_: String) {
            let read = WireReadingTests.check(frame, decoder: &self.checkDecoder, prefixed: &self.prefixed, tally: tally, where_)
            let reading = self.wireAnalyzer.add(frame, decoder: &self.wireDecoder, into: &self.wirePacket)
            if case .dataPlane = reading { tally.fast += 1 } else if read { tally.decodedThoughRead += 1 }
            self.plainDecoder.decode(frame, into: &self.plainPacket)
            self.plainAnalyzer.add(self.plainPacket, bytes: frame.bytes)
        }

        /// The two analyses, encoded with sorted keys: equal when the ways agree.
        mutating func finish() throws -> (Data, Data) {
            (try WireReadingTests.encoded(self.wireAnalyzer.finish()), try WireReadingTests.encoded(self.plainAnalyzer.finish()))
        }
    }

    /// Compares the wire reading of `frame` (when there is one) with its decode; true when there is.
    @discardableResult
    static func check(_ frame: RawFrame, decoder: inout PacketDecoder, prefixed: inout PrefixedStreams, tally: Tally,
                      _ where_: String) -> Bool {
        tally.frames += 1
        guard let wire = Classifier.wire(frame, limits: decoder.dissector.limits, prefixed: &prefixed) else { return false }
        // A fresh decoder state matters only for fragments, which the wire path never accepts.
        let packet = decoder.decode(frame)
        var kinds: [LayerKind] = []
        wire.layers.forEach { kinds.append($0) }
        tally.accepted += 1
        tally.shapes[kinds, default: 0] += 1
        let decodedKinds = packet.layers.map(\.kind)
        #expect(kinds == decodedKinds, "\(where_): layers")
        #expect(wire.stop == packet.stop, "\(where_): stop \(String(describing: wire.stop)) vs \(String(describing: packet.stop))")
        #expect(packet.reassembledFrom.isEmpty)
        guard let fact = Classifier.fact(from: packet) else {
            Issue.record("\(where_): the decoder gives no fact")
            return true
        }
        let d = wire.fact
        #expect(d.source == fact.source && d.destination == fact.destination && d.ipProtocol == fact.ipProtocol
                    && d.sourcePort == fact.sourcePort && d.destinationPort == fact.destinationPort
                    && d.ipLength == fact.ipLength, "\(where_): header fields")
        switch (d.kind, fact.kind) {
        case (.other, .other): break
        case (.esp(let a), .esp(let b)): #expect(a == b, "\(where_): ESP")
        case (.gre(let callID, let userData), .gre(let g)):
            #expect(callID == g.callID, "\(where_): GRE call ID")
            #expect(userData == g.carriesUserData, "\(where_): GRE carrying user data")
        case (.wireguard(let a), .wireguard(let b)): #expect(a == b, "\(where_): WireGuard")
        case (.openvpnData, .openvpn(let packets)): #expect(packets.count == 1 && packets[0].opcode.isData, "\(where_): OpenVPN data")
        case (.tlsData, .tls(let s)): #expect(s.records.first?.contentType == TLSRecord.applicationData, "\(where_): TLS application data")
        default: Issue.record("\(where_): wire kind \(d.kind) but fact kind \(fact.kind)")
        }
        // TLS-VPN ports are the one TCP entry the wire path reads (application data from its record header).
        #expect(fact.tcp == nil || [nil, .tls].contains(ProtocolRegistry.tcp(fact.sourcePort, fact.destinationPort)?.service),
                "\(where_): a decoded TCP port")
        return true
    }

    /// Analyzes `path` both ways and compares the analyses (encoded, keys sorted).
    static func analyzeBothWays(_ path: String, tally: Tally) throws {
        let file = try PcapFile(path: path)
        var both = BothWays(linkType: file.linkType)
        do {
            while let frame = try file.next() {
                both.add(frame, tally: tally, "\(path) frame \(frame.info.number)")
            }
        } catch {
            // A damaged file: both analyzers saw the same frames before the damage.
        }
        let (wire, plain) = try both.finish()
        #expect(wire == plain, "\(path): analyses differ")
    }

    static func encoded(_ analysis: Analysis) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(analysis)
    }

    @Test func everyCaptureAnalyzesTheSameBothWays() throws {
        let tally = Tally()
        // Ours: lab and synthetic captures, and the link-type fixtures (SLL, SLL2, raw, VLAN…).
        let ours = try ["", "fixtures/"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path + "/" + folder)
                .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
                .map { Corpus.captures.path + "/" + folder + $0 }
        }
        for path in ours + Corpus.publicFiles().map(Corpus.publicPath) {
            try Self.analyzeBothWays(path, tally: tally)
        }
        // Every shape the wire path reads turns up in real captures.
        let shapes = Set(tally.shapes.keys)
        #expect(shapes.contains([.ethernet, .ipv4, .esp]))
        #expect(shapes.contains([.ethernet, .ipv4, .udp, .esp]))
        #expect(shapes.contains([.ethernet, .ipv6, .esp]))
        #expect(shapes.contains([.ethernet, .ipv4, .tcp]))
        #expect(shapes.contains([.ethernet, .ipv4, .udp]))
        #expect(shapes.contains([.ethernet, .ipv4, .gre, .ppp]))
        #expect(shapes.contains([.ethernet, .ipv4, .tcp, .tls]))  // TLS application data on 443 (AnyConnect lab)
        tally.expectFastPathTaken()
        print("wire path: \(tally.accepted) of \(tally.frames) frames, \(tally.shapes.count) shapes")
    }

    /// The same real data-plane frames under every other link layer the wire path reads: 802.1Q
    /// and QinQ tags, Linux SLL and SLL2, raw IP (LINKTYPE_RAW, LINKTYPE_IPV4/IPV6). The link
    /// headers are synthetic (no capture of ours has ESP under them); the IP bytes are real. Each
    /// also mutated, as above.
    @Test func otherLinkLayersAgreeWithTheDecoder() throws {
        let frames = try DataPlaneFrame.corpus().filter { $0.info.linkType == .ethernet && $0.bytes.count > 14 }
        var generator = SeededGenerator(seed: 11)
        let tally = Tally()
        for mutate in [false, true] {
            var both = BothWays(linkType: .ethernet)
            var number = 0
            for original in frames {
                let mac = Array(original.bytes[0..<12]), type = Array(original.bytes[12..<14]), ip = Array(original.bytes[14...])
                let ipLink: LinkType = ip[0] >> 4 == 4 ? .ipv4 : .ipv6
                let variants: [(LinkType, [UInt8])] = [
                    (.ethernet, mac + [0x81, 0x00, 0x00, 0x64] + type + ip),
                    (.ethernet, mac + [0x88, 0xA8, 0x00, 0x0A, 0x81, 0x00, 0x00, 0x64] + type + ip),
                    (.linuxSLL, [0, 0, 0, 1, 0, 6] + mac[6..<12] + [0, 0] + type + ip),
                    (.linuxSLL2, type + [0, 0, 0, 0, 0, 2, 0, 1, 4, 6] + mac[6..<12] + [0, 0] + ip),
                    (.linktypeRaw, ip), (.raw, ip), (ipLink, ip),
                ]
                for (linkType, wrapped) in variants {
                    var bytes = wrapped
                    if mutate {
                        let at = generator.below(min(bytes.count, 64))
                        bytes[at] = generator.below(2) == 0 ? bytes[at] &+ 1 : UInt8(generator.below(256))
                    }
                    number += 1
                    let info = FrameInfo(number: number, timestamp: original.info.timestamp, capturedLength: bytes.count,
                                         originalLength: bytes.count, linkType: linkType)
                    bytes.withUnsafeBytes { raw in
                        let frame = RawFrame(info: info, bytes: raw)
                        both.add(frame, tally: tally, "\(linkType) \(original.file) frame \(original.info.number)")
                    }
                }
            }
            let (wire, plain) = try both.finish()
            #expect(wire == plain, "mutated: \(mutate)")
        }
        let shapes = Set(tally.shapes.keys)
        #expect(shapes.contains([.ethernet, .vlan, .ipv4, .udp, .esp]) && shapes.contains([.ethernet, .vlan, .vlan, .ipv4, .esp]))
        #expect(shapes.contains([.linuxSLL, .ipv4, .gre, .ppp]) && shapes.contains([.linuxSLL2, .ipv6, .esp]))
        #expect(shapes.contains([.ipv4, .tcp]) && shapes.contains([.ipv6, .esp]))
        tally.expectFastPathTaken()
    }

    /// More than four VLAN tags (possible with raised `DecodeLimits.maxVLANTags`) go to the decoder:
    /// the wire path's inline layer list holds eight. Synthetic tags around a real ESP frame.
    @Test func fiveVLANTagsAreDecodedNotRead() throws {
        let esp = try #require(try DataPlaneFrame.corpus(limit: 40).first { $0.kinds == [.ethernet, .ipv4, .esp] })
        let tag: [UInt8] = [0x81, 0x00, 0x00, 0x64]
        let bytes = Array(esp.bytes[0..<12]) + Array(repeating: tag, count: 5).flatMap { $0 } + Array(esp.bytes[12...])
        var limits = DecodeLimits.standard
        limits.maxVLANTags = 8
        var decoder = PacketDecoder(dissector: Dissector(limits: limits))
        bytes.withUnsafeBytes { raw in
            var info = esp.info
            info.capturedLength = bytes.count
            info.originalLength = bytes.count
            let frame = RawFrame(info: info, bytes: raw)
            #expect(Classifier.wire(frame, limits: limits) == nil)
            #expect(decoder.decode(frame).layers.map(\.kind) == [.ethernet] + Array(repeating: .vlan, count: 5) + [.ipv4, .esp])
        }
        let fourTags = Array(esp.bytes[0..<12]) + Array(repeating: tag, count: 4).flatMap { $0 } + Array(esp.bytes[12...])
        fourTags.withUnsafeBytes { raw in
            var info = esp.info
            info.capturedLength = fourTags.count
            info.originalLength = fourTags.count
            #expect(Classifier.wire(RawFrame(info: info, bytes: raw), limits: limits) != nil)
        }
    }

    /// The benchmark's traffic mix (ESP on 200 tunnels, NAT-T ESP and keepalives, IKE, TCP, DNS, PPTP
    /// GRE with random PPP, ICMP), 40,000 packets from `Benchmarks/make-bench-pcap.py`.
    @Test func benchmarkMixAnalyzesTheSameBothWays() throws {
        let path = try Corpus.benchmarkMix(packets: 40_000)
        let tally = Tally()
        try Self.analyzeBothWays(path, tally: tally)
        #expect(tally.accepted > tally.frames * 8 / 10, "wire path took \(tally.accepted) of \(tally.frames)")
        tally.expectFastPathTaken()
    }

    /// Data-plane frames with one to three header bytes changed (seeded): whatever the wire path
    /// still accepts must agree with the decoder, and the analyses of each batch must match.
    @Test func mutatedHeadersAgreeWithTheDecoder() throws {
        let frames = try DataPlaneFrame.corpus(limit: 60)
        var generator = SeededGenerator(seed: 7)
        let tally = Tally()
        for batch in 0..<40 {
            var both = BothWays(linkType: .ethernet)
            for (i, original) in frames.enumerated() {
                var bytes = original.bytes
                let headerEnd = min(bytes.count, 80)
                for _ in 0..<(1 + generator.below(3)) where headerEnd > 0 {
                    let at = generator.below(headerEnd)
                    // Half small nudges (lengths off by one, flags), half any byte.
                    bytes[at] = generator.below(2) == 0 ? bytes[at] &+ UInt8(1 + generator.below(2))
                        : UInt8(generator.below(256))
                }
                var info = original.info
                info.number = batch * frames.count + i + 1
                bytes.withUnsafeBytes { raw in
                    let frame = RawFrame(info: info, bytes: raw)
                    both.add(frame, tally: tally, "batch \(batch) \(original.file) frame \(original.info.number)")
                }
            }
            let (wire, plain) = try both.finish()
            #expect(wire == plain, "batch \(batch)")
        }
        #expect(tally.accepted > tally.frames / 4, "wire path took \(tally.accepted) of \(tally.frames) mutants")
        #expect(tally.accepted < tally.frames, "some mutants must be refused")
        tally.expectFastPathTaken()
    }
}
