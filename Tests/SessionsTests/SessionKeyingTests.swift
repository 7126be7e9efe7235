import Capture
import Decoding
import Foundation
import Testing
import TestSupport
@testable import Sessions

/// Sessions keyed by what the protocols say (`Attempts`), on lab captures; the ESP-across-addresses
/// cases are lab captures with the ESP packets' addresses rewritten (synthetic: no capture we have
/// shows ESP between other hosts than its IKE SA's).
@Suite struct SessionKeyingTests {
    static func analyze(_ path: String) throws -> Analysis {
        var analyzer = Analyzer(options: AnalysisOptions())
        let file = try PcapFile(path: path)
        var decoder = PacketDecoder()
        var packet = DecodedPacket(linkType: file.linkType)
        while let frame = try file.next() { _ = analyzer.add(frame, decoder: &decoder, into: &packet) }
        return analyzer.finish()
    }

    /// tshark: client 1 (203.0.113.1 ports 500/4500, SPI 8a02…) frames 1–4 and ESP 9–16; client 2
    /// behind the same NAT (ports 190/37439, SPI 53f8…, wrong PSK) frames 5–8, between client 1's
    /// IKE_AUTH and its pings. Same host pair at the server: was one session, CONNECTED.
    @Test func twoClientsBehindOneNATAreTwoSessions() throws {
        let a = try Self.analyze(Corpus.capturePath("lab-nat-two-clients-server.pcap"))
        try #require(a.sessions.count == 2)
        let (one, two) = (a.sessions[0], a.sessions[1])
        #expect(one.client == two.client && one.server == two.server)
        #expect(one.ike.map { String($0.initiatorSPI, radix: 16) } == ["8a0282401fa4d7fc"])
        #expect(two.ike.map { String($0.initiatorSPI, radix: 16) } == ["53f8194fa04b9c4d"])
        #expect(one.outcome == .connected && one.esp.count == 2 && one.firstFrame == 1 && one.lastFrame == 16)
        #expect(two.outcome == .failed && two.esp.isEmpty && (two.firstFrame, two.lastFrame) == (5, 8))
        #expect(Set(two.flows.map { $0.a.address == two.client ? $0.a.port : $0.b.port }) == [190, 37439])
    }

    /// tshark: one IKE SA (same SPIs) from 203.0.113.1 (frames 1–8), then, after the NAT mapped the
    /// client anew, from 203.0.113.2 (CREATE_CHILD_SA 11–20, ESP 21–28). Was two sessions.
    @Test func natRebindingIsOneSession() throws {
        let a = try Self.analyze(Corpus.capturePath("lab-nat-rebinding-ok-server.pcap"))
        let s = try #require(a.sessions.only)
        #expect(s.ike.count == 1 && Set(s.ike[0].paths.map(\.hosts)).count == 2)
        #expect(s.client == IPAddress("203.0.113.1")! && s.clientAliases == [IPAddress("203.0.113.2")!])
        #expect(s.esp.count == 4 && s.espFromClient.count == 2 && s.outcome == .connected)
        #expect((s.firstFrame, s.lastFrame) == (1, 28))
    }

    /// Synthetic (from the lab): lab-ikev1-main-psk-ok-server.pcap with its ESP (frames 10–) moved
    /// to 198.51.100.7 ⇄ 198.51.100.8, the client's side to .7. The ESP starts 7.8 ms after QM3
    /// (frame 9): one session, the ESP tied to the SA by inference, and said so.
    @Test func espBetweenOtherHostsIsTiedByInference() throws {
        let a = try Self.analyze(Self.rewritten("lab-ikev1-main-psk-ok-server.pcap", espFrom: 10))
        let s = try #require(a.sessions.only)
        let tie = try #require(s.espTie)
        #expect(tie.completedFrame == 9 && tie.firstESPFrame == 10 && tie.completedStep.description.hasPrefix("QM3"))
        #expect(tie.espSource == IPAddress("198.51.100.7")! && abs(tie.delay - 0.00776) < 0.001)
        #expect(s.outcome == .connected && s.espFromClient.count == 1 && s.espFromServer.count == 1)
    }

    /// The same ESP starting 10 s after QM3 (beyond `Attempts.tieWindow`): not tied, a session of its own.
    @Test func espLongAfterTheChildSAIsNotTied() throws {
        let a = try Self.analyze(Self.rewritten("lab-ikev1-main-psk-ok-server.pcap", espFrom: 10, delay: 10))
        #expect(a.sessions.count == 2 && a.sessions.allSatisfy { $0.espTie == nil })
    }

    /// Synthetic (from the lab): lab-nat-two-clients-server.pcap with all ESP moved to other hosts.
    /// Both IKE SAs answered IKE_AUTH within 5 s before it: two could claim it, so neither does. (Without
    /// their ESP the two clients no longer overlap in time: one attempt of two SAs, and the ESP's own.)
    @Test func espTwoSAsCouldClaimIsNotTied() throws {
        let a = try Self.analyze(Self.rewritten("lab-nat-two-clients-server.pcap", espFrom: 9))
        #expect(a.sessions.count == 2 && a.sessions[0].ike.count == 2 && a.sessions.allSatisfy { $0.espTie == nil })
    }

    /// The capture with frames from `espFrom` on (the ESP) readdressed: the capture's client side
    /// (its first packet's source) becomes 198.51.100.7, the other 198.51.100.8; those frames
    /// `delay` seconds later. IPv4 header checksums recomputed. Written to a temporary file.
    static func rewritten(_ name: String, espFrom: Int, delay: Double = 0) throws -> String {
        let file = try PcapFile(path: Corpus.capturePath(name))
        var frames: [(time: Double, bytes: [UInt8])] = []
        var start: Timestamp?, client: [UInt8] = []
        while let frame = try file.next() {
            var bytes = Array(frame.bytes)
            start = start ?? frame.info.timestamp
            var time = frame.info.timestamp.seconds(since: start!)
            if client.isEmpty { client = Array(bytes[26..<30]) }
            if frame.info.number >= espFrom, bytes.count > 34, bytes[12] == 0x08, bytes[13] == 0x00 {
                let fromClient = Array(bytes[26..<30]) == client
                bytes.replaceSubrange(26..<30, with: [198, 51, 100, fromClient ? 7 : 8])
                bytes.replaceSubrange(30..<34, with: [198, 51, 100, fromClient ? 8 : 7])
                bytes[24] = 0; bytes[25] = 0
                var sum = 0
                for i in stride(from: 14, to: 34, by: 2) { sum += Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
                while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
                bytes[24] = UInt8(~sum >> 8 & 0xFF); bytes[25] = UInt8(~sum & 0xFF)
                time += delay
            }
            frames.append((time, bytes))
        }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("keying-\(name)-\(espFrom)-\(delay)-\(UUID().uuidString).pcap").path
        try PacketBuilder.pcap(frames).write(to: URL(fileURLWithPath: path))
        return path
    }
}

extension Array {
    /// The one element, when there is exactly one.
    fileprivate var only: Element? { self.count == 1 ? self.first : nil }
}
