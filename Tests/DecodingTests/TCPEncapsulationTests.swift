import Capture
@testable import Decoding
import Foundation
import Testing
import TestSupport

/// RFC 8229 framing (`TCPEncapsulation`, `TCPStreams`'s `.ikeTCP`) on the lab's IKEv2-over-TCP
/// captures. Their framing is synthetic (Captures/lab/ikev2tcp.py: strongSwan 5.9.8 has no RFC
/// 8229), but TCP is the kernel's and every IKE and ESP byte is strongSwan's, from
/// lab-ikev2-psk-ok-client.pcap. The hostile-length cases mutate the length field of those real bytes.
@Suite struct TCPEncapsulationTests {
    static func frames(_ name: String) throws -> [(bytes: [UInt8], packet: DecodedPacket)] {
        let file = try PcapFile(path: Corpus.capturePath(name))
        var decoder = PacketDecoder()
        var out: [(bytes: [UInt8], packet: DecodedPacket)] = []
        while let frame = try file.next() { out.append((Array(frame.bytes), decoder.decode(frame))) }
        return out
    }

    /// Every message the stream reader takes out of a capture, in capture order.
    static func messages(_ name: String, limits: DecodeLimits = .standard) throws -> (messages: [TCPStreams.Message], streams: TCPStreams) {
        var streams = TCPStreams(limits: limits)
        var out: [TCPStreams.Message] = []
        for (bytes, packet) in try Self.frames(name) {
            out += bytes.withUnsafeBytes { streams.add(packet, bytes: $0) }
        }
        return (out, streams)
    }

    /// The IKE message or ESP packet a stream message decodes to ("IKE_SA_INIT request", "ESP a290047a 1").
    static func meaning(_ m: TCPStreams.Message) -> String {
        let layers = (try? TCPEncapsulation.decode(m.bytes)) ?? []
        switch layers.last {
        case .ikev2(let i)?: return "\(i.exchangeType) \(i.isResponse ? "response" : "request")"
        case .esp(let e)?: return "ESP \(String(e.spi, radix: 16)) \(e.sequence)"
        case .tcpEncapsulation(let h)? where h.kind == .streamPrefix: return "prefix"
        default: return "?"
        }
    }

    @Test func wholeMessagesDecodePerFrame() throws {
        let f = try Self.frames("lab-ikev2-tcp-ok-client.pcap")
        // Frame 4: the prefix and IKE_SA_INIT in one segment.
        #expect(f[3].packet.layers.map(\.kind) == [.ethernet, .ipv4, .tcp, .tcpEncapsulation, .tcpEncapsulation, .ikev2])
        #expect(f[3].packet.layers.compactMap(\.tcpEncapsulationKind) == [.streamPrefix, .nonESPMarker])
        #expect(f[3].packet.tcpEncapsulation?.kind == .streamPrefix)
        #expect(f[3].packet.ikev2?.exchangeType == .ikeSAInit)
        #expect(f[3].packet.stop == nil)
        // Frame 10: ESP, no marker, the length counting its own two bytes (138 = 2 + 136).
        #expect(f[9].packet.layers.compactMap(\.tcpEncapsulationKind) == [.esp])
        #expect(f[9].packet.layers.compactMap { if case .tcpEncapsulation(let h) = $0 { h.length } else { nil } } == [138])
        #expect(f[9].packet.esp?.spi == 0xa290_047a && f[9].packet.esp?.sequence == 1)
    }

    /// A message split over two segments is a fragment in each, and comes whole out of the stream
    /// at the second; two messages in one segment are both read, per frame and from the stream.
    @Test func splitAndJoinedMessagesAreReadExactly() throws {
        let f = try Self.frames("lab-ikev2-tcp-split-client.pcap")
        for i in [7, 9] {
            #expect(f[i].packet.stop?.reason == .fragment && f[i].packet.stop?.layer == .tcpEncapsulation, "frame \(i + 1)")
            #expect(f[i].packet.ikev2 == nil)
        }
        #expect(f[19].packet.layers.compactMap(\.tcpEncapsulationKind) == [.esp, .esp])
        let (messages, streams) = try Self.messages("lab-ikev2-tcp-split-client.pcap")
        #expect(messages.map(Self.meaning) == [
            "prefix", "IKE_SA_INIT request", "IKE_SA_INIT response", "IKE_AUTH request", "IKE_AUTH response",
            "ESP a290047a 1", "ESP 5ccae648 1", "ESP a290047a 2", "ESP 5ccae648 2",
            "ESP a290047a 3", "ESP a290047a 4", "ESP 5ccae648 3", "ESP 5ccae648 4",
        ])
        let auth = try #require(messages.first { Self.meaning($0) == "IKE_AUTH request" })
        #expect((auth.firstFrame, auth.lastFrame, auth.decodedPerFrame) == (8, 10, false))
        let joined = messages.filter { $0.lastFrame == 20 }
        #expect(joined.count == 2 && joined.allSatisfy { $0.decodedPerFrame })
        #expect((streams.gaps, streams.overflows, streams.framingErrors) == (0, 0, 0))
    }

    /// The client's stream of the ok capture as one segment after the SYN (real bytes), with the
    /// length field at `at` replaced (6: IKE_SA_INIT's, after the prefix; 786: the first ESP's).
    static func clientStream(length: UInt16?, at: Int = 6) throws -> [UInt8] {
        var stream: [UInt8] = []
        for (bytes, packet) in try Self.frames("lab-ikev2-tcp-ok-client.pcap") where packet.tcp?.destinationPort == 4500 {
            if let tcp = packet.tcp { stream += bytes[tcp.payload.start..<tcp.payload.end] }
        }
        #expect(Array(stream.prefix(6)) == TCPEncapsulation.streamPrefix)
        if let length { (stream[at], stream[at + 1]) = (UInt8(length >> 8), UInt8(length & 0xFF)) }
        return stream
    }

    static let key = TCPStreams.Key(source: IPAddress("192.0.2.10")!, sourcePort: 40000, destination: IPAddress("203.0.113.20")!,
                                    destinationPort: 4500)

    static func read(_ stream: [UInt8], limits: DecodeLimits = .standard) -> (messages: [TCPStreams.Message], streams: TCPStreams) {
        var streams = TCPStreams(limits: limits)
        _ = streams.add(key: key, framing: .ikeTCP, sequence: 999, flags: [.syn], payload: [], frame: 1)
        let messages = streams.add(key: key, framing: .ikeTCP, sequence: 1000, flags: [.ack], payload: stream, frame: 2)
        return (messages, streams)
    }

    @Test func theUnchangedStreamReadsWhole() throws {
        let (messages, streams) = Self.read(try Self.clientStream(length: nil))
        #expect(messages.map(Self.meaning) == ["prefix", "IKE_SA_INIT request", "IKE_AUTH request"]
            + (1...4).map { "ESP a290047a \($0)" })
        #expect(streams.framingErrors == 0)
    }

    /// Lengths no message can have stop the stream (a framing error) instead of reading on: below
    /// the length field and an ESP header (0, 1, 9: a 0 would otherwise be an endless run of empty
    /// messages), below an IKE header after the marker (33). The per-frame dissector reads none of
    /// them as a message either (the bytes wrapped in a synthetic TCP segment: no capture has such
    /// a length).
    @Test(arguments: zip([6, 6, 6, 6, 786, 786, 786], [0, 1, 9, 33, 0, 1, 9] as [UInt16]))
    func hostileLengthsStopTheStream(_ at: Int, _ length: UInt16) throws {
        let stream = try Self.clientStream(length: length, at: at)
        let (messages, streams) = Self.read(stream)
        #expect(messages.map(Self.meaning) == ["prefix"] + (at == 6 ? [] : ["IKE_SA_INIT request", "IKE_AUTH request"]))
        #expect(streams.framingErrors == 1)
        let packet = decodeBytes(PacketBuilder.ethernet(PacketBuilder.ipv4(src: "192.0.2.10", dst: "203.0.113.20", protocol: .tcp,
            PacketBuilder.tcp(40000, 4500, flags: 0x18, Array(stream.prefix(1400))))))
        #expect(packet.layers.compactMap(\.tcpEncapsulationKind) == [.streamPrefix] + (at == 6 ? [] : [.nonESPMarker, .nonESPMarker]),
                "\(packet.layers.map(\.kind))")
        #expect(packet.stop?.reason == .fragment)
    }

    /// A length larger than what arrives is waited for, never past `maxTCPStreamBytes`: the buffer
    /// is dropped and counted, and nothing is read.
    @Test func aLengthThatNeverArrivesIsBounded() throws {
        var limits = DecodeLimits.standard
        limits.maxTCPStreamBytes = 1024
        let stream = try Self.clientStream(length: 0xFFFF)
        var streams = TCPStreams(limits: limits)
        _ = streams.add(key: Self.key, framing: .ikeTCP, sequence: 999, flags: [.syn], payload: [], frame: 1)
        let first = streams.add(key: Self.key, framing: .ikeTCP, sequence: 1000, flags: [.ack], payload: Array(stream.prefix(600)), frame: 2)
        #expect(first.map(Self.meaning) == ["prefix"] && streams.overflows == 0)
        let second = streams.add(key: Self.key, framing: .ikeTCP, sequence: 1600, flags: [.ack], payload: Array(stream.dropFirst(600)), frame: 3)
        #expect(second.isEmpty && streams.overflows == 1)
        let (within, unbounded) = Self.read(Array(stream.prefix(1000)))
        #expect(within.map(Self.meaning) == ["prefix"] && unbounded.overflows == 0)
    }

    /// A stream first seen mid-way starts at an IKE message whose own length agrees, never at ESP
    /// (which has nothing to check) or inside a message.
    @Test func aStreamPickedUpMidwayWaitsForAnIKEMessage() throws {
        let stream = try Self.clientStream(length: nil)
        var streams = TCPStreams()
        let esp = Array(stream.suffix(4 * 138))
        #expect(streams.add(key: Self.key, framing: .ikeTCP, sequence: 5000, flags: [.ack], payload: esp, frame: 1).isEmpty)
        let ike = Array(stream[6...])  // from IKE_SA_INIT on
        var fresh = TCPStreams()
        let messages = fresh.add(key: Self.key, framing: .ikeTCP, sequence: 7000, flags: [.ack], payload: ike, frame: 1)
        #expect(messages.map(Self.meaning).prefix(2) == ["IKE_SA_INIT request", "IKE_AUTH request"])
    }

    /// tshark 4.0 has no RFC 8229 dissector (its `tcpencap` is Cisco's proprietary framing, and
    /// ISAKMP decoded as on TCP reads the length as the IKE header): our IKE and ESP fields of every
    /// message read from the TCP streams are compared with tshark's of the same bytes in the UDP
    /// capture they were taken from (`TsharkIKETests.fields`), as sorted rows (the split capture
    /// interleaves the directions differently).
    @Test(.enabled(if: Tshark.available),
          arguments: ["lab-ikev2-tcp-ok-client.pcap", "lab-ikev2-tcp-split-server.pcap", "lab-ikev2-tcp-443-ok-client.pcap",
                      "lab-ikev2-tcp-silent-client.pcap"])
    func fieldsMatchTsharkOnTheSameBytes(_ name: String) throws {
        let source = Corpus.capturePath("lab-ikev2-psk-ok-client.pcap")
        let theirs = try Tshark.fields(source, TsharkIKETests.fields, frames: 12)
        var streams = TCPStreams()
        var ours: [[String]] = []
        for (bytes, packet) in try Self.frames(name) {
            // Port 443 has no registry entry: read with the framing its prefix named.
            let framing: TCPStreams.Framing? = packet.tcp.map { _ in .ikeTCP }
            for m in bytes.withUnsafeBytes({ streams.add(packet, bytes: $0, framing: framing) }) {
                var p = DecodedPacket(linkType: .raw)
                p.layers = try TCPEncapsulation.decode(m.bytes)
                if p.ikev2 != nil || p.esp != nil { ours.append(TsharkIKETests.ourFields(p)) }
            }
        }
        let expected = name.contains("silent") ? [1, 2, 3] : Array(1...12)  // the silent responder never answers IKE_AUTH
        #expect(ours.sorted { $0.lexicographicallyPrecedes($1) } == expected.compactMap { theirs[$0] }.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(ours.count == expected.count)
    }
}
