import Capture
import Decoding
import Foundation
import Testing
import TestSupport

/// Every ceiling in `DecodeLimits`, `FragmentReassembler.Limits` and `TCPStreams`, tested by name:
/// an input with more items than the ceiling stops with `.limit` (or the documented give-up),
/// never loops on. Where a real capture has the structure, its frame is decoded with the ceiling
/// lowered below what the frame holds; synthetic inputs only where no capture has the structure
/// (said so at each). `everyLimitIsTested` fails when a new limit is added without a test here.
@Suite struct LimitsTests {
    /// One dissector-level ceiling: lower it, decode a real frame, expect a `.limit` stop.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var file: String
        var frame: Int
        var layer: LayerKind
        var lower: @Sendable (inout DecodeLimits) -> Void
        var testDescription: String { self.name }
    }

    static let dissectorCases: [Case] = [
        // libreswan/01-isakmp-broadcast.pcap frame 1: Ethernet / IPv4 / UDP / ISAKMP.
        Case(name: "maxLayers", file: "libreswan/01-isakmp-broadcast.pcap", frame: 1, layer: .ipv4) { $0.maxLayers = 2 },
        // nDPI/dns.pcap frame 4: two 802.1Q tags (421, 785), then PPPoE.
        Case(name: "maxVLANTags", file: "nDPI/dns.pcap", frame: 4, layer: .vlan) { $0.maxVLANTags = 1 },
        // libreswan/01-isakmp-vid-first.pcap frame 1: Main Mode msg 1 with VID, SA… (several payloads).
        Case(name: "maxIKEPayloads", file: "libreswan/01-isakmp-vid-first.pcap", frame: 1, layer: .isakmp) { $0.maxIKEPayloads = 1 },
        // jnetpcap/test-l2tp.pcap frame 41: SCCRQ with its AVPs.
        Case(name: "maxL2TPAVPs", file: "jnetpcap/test-l2tp.pcap", frame: 41, layer: .l2tp) { $0.maxL2TPAVPs = 1 },
        // PcapPlusPlus/GrePackets.cap frame 11: LCP Configure-Request in GRE v1.
        Case(name: "maxPPPOptions", file: "PcapPlusPlus/GrePackets.cap", frame: 11, layer: .pppControl) { $0.maxPPPOptions = 0 },
        // nDPI/dns.pcap frame 2: a query with one question.
        Case(name: "maxDNSRecords", file: "nDPI/dns.pcap", frame: 2, layer: .dns) { $0.maxDNSRecords = 0 },
        // PcapPlusPlus/GrePackets.cap frame 6: PPTP Start-Control-Connection-Request. (The stop
        // names the layer the refused message sits in: TCP; for tunnels, the outer IP.)
        Case(name: "maxPPTPMessagesPerSegment", file: "PcapPlusPlus/GrePackets.cap", frame: 6, layer: .tcp) {
            $0.maxPPTPMessagesPerSegment = 0
        },
        // nDPI/openvpn_nohmac_tcp.pcapng frame 4: a length-prefixed OpenVPN hard reset on TCP 1194.
        Case(name: "maxOpenVPNPacketsPerSegment", file: "nDPI/openvpn_nohmac_tcp.pcapng", frame: 4, layer: .tcp) {
            $0.maxOpenVPNPacketsPerSegment = 0
        },
        // lab-ikev2-tcp-ok-client.pcap frame 4: the IKETCP prefix and IKE_SA_INIT on TCP 4500 (synthetic framing).
        Case(name: "maxTCPEncapsulatedPerSegment", file: "lab-ikev2-tcp-ok-client.pcap", frame: 4, layer: .tcp) {
            $0.maxTCPEncapsulatedPerSegment = 0
        },
        // PcapPlusPlus/GrePackets.cap frame 11: IPv4 / GRE v1 / PPP (one tunnel level).
        Case(name: "maxTunnelDepth", file: "PcapPlusPlus/GrePackets.cap", frame: 11, layer: .ipv4) { $0.maxTunnelDepth = 0 },
    ]

    static func decode(_ bytes: [UInt8], linkType: LinkType, limits: DecodeLimits) -> DecodedPacket {
        let info = FrameInfo(number: 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: bytes.count,
                             originalLength: bytes.count, linkType: linkType)
        return bytes.withUnsafeBytes { Dissector(limits: limits).decode(RawFrame(info: info, bytes: $0)) }
    }

    /// The bytes and link type of frame `number` of a public corpus file.
    static func corpusBytes(_ file: String, _ number: Int) throws -> ([UInt8], LinkType) {
        let source = try PcapFile(path: file.contains("/") ? Corpus.publicPath(file) : Corpus.capturePath(file))
        while let frame = try source.next(), frame.info.number <= number {
            if frame.info.number == number { return (Array(frame.bytes), source.linkType) }
        }
        throw CaptureError(.corrupt, source: file, message: "no frame \(number)")
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable), arguments: dissectorCases)
    func dissectorCeilingStopsWithLimit(_ c: Case) throws {
        let (bytes, linkType) = try Self.corpusBytes(c.file, c.frame)
        let whole = Self.decode(bytes, linkType: linkType, limits: .standard)
        #expect(whole.stop?.reason != .limit, "the frame must fit the standard limits: \(String(describing: whole.stop))")
        var limits = DecodeLimits()
        c.lower(&limits)
        let cut = Self.decode(bytes, linkType: linkType, limits: limits)
        #expect(cut.stop?.reason == .limit, "\(String(describing: cut.stop))")
        #expect(cut.stop?.layer == c.layer)
        #expect(cut.layers.count <= whole.layers.count)
    }

    /// `maxIPv6ExtensionHeaders`: the hop-by-hop MLD frame (LowerFixtures, a real capture) has one
    /// extension header; the ICMP quote walker obeys the same ceiling.
    @Test func maxIPv6ExtensionHeaders() {
        var limits = DecodeLimits()
        limits.maxIPv6ExtensionHeaders = 0
        let p = Self.decode(LowerFixtures.ipv6HopByHopMLD, linkType: .ethernet, limits: limits)
        #expect(p.stop?.reason == .limit)
        #expect(p.stop?.layer == .ipv6)
        #expect(p.ipv6 != nil)  // the fixed header is kept
    }

    /// `maxDNSPointerHops`: nDPI/dns.pcap frame 5, a response whose 8 answers each point back to the
    /// question name. Answers are best-effort: past the ceiling they are marked incomplete.
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func maxDNSPointerHops() throws {
        let (bytes, linkType) = try Self.corpusBytes("nDPI/dns.pcap", 5)
        #expect(Self.decode(bytes, linkType: linkType, limits: .standard).dns?.answers.count == 8)
        var limits = DecodeLimits()
        limits.maxDNSPointerHops = 0
        let dns = Self.decode(bytes, linkType: linkType, limits: limits).dns
        #expect(dns?.answersIncomplete == true)
        #expect(dns?.answers.isEmpty == true)
    }

    /// `maxIKEProposals`, `maxIKETransforms`, `maxIKEAttributes`: SA payloads are typed views
    /// decoded on demand; lowered ceilings on real SAs (IKEv1: libreswan/01-isakmp-vid-first.pcap
    /// frame 1; IKEv2: nDPI/ah.pcapng frame 1, IKE_SA_INIT request).
    @Test(.enabled(if: Corpus.publicCorpusAvailable), arguments: ["maxIKEProposals", "maxIKETransforms", "maxIKEAttributes"])
    func securityAssociationCeilings(_ name: String) throws {
        var limits = DecodeLimits()
        switch name {
        case "maxIKEProposals": limits.maxIKEProposals = 0
        case "maxIKETransforms": limits.maxIKETransforms = 0
        default: limits.maxIKEAttributes = 0
        }
        let v1 = try #require(try corpusFrame("libreswan/01-isakmp-vid-first.pcap", 1).isakmp?.payloads(.securityAssociation).first)
        #expect(throws: DecodeError.self) { _ = try IKEv1SecurityAssociation(v1, limits: limits) }
        #expect((try? IKEv1SecurityAssociation(v1)) != nil)
        let v2 = try #require(try corpusFrame("nDPI/ah.pcapng", 1).ikev2?.payloads(.securityAssociation).first)
        #expect((try? IKEv2SecurityAssociation(v2)) != nil)
        do {
            _ = try IKEv2SecurityAssociation(v2, limits: limits)
            Issue.record("\(name) = 0 must stop the IKEv2 SA")
        } catch {
            #expect(error.code == .limitExceeded)
        }
    }

    /// A cleartext IKEv2 message (synthetic: delete and TS payloads travel encrypted in every real
    /// capture) with one payload of `type` whose body is `body`.
    static func ikev2(payload type: UInt8, body: [UInt8]) throws -> IKEv2Payload {
        let length = 28 + 4 + body.count
        var bytes: [UInt8] = Array(repeating: 0x11, count: 16) + [type, 0x20, 37, 0x08, 0, 0, 0, 1]
        bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        bytes += [0, 0, UInt8((body.count + 4) >> 8), UInt8((body.count + 4) & 0xFF)] + body
        let message = try bytes.withUnsafeBytes { raw throws(DecodeError) -> IKEv2Message in
            var r = ByteReader(raw)
            return try IKEv2Message(from: &r)
        }
        #expect(message.chainError == nil)
        return try #require(message.payloads.first)
    }

    /// `maxIKEDeleteSPIs` (standard ceiling, synthetic): a Delete of ESP SAs listing 257 SPIs.
    @Test func maxIKEDeleteSPIs() throws {
        let n = DecodeLimits.standard.maxIKEDeleteSPIs + 1
        let body: [UInt8] = [3, 4, UInt8(n >> 8), UInt8(n & 0xFF)] + Array(repeating: 0xAB, count: 4 * n)
        let payload = try Self.ikev2(payload: 42, body: body)
        do {
            _ = try IKEv2Delete(payload)
            Issue.record("expected the SPI ceiling")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        let fits = try Self.ikev2(payload: 42, body: [3, 4, 0, 2] + Array(repeating: 0xAB, count: 8))
        #expect(try IKEv2Delete(fits).spis.count == 2)
    }

    /// `maxIKETrafficSelectors` (standard ceiling, synthetic): a TSi claiming 65 IPv4 selectors.
    @Test func maxIKETrafficSelectors() throws {
        let n = DecodeLimits.standard.maxIKETrafficSelectors + 1
        let selector: [UInt8] = [7, 0, 0, 16, 0, 0, 0xFF, 0xFF, 10, 0, 0, 0, 10, 0, 0, 255]
        let payload = try Self.ikev2(payload: 44, body: [UInt8(n), 0, 0, 0] + Array([[UInt8]](repeating: selector, count: n).joined()))
        do {
            _ = try IKEv2TrafficSelectors(payload)
            Issue.record("expected the selector ceiling")
        } catch {
            #expect(error.code == .limitExceeded)
        }
        let fits = try Self.ikev2(payload: 44, body: [1, 0, 0, 0] + selector)
        #expect(try IKEv2TrafficSelectors(fits).selectors.count == 1)
    }

    /// `maxGRERoutingEntries` (standard ceiling, synthetic: RFC 1701 source routing is obsolete and
    /// in no capture we have): raw IPv4 / GRE v0 with R set and more route entries than the ceiling.
    @Test func maxGRERoutingEntries() {
        func packet(entries: Int) -> [UInt8] {
            var gre: [UInt8] = [0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0]  // R bit, IPv4; checksum + offset
            for _ in 0..<entries { gre += [0x08, 0x00, 0, 4, 192, 0, 2, 1] }
            gre += [0, 0, 0, 0]  // the NULL entry
            let total = 20 + gre.count
            return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0, 0, 64, 47, 0, 0,
                    192, 0, 2, 1, 192, 0, 2, 2] + gre
        }
        let ceiling = DecodeLimits.standard.maxGRERoutingEntries  // entries read, the NULL one included
        let over = Self.decode(packet(entries: ceiling), linkType: .raw, limits: .standard)
        #expect(over.stop?.reason == .limit)
        #expect(over.stop?.layer == .gre)
        let fits = Self.decode(packet(entries: ceiling - 1), linkType: .raw, limits: .standard)
        #expect(fits.stop?.reason != .limit)
        #expect(fits.gre != nil)
    }

    // MARK: TCP control streams

    static let key = TCPStreams.Key(source: IPAddress("192.0.2.1")!, sourcePort: 40000,
                                    destination: IPAddress("192.0.2.2")!, destinationPort: 1723)

    /// `maxTCPStreamBytes`: a PPTP length prefix announcing a message longer than the buffer.
    @Test func maxTCPStreamBytes() {
        var limits = DecodeLimits()
        limits.maxTCPStreamBytes = 1000
        var streams = TCPStreams(limits: limits)
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 0, flags: .syn, payload: [], frame: 1)
        var sequence: UInt32 = 1
        // Start of a 0xFFFF-byte message, then more of it in 500-byte segments.
        var first: [UInt8] = [0xFF, 0xFF, 0, 1, 0x1A, 0x2B, 0x3C, 0x4D] + Array(repeating: 0, count: 492)
        for frame in 2...5 {
            #expect(streams.add(key: Self.key, framing: .pptp, sequence: sequence, flags: .ack, payload: first, frame: frame).isEmpty)
            sequence &+= UInt32(first.count)
            first = Array(repeating: 0, count: 500)
        }
        #expect(streams.overflows == 1)
    }

    /// `maxTCPStreams`: directions beyond the table size are not tracked until one closes.
    @Test func maxTCPStreams() {
        var limits = DecodeLimits()
        limits.maxTCPStreams = 2
        var streams = TCPStreams(limits: limits)
        func key(_ port: UInt16) -> TCPStreams.Key {
            TCPStreams.Key(source: Self.key.source, sourcePort: port, destination: Self.key.destination, destinationPort: 1723)
        }
        // A whole echo request (16 bytes: length, type 1, magic, control type 5, reserved, id).
        let echo: [UInt8] = [0, 16, 0, 1, 0x1A, 0x2B, 0x3C, 0x4D, 0, 5, 0, 0, 0, 0, 0, 1]
        for port: UInt16 in [1, 2] {
            _ = streams.add(key: key(port), framing: .pptp, sequence: 0, flags: .syn, payload: [], frame: 1)
        }
        _ = streams.add(key: key(3), framing: .pptp, sequence: 0, flags: .syn, payload: [], frame: 2)
        #expect(streams.add(key: key(3), framing: .pptp, sequence: 1, flags: .ack, payload: echo, frame: 3).isEmpty)
        #expect(streams.add(key: key(1), framing: .pptp, sequence: 1, flags: .ack, payload: echo, frame: 4).count == 1)
        _ = streams.add(key: key(2), framing: .pptp, sequence: 1, flags: [.ack, .fin], payload: [], frame: 5)
        _ = streams.add(key: key(3), framing: .pptp, sequence: 0, flags: .syn, payload: [], frame: 6)
        #expect(streams.add(key: key(3), framing: .pptp, sequence: 1, flags: .ack, payload: echo, frame: 7).count == 1)
    }

    // MARK: IP reassembly

    static let fragmentKey = FragmentKey(source: IPAddress("192.0.2.1")!, destination: IPAddress("192.0.2.2")!,
                                         protocolNumber: .udp, identification: 7)

    static func add(_ r: inout FragmentReassembler, id: UInt32 = 7, offset: Int, count: Int, more: Bool,
                    at seconds: Int64 = 0) -> ReassembledDatagram? {
        var key = Self.fragmentKey
        key.identification = id
        let data = [UInt8](repeating: 0x5A, count: count)
        return data.withUnsafeBytes {
            r.add(Fragment(key: key, offset: offset, moreFragments: more), data: $0, frame: Int(id) * 1000 + offset,
                  at: Timestamp(seconds: seconds, nanoseconds: 0))
        }
    }

    @Test func maxDatagrams() {
        var limits = FragmentReassembler.Limits()
        limits.maxDatagrams = 3
        var r = FragmentReassembler(limits: limits)
        for id: UInt32 in 1...4 { _ = Self.add(&r, id: id, offset: 0, count: 8, more: true) }
        #expect(r.pending.count == 3)
        #expect(r.expired.map(\.outcome) == [.limitExceeded])
    }

    @Test func maxDatagramBytes() {
        var r = FragmentReassembler()
        _ = Self.add(&r, offset: 65528, count: 16, more: false)  // ends past 65535
        #expect(r.expired.map(\.outcome) == [.limitExceeded])
    }

    @Test func maxTotalBytes() {
        var limits = FragmentReassembler.Limits()
        limits.maxTotalBytes = 3000
        var r = FragmentReassembler(limits: limits)
        _ = Self.add(&r, id: 1, offset: 1400, count: 1400, more: true)
        _ = Self.add(&r, id: 2, offset: 1400, count: 1400, more: true)
        #expect(r.pending.count == 1)
        #expect(r.expired.map(\.outcome) == [.limitExceeded])
    }

    @Test func maxFragments() {
        var limits = FragmentReassembler.Limits()
        limits.maxFragments = 10
        var r = FragmentReassembler(limits: limits)
        for i in 0..<11 { #expect(Self.add(&r, offset: 8 * i, count: 8, more: true) == nil) }
        #expect(r.expired.map(\.outcome) == [.limitExceeded])
        // The standard ceiling lets a 65535-byte datagram cut into 8-byte pieces complete.
        var standard = FragmentReassembler()
        var done: ReassembledDatagram?
        for i in 0..<(65528 / 8) { done = Self.add(&standard, offset: 8 * i, count: 8, more: true) }
        done = Self.add(&standard, offset: 65528, count: 7, more: false)
        #expect(done?.payload.count == 65535)
    }

    @Test func timeout() {
        var r = FragmentReassembler()
        _ = Self.add(&r, id: 1, offset: 0, count: 8, more: true, at: 0)
        _ = Self.add(&r, id: 2, offset: 0, count: 8, more: true, at: 31)
        #expect(r.expired.map(\.outcome) == [.timedOut])
        #expect(Self.add(&r, id: 1, offset: 8, count: 8, more: false, at: 31) == nil)
    }

    /// `expire` scans only once the oldest datagram may have timed out, and then learns the new
    /// oldest: B (t = 20 s) outlives A, completed at t = 1 s, and still times out at t = 51 s.
    /// Synthetic: the timing matters, not the bytes.
    @Test func timeoutAfterTheOldestCompleted() {
        var r = FragmentReassembler()
        _ = Self.add(&r, id: 1, offset: 0, count: 8, more: true, at: 0)
        #expect(Self.add(&r, id: 1, offset: 8, count: 8, more: false, at: 1) != nil)
        _ = Self.add(&r, id: 2, offset: 0, count: 8, more: true, at: 20)
        _ = Self.add(&r, id: 3, offset: 0, count: 8, more: true, at: 35)
        #expect(r.expired.isEmpty)
        _ = Self.add(&r, id: 4, offset: 0, count: 8, more: true, at: 51)
        #expect(r.expired.map(\.key.identification) == [2] && r.expired.map(\.outcome) == [.timedOut])
    }

    /// A datagram in 512 eight-byte pieces arriving shuffled, some twice and some overlapping their
    /// neighbours (each a binary-searched merge), reassembles to the original bytes. Synthetic: no
    /// capture at hand has a datagram in hundreds of out-of-order pieces.
    @Test func manyPiecesInAnyOrder() {
        let original = (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 256) }
        var pieces = (0..<512).map { $0 * 8 } + (0..<64).map { $0 * 64 + 4 }
        var random = SeededGenerator(seed: 12)
        for i in pieces.indices.reversed() { pieces.swapAt(i, random.below(i + 1)) }
        var r = FragmentReassembler()
        var done: [ReassembledDatagram] = []
        for (frame, offset) in pieces.enumerated() {
            let end = min(offset + 8, original.count)
            let completed = Array(original[offset..<end]).withUnsafeBytes {
                r.add(Fragment(key: Self.fragmentKey, offset: offset, moreFragments: end < original.count), data: $0,
                      frame: frame + 1, at: Timestamp(seconds: 0, nanoseconds: 0))
            }
            if let completed { done.append(completed) }
        }
        // Pieces after the completing one start a datagram of their own, which never completes.
        #expect(done.count == 1 && done.first?.payload == original)
    }

    @Test func maxExpiredSummaries() {
        var limits = FragmentReassembler.Limits()
        limits.maxDatagrams = 1
        limits.maxExpiredSummaries = 5
        var r = FragmentReassembler(limits: limits)
        for id: UInt32 in 1...20 { _ = Self.add(&r, id: id, offset: 0, count: 8, more: true) }
        #expect(r.expired.count == 5)
        #expect(r.expiredCount == 19)
    }

    /// Fails when a ceiling is added without a test above (names as declared).
    @Test func everyLimitIsTested() {
        let tested = Set(Self.dissectorCases.map(\.name) + [
            "maxIPv6ExtensionHeaders", "maxDNSPointerHops", "maxIKEProposals", "maxIKETransforms", "maxIKEAttributes",
            "maxIKEDeleteSPIs", "maxIKETrafficSelectors", "maxGRERoutingEntries", "maxTCPStreamBytes", "maxTCPStreams",
            "maxDatagrams", "maxDatagramBytes", "maxTotalBytes", "maxFragments", "timeout", "maxExpiredSummaries",
        ])
        let declared = Mirror(reflecting: DecodeLimits()).children.compactMap(\.label)
            + Mirror(reflecting: FragmentReassembler.Limits()).children.compactMap(\.label)
        #expect(Set(declared).subtracting(tested).sorted() == [])
    }
}
