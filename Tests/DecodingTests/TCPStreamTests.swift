import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct TCPStreamTests {
    static let key = TCPStreams.Key(source: IPAddress("10.0.0.1")!, sourcePort: 1999,
                                    destination: IPAddress("10.0.0.2")!, destinationPort: 1723)

    /// The two PPTP messages of PcapPlusPlus/GrePackets.cap frames 6 (SCCRQ, 156 bytes) and 9
    /// (OCRQ, 168 bytes), taken from the capture's TCP payloads.
    static func realMessages() throws -> [[UInt8]] {
        let file = try PcapFile(path: Corpus.publicPath("PcapPlusPlus/GrePackets.cap"))
        var out: [[UInt8]] = []
        while let frame = try file.next() {
            guard [6, 9].contains(frame.info.number) else { continue }
            let tcp = try #require(Dissector().decode(frame).tcp)
            out.append(Array(frame.bytes[tcp.payload.start..<tcp.payload.end]))
        }
        return out
    }

    @Test func reassemblesAMessageSplitAcrossSegments() throws {
        let m = try Self.realMessages()
        var streams = TCPStreams()
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 99, flags: .syn, payload: [], frame: 1)
        // SCCRQ in two pieces, then the OCRQ whole.
        #expect(streams.add(key: Self.key, framing: .pptp, sequence: 100, flags: .ack, payload: Array(m[0][..<50]), frame: 2).isEmpty)
        let done = streams.add(key: Self.key, framing: .pptp, sequence: 150, flags: .ack, payload: Array(m[0][50...]), frame: 3)
        #expect(done.count == 1 && done[0].bytes == m[0] && done[0].firstFrame == 2 && done[0].lastFrame == 3)
        #expect(!done[0].decodedPerFrame)
        #expect(try PPTP.decode(done[0].bytes).controlType == .startControlConnectionRequest)
        let whole = streams.add(key: Self.key, framing: .pptp, sequence: 256, flags: .ack, payload: m[1], frame: 4)
        #expect(whole.count == 1 && whole[0].decodedPerFrame)
        #expect(try PPTP.decode(whole[0].bytes).controlType == .outgoingCallRequest)
    }

    @Test func retransmissionsAndOverlapsAreNotDuplicated() throws {
        let m = try Self.realMessages()
        var streams = TCPStreams()
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 99, flags: .syn, payload: [], frame: 1)
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 100, flags: .ack, payload: Array(m[0][..<100]), frame: 2)
        // Retransmission of the first 100 bytes, then an overlapping segment carrying bytes 80…end.
        #expect(streams.add(key: Self.key, framing: .pptp, sequence: 100, flags: .ack, payload: Array(m[0][..<100]), frame: 3).isEmpty)
        let done = streams.add(key: Self.key, framing: .pptp, sequence: 180, flags: .ack, payload: Array(m[0][80...]), frame: 4)
        #expect(done.map(\.bytes) == [m[0]])
    }

    @Test func givesUpOnAGapAndResynchronisesAtAMessage() throws {
        let m = try Self.realMessages()
        var streams = TCPStreams()
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 99, flags: .syn, payload: [], frame: 1)
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 100, flags: .ack, payload: Array(m[0][..<50]), frame: 2)
        // Bytes 50..<100 were never captured: the tail cannot complete the message.
        #expect(streams.add(key: Self.key, framing: .pptp, sequence: 200, flags: .ack, payload: Array(m[0][100...]), frame: 3).isEmpty)
        #expect(streams.gaps == 1)
        // The next message starts a segment: reassembly resumes.
        let next = streams.add(key: Self.key, framing: .pptp, sequence: 256, flags: .ack, payload: m[1], frame: 4)
        #expect(next.map(\.bytes) == [m[1]])
    }

    @Test func bufferIsBounded() throws {
        let m = try Self.realMessages()
        var limits = DecodeLimits()
        limits.maxTCPStreamBytes = 100
        var streams = TCPStreams(limits: limits)
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 99, flags: .syn, payload: [], frame: 1)
        _ = streams.add(key: Self.key, framing: .pptp, sequence: 100, flags: .ack, payload: Array(m[0][..<90]), frame: 2)
        #expect(streams.add(key: Self.key, framing: .pptp, sequence: 190, flags: .ack, payload: Array(m[0][90...]), frame: 3).isEmpty)
        #expect(streams.overflows == 1)
    }

    /// Fed every packet of a real capture, the reassembler yields exactly the messages the per-frame
    /// dissector decoded (all are whole in one segment there), once each, retransmissions dropped.
    @Test func agreesWithPerFrameDecodeOnRealCaptures() throws {
        for name in ["PcapPlusPlus/GrePackets.cap", "nDPI/pptp.pcap", "tcpdump/dns_tcp.pcap"] {
            let file = try PcapFile(path: Corpus.publicPath(name))
            var streams = TCPStreams()
            var reassembled = 0, perFrame = 0
            var seen = Set<[UInt8]>()
            while let frame = try file.next() {
                let p = Dissector().decode(frame)
                let messages = streams.add(p, bytes: frame.bytes)
                #expect(messages.allSatisfy { $0.decodedPerFrame })
                reassembled += messages.count
                for m in messages where m.framing == .pptp { #expect(seen.insert(m.bytes).inserted) }
                perFrame += p.pptpMessages.count + (p.dns != nil && p.tcp != nil ? 1 : 0)
            }
            let retransmitted = name == "nDPI/pptp.pcap" ? 1 : 0  // frame 19 repeats frame 16
            #expect(reassembled + retransmitted == perFrame, "\(name)")
        }
    }
}
