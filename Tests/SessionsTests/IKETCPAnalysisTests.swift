import Capture
import Decoding
import Foundation
import Testing
import TestSupport
@testable import Sessions

/// IKEv2 over TCP (RFC 8229) analysed like IKEv2 over UDP, on the lab's ikev2-tcp captures
/// (synthetic framing over a real kernel TCP connection; the IKE and ESP bytes are strongSwan's,
/// see Captures/lab/ikev2tcp.py). Three cases rewrite one of them (said in each): no capture has a
/// retransmitted segment or a stream without its prefix.
@Suite struct IKETCPAnalysisTests {
    /// As the CLI analyses a file: the header-byte path first (`SessionKeyingTests.analyze`).
    static func analyze(_ path: String) throws -> Analysis { try SessionKeyingTests.analyze(path) }

    /// The ok capture's frames, rewritten by `edit` (frame index, bytes → the frames to write), as a
    /// temporary pcap file analysed like the others.
    static func analyzeRewritten(_ edit: (Int, [UInt8]) -> [[UInt8]]) throws -> Analysis {
        let file = try PcapFile(path: Corpus.capturePath("lab-ikev2-tcp-ok-client.pcap"))
        var frames: [(time: Double, bytes: [UInt8])] = []
        var start: Timestamp?
        while let frame = try file.next() {
            start = start ?? frame.info.timestamp
            let time = frame.info.timestamp.seconds(since: start!)
            frames += edit(frames.count, Array(frame.bytes)).map { (time, $0) }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ikev2tcp-\(UUID().uuidString).pcap")
        try PacketBuilder.pcap(frames).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Self.analyze(url.path)
    }

    static func checkConnected(_ a: Analysis, port: UInt16) throws {
        try #require(a.sessions.count == 1)
        let s = a.sessions[0]
        #expect(s.vpnProtocol == .ikev2TCP && s.protocolLabel == "IKEv2 over TCP")
        #expect(s.outcome == .connected)
        let sa = try #require(s.primaryIKE)
        #expect(sa.overTCP && sa.version == 2)
        #expect(sa.messages.map { "\($0.step)" } == ["IKE_SA_INIT request", "IKE_SA_INIT response", "IKE_AUTH request", "IKE_AUTH response"])
        #expect(sa.messages.allSatisfy { $0.retransmissionOf == nil && !$0.onNATTPort })
        #expect(s.esp.map(\.traffic.packets) == [4, 4])
        #expect(s.esp.allSatisfy { !$0.udpEncapsulated })
        let c = try #require(s.ikeTCP.first)
        #expect((c.client.address, c.server.port) == (IPAddress("192.0.2.10")!, port))
        // Off the registry's port the connection is known from its prefix on: its SYN came before.
        #expect(c.prefixFrame == 4 && c.synFrames == (port == 4500 ? [1] : []) && c.synAckFrames == (port == 4500 ? [2] : []))
        #expect(c.ikeFrames == [4, 6, 8, 9] && (c.espFromClient, c.espFromServer) == (4, 4))
        #expect(c.closeFrame == 22 && !c.closedByServer)
    }

    @Test func okOnTCP4500IsOneConnectedIKEv2OverTCPSession() throws {
        try Self.checkConnected(Self.analyze(Corpus.capturePath("lab-ikev2-tcp-ok-client.pcap")), port: 4500)
    }

    /// TCP 443 has no registry entry: the prefix names the stream, and its later segments (ESP
    /// above all) are decoded and read, not counted as bulk TCP on the header-byte path.
    @Test func onTCP443TheStreamIsRecognisedByItsPrefix() throws {
        try Self.checkConnected(Self.analyze(Corpus.capturePath("lab-ikev2-tcp-443-ok-client.pcap")), port: 443)
    }

    /// The IKE_AUTH request split over frames 8 and 10 is one message, recorded at frame 10.
    @Test func aSplitMessageIsOneMessage() throws {
        let a = try Self.analyze(Corpus.capturePath("lab-ikev2-tcp-split-client.pcap"))
        let sa = try #require(a.sessions.first?.primaryIKE)
        #expect(sa.messages.map(\.frame) == [4, 6, 10, 12])
        #expect(a.sessions.first?.esp.map(\.traffic.packets) == [4, 4])
    }

    /// Rewritten: frames 8 (IKE_AUTH request) and 10 (ESP) each captured twice, as a TCP
    /// retransmission is. The stream drops the repeated bytes: no IKE retransmission, no extra ESP.
    @Test func aRetransmittedSegmentAddsNothing() throws {
        let a = try Self.analyzeRewritten { i, bytes in i == 7 || i == 9 ? [bytes, bytes] : [bytes] }
        try #require(a.sessions.count == 1)
        let sa = try #require(a.sessions[0].primaryIKE)
        #expect(sa.messages.count == 4 && sa.messages.allSatisfy { $0.retransmissionOf == nil })
        #expect(a.sessions[0].esp.map(\.traffic.packets) == [4, 4])
    }

    /// Rewritten: the client's six prefix bytes taken out of frame 4 (and its later sequence numbers
    /// moved back by six). A connection seen from its SYN whose client never sends "IKETCP" is not
    /// RFC 8229: nothing of it is read as IKE or ESP.
    @Test func aStreamWithoutThePrefixIsNotRead() throws {
        let a = try Self.analyzeRewritten { i, bytes in
            var b = bytes
            let ip = 14, tcp = ip + Int(b[ip] & 0x0F) * 4
            guard b[ip + 9] == 6, b[tcp + 2] == 0x11, b[tcp + 3] == 0x94 else { return [b] }  // to TCP 4500
            let payload = tcp + Int(b[tcp + 12] >> 4) * 4
            if i == 3 {
                b.removeSubrange(payload..<(payload + 6))
                let total = Int(b[ip + 2]) << 8 | Int(b[ip + 3]) - 6
                (b[ip + 2], b[ip + 3]) = (UInt8(total >> 8), UInt8(total & 0xFF))
            } else if i > 3 {
                var seq = UInt32(b[tcp + 4]) << 24 | UInt32(b[tcp + 5]) << 16 | UInt32(b[tcp + 6]) << 8 | UInt32(b[tcp + 7])
                seq &-= 6
                for k in 0..<4 { b[tcp + 4 + k] = UInt8(truncatingIfNeeded: seq >> (24 - 8 * k)) }
            }
            return [b]
        }
        try #require(a.sessions.count == 1)
        let s = a.sessions[0]
        #expect(s.ike.isEmpty && s.esp.isEmpty)
        #expect(s.vpnProtocol == .ikev2TCP && s.ikeTCP.first?.prefixFrame == nil)
        #expect(s.outcome != .connected)
    }
}
