import Capture
import Decoding
import Foundation
import Sessions
import Testing
import TestSupport

/// L2TP tunnels keyed by their tunnel IDs and PPTP control connections by their TCP endpoints and
/// call IDs: two at the same time between one pair of hosts are two sessions; one after the other
/// they are one client retrying, one session. No capture we have holds two tunnels or calls
/// between one pair, so each test merges two real lab captures (both from 192.0.2.10 to
/// 203.0.113.20; their IDs and ports already differ) with `mergecap`, one moved in time with
/// `editcap -t`: rewritten captures, not a live exchange.
@Suite(.enabled(if: ["editcap", "mergecap"].allSatisfy { which($0) != nil } || Strict.isOn, "needs editcap and mergecap"))
struct TunnelKeyingTests {
    /// `second` moved by `shift` seconds and merged with `first` in time order; analysed.
    static func merged(_ first: String, _ second: String, shift: Double) throws -> Analysis {
        let directory = NSTemporaryDirectory() + "vpndoctor-keying-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let moved = directory + "/moved.pcap", out = directory + "/merged.pcap"
        let edit = try runCommand(try #require(which("editcap")), ["-t", String(shift), Corpus.capturePath(second), moved])
        #expect(edit.status == 0, "\(edit.stderr)")
        let merge = try runCommand(try #require(which("mergecap")), ["-F", "pcap", "-w", out, Corpus.capturePath(first), moved])
        #expect(merge.status == 0, "\(merge.stderr)")
        return try BoundsTests.analyze(out)
    }

    /// The LAC's SCCRQ for tunnel 64553 goes unanswered four times (0–7 s: `1701-blocked`); at 2 s
    /// a second tunnel (LAC 7237, LNS 50873: `ppp-fails`, its 13 frames 3–15 of the merge) comes up
    /// and is torn down. tshark on the merge: SCCRQs of 64553 at frames 1, 2, 16, 19.
    @Test func twoL2TPTunnelsAtOnceAreTwoSessions() throws {
        let a = try Self.merged("lab-l2tp-1701-blocked-client.pcap", "lab-l2tp-ppp-fails-client.pcap", shift: 304.283293)
        let l2tp = a.sessions.filter { $0.l2tp != nil }
        #expect(l2tp.count == 2)
        let frames = l2tp.map { $0.l2tp!.messages.map(\.frame) }
        #expect(frames.contains([1, 2, 16, 19]))
        #expect(frames.contains(Array(3...15)))
        let refused = try #require(l2tp.first { $0.l2tp!.messages.count == 4 })
        #expect(refused.l2tp!.messages.allSatisfy { $0.type == .sccrq })
        #expect(refused.l2tp!.messages.dropFirst().allSatisfy { $0.retransmissionOf == 1 })
        #expect(l2tp.allSatisfy { $0.vpnProtocol == .l2tp && $0.client == IPAddress("192.0.2.10")! })
    }

    /// The same two tunnels one after the other (the second 10 s after the first SCCRQ, after the
    /// last one): the client retrying, one session.
    @Test func l2tpTunnelsOneAfterTheOtherAreOneSession() throws {
        let a = try Self.merged("lab-l2tp-1701-blocked-client.pcap", "lab-l2tp-ppp-fails-client.pcap", shift: 312.283293)
        let l2tp = a.sessions.filter { $0.l2tp != nil }
        #expect(l2tp.count == 1)
        #expect(l2tp.first?.l2tp?.messages.count == 17)
    }

    /// Port 56650's SYN to 1723 is dropped seven times (0–7.1 s: `1723-blocked`); at 2 s port 37932
    /// opens a control connection, Outgoing-Call-Request with call ID 59450, and the server closes
    /// it (`ppp-fails`). Two connections at once: two PPTP sessions, each with its own frames.
    @Test func twoPPTPControlConnectionsAtOnceAreTwoSessions() throws {
        let a = try Self.merged("lab-pptp-1723-blocked-client.pcap", "lab-pptp-ppp-fails-client.pcap", shift: 7.902243)
        let pptp = a.sessions.filter { $0.pptp != nil }
        #expect(pptp.count == 2)
        let blocked = try #require(pptp.first { $0.pptp!.client.port == 56650 })
        #expect(blocked.pptp!.synFrames.count == 7 && blocked.pptp!.synAckFrames.isEmpty && blocked.pptp!.messages.isEmpty)
        let called = try #require(pptp.first { $0.pptp!.client.port == 37932 })
        #expect(called.pptp!.synFrames.count == 1 && called.pptp!.clientCallID == 59450)
        #expect(Set(blocked.pptp!.synFrames).isDisjoint(with: called.pptp!.synFrames))
        #expect(called.firstFrame > blocked.firstFrame && called.lastFrame < blocked.lastFrame)
    }
}
