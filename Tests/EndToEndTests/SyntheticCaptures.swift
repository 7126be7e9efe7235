import Capture
import Crypto
import Decoding
import Foundation
import Testing
import TestSupport

/// The `Captures/synthetic-*.pcap` files: failures the lab kernel cannot produce (no /dev/ppp, no GRE
/// device, ESP only in UDP 4500 through libipsec; see Captures/lab/README.md), built here with
/// `PacketBuilder`. **Every frame in them is synthetic.** Field values (PPTP bodies, call IDs, LCP
/// options, CHAP sizes, L2TP AVPs, IKE proposals and vendor IDs, ESP sizes, DNS flags) are copied from
/// real captures of the public corpus; each value says where it comes from. Random-looking bytes (KE,
/// nonces, ciphertext, challenges) come from a seeded generator, so a build is byte-for-byte stable.
///
/// The test compares each build with the committed file. `RECORD_SYNTHETIC=1 swift test --filter
/// SyntheticCaptures` writes the files instead, and fails, so a re-record is always visible.
@Suite struct SyntheticCaptures {
    @Test(arguments: Synthetic.allCases)
    func committedFileMatchesTheBuild(_ capture: Synthetic) throws {
        let built = capture.build()
        let path = Corpus.capturePath(capture.fileName)
        if ProcessInfo.processInfo.environment["RECORD_SYNTHETIC"] == "1" {
            try built.write(to: URL(fileURLWithPath: path))
            Issue.record("re-recorded \(capture.fileName) (\(built.count) bytes): run again without RECORD_SYNTHETIC")
            return
        }
        let committed = try #require(FileManager.default.contents(atPath: path),
                                     "\(capture.fileName) is missing: run with RECORD_SYNTHETIC=1")
        #expect(committed == built, "\(capture.fileName) differs from its build: re-record with RECORD_SYNTHETIC=1")
    }

    /// tshark (our reference decoder) reads every frame: it prints every frame's number, and none with
    /// a malformed or error-level expert item, except the first segment of a PPTP message split over
    /// TCP segments: tshark's PPTP dissector reads one segment at a time (accepted: exactly the frames
    /// `tsharkSplitPPTPFrames` names, one per capture at most).
    @Test(.enabled(if: Tshark.available), arguments: Synthetic.allCases)
    func tsharkFindsNothingMalformed(_ capture: Synthetic) throws {
        let path = Corpus.capturePath(capture.fileName)
        let frames = try decodeFile(path).count
        let rows = try Tshark.fields(path, ["_ws.malformed", "_ws.expert.severity"], options: [
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
        ], frames: frames)
        #expect(rows.keys.sorted() == Array(1...max(frames, 1)), "tshark reads every frame")
        // Expert severities (epan/proto.h): PI_ERROR is 0x00800000; no frame may reach it.
        let flagged = rows.filter { _, cells in
            !cells[0].isEmpty || cells[1].split(separator: ",").contains { Int($0).map { $0 >= 0x0080_0000 } ?? true }
        }
        #expect(frames > 0 && flagged.keys.sorted().map(String.init) == capture.tsharkSplitPPTPFrames,
                "frames tshark flags: \(flagged.keys.sorted())")
    }
}

enum Synthetic: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case pptpGREOneWay = "synthetic-pptp-gre-one-way"
    case pptpMSCHAPv2Failure691 = "synthetic-pptp-mschapv2-691"
    case pptpMSCHAPv2Failure649 = "synthetic-pptp-mschapv2-649"
    case pptpRefusedSplitReply = "synthetic-pptp-refused-split-reply"
    case l2tpCleartextCHAPFailure = "synthetic-l2tp-cleartext-chap-failure"
    case l2tpPingsUnanswered = "synthetic-l2tp-pings-unanswered"
    case l2tpMidSession = "synthetic-l2tp-mid-session"
    case espOneWay = "synthetic-esp-one-way"
    case dnsNXDomain = "synthetic-dns-nxdomain"
    case windowsServerBehindNAT = "synthetic-windows-server-behind-nat"
    case ikev2InGRE = "synthetic-ikev2-in-gre"

    var fileName: String { self.rawValue + ".pcap" }
    /// The frame holding the first part of a PPTP message split over TCP segments (tshark calls it malformed).
    var tsharkSplitPPTPFrames: [String] { self == .pptpRefusedSplitReply ? ["5"] : [] }
    var testDescription: String { self.rawValue }

    func build() -> Data {
        switch self {
        case .pptpGREOneWay: Self.pptpGREOneWay()
        case .pptpMSCHAPv2Failure691: Self.pptpMSCHAPv2Failure(error: 691, retry: true)
        case .pptpMSCHAPv2Failure649: Self.pptpMSCHAPv2Failure(error: 649, retry: false)
        case .pptpRefusedSplitReply: Self.pptpRefusedSplitReply()
        case .l2tpCleartextCHAPFailure: Self.l2tpCleartext(.chapFailure)
        case .l2tpPingsUnanswered: Self.l2tpCleartext(.pingsUnanswered)
        case .l2tpMidSession: Self.l2tpCleartext(.midSession)
        case .espOneWay: Self.espOneWay()
        case .dnsNXDomain: Self.dnsNXDomain()
        case .windowsServerBehindNAT: Self.windowsServerBehindNAT()
        case .ikev2InGRE: Self.ikev2InGRE()
        }
    }

    // Addresses: documentation ranges, as in the lab (Captures/lab/README.md).
    static let client = "192.0.2.10"
    static let server = "203.0.113.20"
    static let resolver = "198.51.100.53"
    /// The server's own address behind its NAT router (windows-server-behind-nat only).
    static let serverPrivate = "192.168.1.20"
}

// MARK: - PPTP (RFC 2637) with GRE and PPP

extension Synthetic {
    /// The PPTP values all come from john-samples/lulu-password-pptp.pcap (a Windows client to pptpd):
    /// frame 10 SCCRQ, 12 SCCRP, 13 OCRQ, 14 OCRP, 16/29 Set-Link-Info; frames 15-28 the LCP options,
    /// 28/35 the MS-CHAPv2 Challenge/Response sizes and names. Teardown bodies: nDPI/pptp.pcap
    /// frames 16 (Call-Clear-Request) and 23 (Call-Disconnect-Notify, 148 bytes).
    enum PPTP {
        static let clientCallID: UInt16 = 2932  // lulu frame 13
        static let serverCallID: UInt16 = 256   // lulu frame 14
        static let clientPort: UInt16 = 49_732

        static func startControlRequest() -> [UInt8] {  // lulu frame 10: Windows, "Microsoft", no host name
            PacketBuilder.pptpControl(1, be16(0x0100) + [0, 0] + be32(1) + be32(1) + be16(0) + be16(0)
                                      + fixed("", 64) + fixed("Microsoft", 64))
        }
        static func startControlReply(result: UInt8 = 1) -> [UInt8] {  // lulu frame 12: pptpd, result 1, "local"/"linux"
            PacketBuilder.pptpControl(2, be16(0x0100) + [result, 0] + be32(0) + be32(0) + be16(1) + be16(1)
                                      + fixed("local", 64) + fixed("linux", 64))
        }
        static func outgoingCallRequest() -> [UInt8] {  // lulu frame 13: serial 3, 300..100000000 bps, window 64
            PacketBuilder.pptpControl(7, be16(clientCallID) + be16(3) + be32(300) + be32(100_000_000) + be32(3) + be32(3)
                                      + be16(64) + be16(0) + be16(0) + [0, 0] + fixed("", 64) + fixed("", 64))
        }
        static func outgoingCallReply() -> [UInt8] {  // lulu frame 14: result 1 Connected, 100000000 bps
            PacketBuilder.pptpControl(8, be16(serverCallID) + be16(clientCallID) + [1, 0] + be16(0) + be32(100_000_000)
                                      + be16(64) + be16(0) + be32(0))
        }
        static func setLinkInfo(send: UInt32, receive: UInt32) -> [UInt8] {  // lulu frames 16 and 29
            PacketBuilder.pptpControl(15, be16(serverCallID) + [0, 0] + be32(send) + be32(receive))
        }
        static func callClearRequest() -> [UInt8] { PacketBuilder.pptpControl(12, be16(clientCallID) + [0, 0]) }
        static func callDisconnectNotify() -> [UInt8] {  // result 4: "Request" (the client's Call-Clear-Request)
            PacketBuilder.pptpControl(13, be16(serverCallID) + [4, 0] + be16(0) + [0, 0] + [UInt8](repeating: 0, count: 128))
        }
        static func stopControlRequest() -> [UInt8] { PacketBuilder.pptpControl(3, [1, 0, 0, 0]) }  // reason 1: none
        static func stopControlReply() -> [UInt8] { PacketBuilder.pptpControl(4, [1, 0, 0, 0]) }    // result 1: OK
    }

    /// LCP options (RFC 1661 §6) as the two peers of lulu-password-pptp.pcap sent them.
    enum LCPOption {
        static func mru(_ v: UInt16) -> [UInt8] { [1, 4] + be16(v) }
        static func accm(_ v: UInt32) -> [UInt8] { [2, 6] + be32(v) }
        static func magic(_ v: UInt32) -> [UInt8] { [5, 6] + be32(v) }
        static let pfc: [UInt8] = [7, 2], acfc: [UInt8] = [8, 2]
        static let callbackCBCP: [UInt8] = [13, 3, 6]  // Windows asks for callback (operation 6), pptpd rejects it
    }

    static let windowsMagic: UInt32 = 0x0C6F_3548  // lulu frame 17
    static let pptpdMagic: UInt32 = 0xAA47_1106    // lulu frame 15
    static let windowsLCP = LCPOption.mru(1400) + LCPOption.magic(windowsMagic) + LCPOption.pfc + LCPOption.acfc
    static let pptpdLCP = LCPOption.accm(0) + PacketBuilder.lcpAuthOption(0xC223, algorithm: 0x81)
        + LCPOption.magic(pptpdMagic) + LCPOption.pfc + LCPOption.acfc

    /// TCP 1723 handshake, SCCRQ/SCCRP and OCRQ/OCRP; returns the time of the Outgoing-Call-Reply.
    static func pptpControlSetup(_ c: inout ClientCapture, _ tcp: inout TCPConnection) -> Double {
        c.tcp(0.0000, &tcp, fromClient: true, TCPFlag.syn)
        c.tcp(0.0281, &tcp, fromClient: false, TCPFlag.syn | TCPFlag.ack)
        c.tcp(0.0283, &tcp, fromClient: true, TCPFlag.ack)
        c.tcp(0.0286, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack, PPTP.startControlRequest())
        c.tcp(0.0570, &tcp, fromClient: false, TCPFlag.psh | TCPFlag.ack, PPTP.startControlReply())
        c.tcp(0.0573, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack, PPTP.outgoingCallRequest())
        c.tcp(0.0861, &tcp, fromClient: false, TCPFlag.psh | TCPFlag.ack, PPTP.outgoingCallReply())
        return 0.0861
    }

    /// Windows gives up: Call-Clear-Request, Call-Disconnect-Notify, Stop-Control-Connection, FIN.
    static func pptpTeardown(_ c: inout ClientCapture, _ tcp: inout TCPConnection, at t: Double) {
        c.tcp(t, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack, PPTP.callClearRequest())
        c.tcp(t + 0.0284, &tcp, fromClient: false, TCPFlag.psh | TCPFlag.ack, PPTP.callDisconnectNotify())
        c.tcp(t + 0.0287, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack, PPTP.stopControlRequest())
        c.tcp(t + 0.0571, &tcp, fromClient: false, TCPFlag.psh | TCPFlag.ack, PPTP.stopControlReply())
        c.tcp(t + 0.0575, &tcp, fromClient: true, TCPFlag.fin | TCPFlag.ack)
        c.tcp(t + 0.0858, &tcp, fromClient: false, TCPFlag.fin | TCPFlag.ack)
        c.tcp(t + 0.0859, &tcp, fromClient: true, TCPFlag.ack)
    }

    static func pptpCapture() -> (ClientCapture, TCPConnection) {
        // TTL: Windows sends 128 (lulu); pptpd's 64 arrives after 11 hops.
        (ClientCapture(ttl: [client: 128, server: 53], ipID: [client: 0x0B8C, server: 0xF707]),
         TCPConnection(clientPort: PPTP.clientPort, serverPort: 1723, clientSequence: 1_239_326_676, serverSequence: 835_534_066))
    }

    /// 1. The control connection and the call come up, then the client's LCP Configure-Requests go out
    /// in GRE and nothing comes back: no GRE from the server at all (a router drops IP protocol 47).
    /// The client retries every 3 s (RFC 1661 §4.6 Restart timer) 10 times (Max-Configure), then hangs up.
    static func pptpGREOneWay() -> Data {
        var (c, tcp) = pptpCapture()
        let reply = pptpControlSetup(&c, &tcp)
        c.tcp(reply + 0.2000, &tcp, fromClient: true, TCPFlag.ack)  // delayed ACK of the Outgoing-Call-Reply
        for i in 0..<10 {
            let lcp = PacketBuilder.pppControl(code: 1, identifier: UInt8(i), windowsLCP + LCPOption.callbackCBCP)
            c.ip(reply + 0.0281 + 3.0 * Double(i), from: client, to: server, .gre,
                 PacketBuilder.gre(callID: PPTP.serverCallID, sequence: UInt32(i), PacketBuilder.ppp(0xC021, lcp)))
        }
        pptpTeardown(&c, &tcp, at: reply + 30.0284)
        return c.pcap
    }

    /// 1b. The server refuses the control connection: its Start-Control-Connection-Reply (result 4,
    /// "Requester is not authorized", RFC 2637 §2.2) arrives split over two TCP segments (100 bytes, then
    /// the other 56), and the server closes TCP 1723. Only the reassembled stream has the reply.
    static func pptpRefusedSplitReply() -> Data {
        var (c, tcp) = pptpCapture()
        c.tcp(0.0000, &tcp, fromClient: true, TCPFlag.syn)
        c.tcp(0.0281, &tcp, fromClient: false, TCPFlag.syn | TCPFlag.ack)
        c.tcp(0.0283, &tcp, fromClient: true, TCPFlag.ack)
        c.tcp(0.0286, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack, PPTP.startControlRequest())
        let reply = PPTP.startControlReply(result: 4)
        c.tcp(0.0570, &tcp, fromClient: false, TCPFlag.ack, Array(reply.prefix(100)))
        c.tcp(0.0571, &tcp, fromClient: false, TCPFlag.psh | TCPFlag.ack, Array(reply.dropFirst(100)))
        c.tcp(0.0572, &tcp, fromClient: false, TCPFlag.fin | TCPFlag.ack)
        c.tcp(0.0575, &tcp, fromClient: true, TCPFlag.fin | TCPFlag.ack)
        c.tcp(0.0858, &tcp, fromClient: false, TCPFlag.ack)
        return c.pcap
    }

    /// 2. PPTP up, GRE both ways, LCP agrees on CHAP with MS-CHAPv2, then the server answers the
    /// MS-CHAPv2 Response with a Failure (RFC 2759 §6: "E=eeeeeeeeee R=r C=cccc… V=vvvvvvvvvv M=<msg>")
    /// and terminates LCP. `failureText` replaces the failure's M= text (TerminalSafetyTests).
    static func pptpMSCHAPv2Failure(error: Int, retry: Bool, failureText: String = "Authentication failure") -> Data {
        var random = SeededGenerator(seed: UInt64(error))
        var (c, tcp) = pptpCapture()
        var clientGRE = GRESequence(), serverGRE = GRESequence()
        func gre(_ t: Double, fromClient: Bool, _ ppp: [UInt8]) {
            let seq = fromClient ? clientGRE.next() : serverGRE.next()
            let ack = fromClient ? serverGRE.last : clientGRE.last
            let callID = fromClient ? PPTP.serverCallID : PPTP.clientCallID  // the receiver's call ID
            c.ip(t, from: fromClient ? client : server, to: fromClient ? server : client, .gre,
                 PacketBuilder.gre(callID: callID, sequence: seq, acknowledgment: ack, ppp))
        }
        func lcp(_ code: UInt8, _ id: UInt8, _ data: [UInt8] = []) -> [UInt8] {
            PacketBuilder.ppp(0xC021, PacketBuilder.pppControl(code: code, identifier: id, data))
        }
        // After LCP is up with ACFC and PFC, CHAP goes without address/control (lulu frames 28, 35, 36).
        func chap(_ code: UInt8, _ data: [UInt8]) -> [UInt8] {
            PacketBuilder.ppp(0xC223, PacketBuilder.pppControl(code: code, identifier: 136, data), addressAndControl: false)
        }

        let t = pptpControlSetup(&c, &tcp)
        gre(t + 0.0032, fromClient: false, lcp(1, 1, pptpdLCP))                                          // lulu 15
        c.tcp(t + 0.0224, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack,
              PPTP.setLinkInfo(send: 0xFFFF_FFFF, receive: 0xFFFF_FFFF))                                  // lulu 16
        gre(t + 0.0281, fromClient: true, lcp(1, 0, windowsLCP + LCPOption.callbackCBCP))                 // lulu 17
        gre(t + 0.0565, fromClient: false, lcp(4, 0, LCPOption.callbackCBCP))                             // lulu 18
        gre(t + 0.0568, fromClient: true, lcp(1, 1, windowsLCP))                                          // lulu 19
        gre(t + 0.0570, fromClient: true, lcp(2, 1, pptpdLCP))                                            // lulu 26
        gre(t + 0.0852, fromClient: false, lcp(2, 1, windowsLCP))                                         // lulu 20
        // MS-CHAPv2 (RFC 2759 §4): a 16-byte challenge and the authenticator's name (lulu 28)...
        gre(t + 0.0855, fromClient: false, chap(1, [16] + random.bytes(16) + Array("pptpd".utf8)))
        c.tcp(t + 0.0861, &tcp, fromClient: true, TCPFlag.psh | TCPFlag.ack,
              PPTP.setLinkInfo(send: 0, receive: 0xFFFF_FFFF))                                            // lulu 29
        // ...a 49-byte response: peer challenge 16, reserved 8 zeros, NT-Response 24, flags 1 (lulu 35).
        let response = random.bytes(16) + [UInt8](repeating: 0, count: 8) + random.bytes(24) + [0]
        gre(t + 0.1140, fromClient: true, chap(2, [49] + response + Array("lulu".utf8)))
        let newChallenge = random.bytes(16).map { String(format: "%02X", $0) }.joined()
        let message = "E=\(error) R=\(retry ? 1 : 0) C=\(newChallenge) V=3 M=\(failureText)"
        gre(t + 0.1447, fromClient: false, chap(4, Array(message.utf8)))
        // pppd closes LCP with its reason as Terminate-Request data (fsm.c terminate_layer).
        gre(t + 0.1450, fromClient: false, lcp(5, 2, Array("Authentication failed".utf8)))
        gre(t + 0.1462, fromClient: true, lcp(6, 2))
        pptpTeardown(&c, &tcp, at: t + 0.1490)
        return c.pcap
    }

    /// One direction's GRE sequence numbers (RFC 2637 §4.2): the next to send, and the last sent,
    /// which the other side acknowledges.
    struct GRESequence {
        private(set) var last: UInt32?
        mutating func next() -> UInt32 {
            let n = self.last.map { $0 + 1 } ?? 0
            self.last = n
            return n
        }
    }
}

// MARK: - L2TP (RFC 2661) in clear with PPP CHAP-MD5

extension Synthetic {
    /// 3. Plain L2TP on UDP 1701: tunnel and session come up (SCCRQ … ICCN), LCP agrees on CHAP-MD5,
    /// the LNS rejects the response (CHAP Failure), terminates LCP, and the client tears the session and
    /// the tunnel down (CDN, StopCCN). AVP values, tunnel/session IDs, Ns/Nr pattern, LCP options and
    /// the CDN/StopCCN result codes are those of jnetpcap/test-l2tp.pcap (a Windows LAC to a Cisco LNS):
    /// frames 45-53 (control), 56-60 (LCP), 165 and 167 (teardown); that LNS asked for PAP, this one
    /// asks for CHAP with MD5 (RFC 1994). `hostile` (TerminalSafetyTests) replaces the LAC's host
    /// name and the CHAP Failure message, and becomes the StopCCN's result message.
    ///
    /// 3b (`pingsUnanswered`). The same up to CHAP, which succeeds; IPCP agrees on 10.99.30.10/10.99.30.1
    /// (the lab's xl2tpd pool), LCP echoes go both ways, and four pings from the client inside PPP
    /// (IPv4, PPP protocol 0x0021) are never answered: the LNS does not route them on.
    /// 3c (`midSession`). Only the pings, answered: a capture started after the tunnel came up.
    enum L2TPOutcome { case chapFailure, pingsUnanswered, midSession }

    static func l2tpCleartext(_ outcome: L2TPOutcome, hostile: String? = nil) -> Data {
        var random = SeededGenerator(seed: 1701)
        var c = ClientCapture(ttl: [client: 128, server: 245], ipID: [client: 0x2C10, server: 0x01A4])
        let clientTunnel: UInt16 = 2, serverTunnel: UInt16 = 3257, clientSession: UInt16 = 1, serverSession: UInt16 = 25
        func u16(_ v: UInt16) -> [UInt8] { be16(v) }
        func control(_ t: Double, fromClient: Bool, session: UInt16 = 0, ns: UInt16, nr: UInt16,
                     _ avps: [(type: UInt16, value: [UInt8])]) {
            let message = PacketBuilder.l2tpControl(tunnel: fromClient ? serverTunnel : clientTunnel, session: session,
                                                    ns: ns, nr: nr, avps: avps)
            c.udp(t, from: fromClient ? client : server, 1701, to: fromClient ? server : client, 1701, message)
        }
        func ppp(_ t: Double, fromClient: Bool, _ proto: UInt16, _ code: UInt8, _ id: UInt8, _ data: [UInt8] = []) {
            let frame = PacketBuilder.ppp(proto, PacketBuilder.pppControl(code: code, identifier: id, data))
            let message = l2tpDataWithLength(tunnel: fromClient ? serverTunnel : clientTunnel,
                                             session: fromClient ? serverSession : clientSession, frame)
            c.udp(t, from: fromClient ? client : server, 1701, to: fromClient ? server : client, 1701, message)
        }
        let messageType: UInt16 = 0, result: UInt16 = 1, protocolVersion: UInt16 = 2, framing: UInt16 = 3, bearer: UInt16 = 4
        func ping(_ t: Double, fromClient: Bool, _ sequence: UInt16) {  // ICMP echo (RFC 792), 56 data bytes as ping(8)
            let (inner, peer) = fromClient ? ("10.99.30.10", "10.99.30.1") : ("10.99.30.1", "10.99.30.10")
            var icmp = [fromClient ? 8 : 0, 0, 0, 0] + be16(0x4C41) + be16(sequence) + [UInt8](repeating: 0x2A, count: 56)
            let sum = PacketBuilder.checksum(icmp)
            icmp[2] = UInt8(sum >> 8)
            icmp[3] = UInt8(sum & 0xFF)
            let ip = PacketBuilder.ipv4(src: inner, dst: peer, protocol: .icmp, id: sequence, icmp)
            let message = l2tpDataWithLength(tunnel: fromClient ? serverTunnel : clientTunnel,
                                             session: fromClient ? serverSession : clientSession,
                                             PacketBuilder.ppp(0x0021, ip, addressAndControl: false))
            c.udp(t, from: fromClient ? client : server, 1701, to: fromClient ? server : client, 1701, message)
        }
        if outcome == .midSession {
            for i in 0..<4 {
                ping(0.3 * Double(i), fromClient: true, UInt16(i + 1))
                ping(0.3 * Double(i) + 0.0302, fromClient: false, UInt16(i + 1))
            }
            return c.pcap
        }
        let firmware: UInt16 = 6, hostName: UInt16 = 7, vendor: UInt16 = 8, assignedTunnel: UInt16 = 9, window: UInt16 = 10
        let challenge: UInt16 = 11, challengeResponse: UInt16 = 13, assignedSession: UInt16 = 14, serial: UInt16 = 15
        let bearerType: UInt16 = 18, framingType: UInt16 = 19, speed: UInt16 = 24, proxyAuthType: UInt16 = 29

        let tunnelChallenge = random.bytes(16)
        control(0.0000, fromClient: true, ns: 0, nr: 0, [                                        // frame 45
            (messageType, u16(1)), (protocolVersion, [1, 0]), (framing, be32(1)), (bearer, be32(0)), (firmware, u16(0x0500)),
            (hostName, Array((hostile ?? "client.example.com").utf8)), (vendor, Array("Microsoft".utf8)),
            (assignedTunnel, u16(clientTunnel)), (window, u16(8)),
        ])
        control(0.0302, fromClient: false, ns: 0, nr: 1, [                                       // frame 46
            (messageType, u16(2)), (protocolVersion, [1, 0]), (framing, be32(0)), (bearer, be32(0)), (firmware, u16(0x1120)),
            (hostName, Array("lns.example.net".utf8)), (vendor, Array("Cisco Systems, Inc.".utf8)),
            (assignedTunnel, u16(serverTunnel)), (window, u16(300)), (challenge, tunnelChallenge),
        ])
        // RFC 2661 §4.2: response = MD5(message type 3 | shared secret | challenge).
        let tunnelResponse = Array(Insecure.MD5.hash(data: [3] + Array("tunnel-secret".utf8) + tunnelChallenge))
        control(0.0306, fromClient: true, ns: 1, nr: 1, [(messageType, u16(3)), (challengeResponse, tunnelResponse)])  // 47
        control(0.0308, fromClient: true, ns: 2, nr: 1, [                                        // frame 48
            (messageType, u16(10)), (assignedSession, u16(clientSession)), (serial, be32(0)), (bearerType, be32(2)),
        ])
        control(0.0610, fromClient: false, ns: 1, nr: 3, [])                                     // ZLB, frame 50
        control(0.0614, fromClient: false, session: clientSession, ns: 1, nr: 3,
                [(messageType, u16(11)), (assignedSession, u16(serverSession))])                 // ICRP, frame 51
        control(0.0618, fromClient: true, session: serverSession, ns: 3, nr: 2, [               // ICCN, frame 52
            (messageType, u16(12)), (speed, be32(100_000_000)), (framingType, be32(1)), (proxyAuthType, u16(4)),
        ])
        control(0.0921, fromClient: false, ns: 2, nr: 4, [])                                     // ZLB, frame 55

        // LCP (frames 56-60): the LAC asks for MRU 1400 and callback; the LNS wants CHAP-MD5 (RFC 1994: 0xC223, 5).
        let lacMagic: UInt32 = 0x4DD5_5D57, lnsMagic: UInt32 = 0x6011_A599
        let lacOptions = LCPOption.mru(1400) + LCPOption.magic(lacMagic) + LCPOption.pfc + LCPOption.acfc
        let lnsOptions = PacketBuilder.lcpAuthOption(0xC223, algorithm: 5) + LCPOption.magic(lnsMagic)
        ppp(0.0930, fromClient: true, 0xC021, 1, 1, lacOptions + LCPOption.callbackCBCP)
        ppp(0.1228, fromClient: false, 0xC021, 1, 1, lnsOptions)
        ppp(0.1231, fromClient: true, 0xC021, 2, 1, lnsOptions)
        ppp(0.1233, fromClient: false, 0xC021, 4, 1, LCPOption.callbackCBCP)
        ppp(0.1236, fromClient: true, 0xC021, 1, 2, lacOptions)
        ppp(0.1530, fromClient: false, 0xC021, 2, 2, lacOptions)
        // CHAP-MD5 (RFC 1994 §4.1): 16-byte challenge and the LNS's name; response MD5(id | secret | challenge).
        let chapChallenge = random.bytes(16)
        ppp(0.1534, fromClient: false, 0xC223, 1, 1, [16] + chapChallenge + Array("lns".utf8))
        let password = outcome == .chapFailure ? "wrong-password" : "correct-password"
        let chapResponse = Array(Insecure.MD5.hash(data: [1] + Array(password.utf8) + chapChallenge))
        ppp(0.1549, fromClient: true, 0xC223, 2, 1, [16] + chapResponse + Array("alice".utf8))
        if outcome == .pingsUnanswered {
            ppp(0.1851, fromClient: false, 0xC223, 3, 1, Array("Access granted".utf8))
            // IPCP (RFC 1332): option 3, IP-Address; the LNS NAKs 0.0.0.0 with the pool address.
            let address: (String) -> [UInt8] = { [3, 6] + PacketBuilder.address($0) }
            ppp(0.1855, fromClient: false, 0x8021, 1, 1, address("10.99.30.1"))
            ppp(0.1858, fromClient: true, 0x8021, 1, 1, address("0.0.0.0"))
            ppp(0.2160, fromClient: true, 0x8021, 2, 1, address("10.99.30.1"))
            ppp(0.2162, fromClient: false, 0x8021, 3, 1, address("10.99.30.10"))
            ppp(0.2165, fromClient: true, 0x8021, 1, 2, address("10.99.30.10"))
            ppp(0.2467, fromClient: false, 0x8021, 2, 2, address("10.99.30.10"))
            for i in 0..<4 { ping(0.5 + Double(i), fromClient: true, UInt16(i + 1)) }
            // LCP Echo-Request/Reply (RFC 1661 §5.8) with the sender's magic number, both ways.
            ppp(4.5, fromClient: false, 0xC021, 9, 4, be32(lnsMagic))
            ppp(4.5302, fromClient: true, 0xC021, 10, 4, be32(lacMagic))
            ppp(4.6, fromClient: true, 0xC021, 9, 5, be32(lacMagic))
            ppp(4.6302, fromClient: false, 0xC021, 10, 5, be32(lnsMagic))
            return c.pcap
        }
        ppp(0.1851, fromClient: false, 0xC223, 4, 1, Array((hostile ?? "Authentication failed").utf8))
        ppp(0.1853, fromClient: false, 0xC021, 5, 3)   // the LNS terminates LCP (Terminate-Request, no data)
        ppp(0.1858, fromClient: true, 0xC021, 6, 3)

        // Teardown (frames 165-168): CDN result 3, StopCCN result 6, each acknowledged by a ZLB.
        control(0.1885, fromClient: true, session: serverSession, ns: 4, nr: 2,
                [(messageType, u16(14)), (result, u16(3) + u16(0)), (assignedSession, u16(clientSession))])
        control(0.2186, fromClient: false, ns: 2, nr: 5, [])
        control(0.2190, fromClient: true, ns: 5, nr: 2,
                [(messageType, u16(4)), (assignedTunnel, u16(clientTunnel)), (result, u16(6) + u16(0) + Array((hostile ?? "").utf8))])
        control(0.2493, fromClient: false, ns: 2, nr: 6, [])
        return c.pcap
    }

    /// An L2TPv2 data message with the length bit set (flags 0x4002), as both peers of
    /// jnetpcap/test-l2tp.pcap send them (frame 56: `4002 0021 0cb9 0019 ff03 c021 …`).
    static func l2tpDataWithLength(tunnel: UInt16, session: UInt16, _ ppp: [UInt8]) -> [UInt8] {
        be16(0x4002) + be16(UInt16(8 + ppp.count)) + be16(tunnel) + be16(session) + ppp
    }
}

// MARK: - IKEv2 then raw ESP one way

extension Synthetic {
    /// 4. IKEv2 on UDP 500 without NAT (correct NAT_DETECTION hashes, RFC 7296 §2.23), IKE_AUTH in SK
    /// payloads, then ESP (IP protocol 50) from the client only: sequence 1…8 on one SPI, one ping a
    /// second, nothing back. Proposal (AES-CBC-256, PRF/INTEG SHA2-384, ECP-384), Cisco vendor IDs,
    /// nonce and KE sizes, IKE_AUTH sizes (344/296 bytes, first inner payload Vendor ID) and the ESP
    /// size (152-byte IP packets) are those of nDPI/esp.pcapng frames 1-6 (Cisco FlexVPN).
    static func espOneWay() -> Data {
        var random = SeededGenerator(seed: 50)
        // Cisco sends with TTL 255 (nDPI frame 1); the server's packets arrive 5 hops later.
        var c = ClientCapture(ttl: [client: 255, server: 250], ipID: [client: 0x00DF, server: 0x00BB])
        let spiI: UInt64 = 0x05AC_0F4D_1220_13F4, spiR: UInt64 = 0x5F46_EE70_BC4C_5D0D  // nDPI frames 1-2
        let ciscoVendorIDs = ["CISCO-DELETE-REASON", "CISCOVPN-REV-02", "CISCO-DYNAMIC-ROUTE", "FLEXVPN-SUPPORTED"]
        func transform(_ type: UInt8, _ id: UInt16, keyLength: UInt16? = nil) -> [UInt8] {
            [type, 0] + be16(id) + (keyLength.map { be16(0x800E) + be16($0) } ?? [])
        }
        let transforms = [transform(1, 12, keyLength: 256), transform(2, 6), transform(3, 13), transform(4, 20)]
        let proposal = [1, 1, 0, UInt8(transforms.count)] + IKE.substructures(transforms, more: 3)
        let sa = IKE.substructures([proposal], more: 2)

        func saInit(responderSPI: UInt64, from: String, to: String) -> [UInt8] {
            let natdSource = IKE.natD(spiI, responderSPI, from, 500)
            let natdDestination = IKE.natD(spiI, responderSPI, to, 500)
            let payloads: [(UInt8, [UInt8])] = [(33, sa), (34, be16(20) + [0, 0] + random.bytes(96)), (40, random.bytes(32))]
                + ciscoVendorIDs.map { (43, Array($0.utf8)) }
                + [(41, PacketBuilder.ikev2Notify(16388, data: natdSource)),
                   (41, PacketBuilder.ikev2Notify(16389, data: natdDestination))]
            let chain = IKE.chain(payloads)
            return PacketBuilder.ike(initiatorSPI: spiI, responderSPI: responderSPI, nextPayload: chain.first, exchange: 34,
                                     flags: responderSPI == 0 ? 0x08 : 0x20, chain.bytes)
        }
        // SK (RFC 7296 §3.14): IV 16, AES-CBC ciphertext, ICV 24 (HMAC-SHA2-384-192).
        func ikeAuth(response: Bool, ciphertext: Int) -> [UInt8] {
            let sk = PacketBuilder.ikePayload(next: 43, random.bytes(16) + random.bytes(ciphertext) + random.bytes(24))
            return PacketBuilder.ike(initiatorSPI: spiI, responderSPI: spiR, nextPayload: 46, exchange: 35,
                                     flags: response ? 0x20 : 0x08, messageID: 1, sk)
        }
        c.udp(0.0000, from: client, 500, to: server, 500, saInit(responderSPI: 0, from: client, to: server))
        c.udp(0.0069, from: server, 500, to: client, 500, saInit(responderSPI: spiR, from: server, to: client))
        c.udp(0.0142, from: client, 500, to: server, 500, ikeAuth(response: false, ciphertext: 272))  // 344 bytes
        c.udp(0.0205, from: server, 500, to: client, 500, ikeAuth(response: true, ciphertext: 224))   // 296 bytes
        let spi: UInt32 = 0x2360_B0E3  // nDPI frame 5
        for seq in 1...8 {
            // 8-byte header + IV 16 + 96 bytes of padded ping + ICV 24 = 132 (IP total 152, as in nDPI frame 5).
            c.ip(2.0031 + Double(seq - 1), from: client, to: server, .esp,
                 PacketBuilder.esp(spi: spi, sequence: UInt32(seq), length: 0) + random.bytes(124))
        }
        return c.pcap
    }
}

// MARK: - DNS

extension Synthetic {
    /// 5. The client looks up vpn.example.com, gets NXDOMAIN, asks once more, NXDOMAIN again; no VPN
    /// traffic follows. Flags 0x8183, one SOA in the authority section, SOA timers and TTLs, and the
    /// 53 ms answer time are those of nDPI/anyconnect-vpn.pcap frames 121-122 (print.viasat.com).
    /// `host` replaces "vpn" (TerminalSafetyTests).
    static func dnsNXDomain(host: String = "vpn") -> Data {
        var c = ClientCapture(ttl: [client: 64, resolver: 54], ipID: [client: 0x5A31, resolver: 0x0D02])
        let name = host + ".example.com"
        for (t, id, port) in [(0.0, UInt16(0xA617), UInt16(54_851)), (1.0043, 0x3C5E, 41_207)] {
            c.udp(t, from: client, port, to: resolver, 53, PacketBuilder.dns(id: id, name: name))
            c.udp(t + 0.0535, from: resolver, 53, to: client, port, nxdomainWithSOA(id: id, name: name))
        }
        return c.pcap
    }

    /// A response with RCODE 3 and the zone's SOA in the authority section (RFC 2308 §2.1).
    static func nxdomainWithSOA(id: UInt16, name: String) -> [UInt8] {
        var message = PacketBuilder.dns(id: id, name: name, response: true, rcode: 3)
        message[8...9] = [0, 1]  // NSCOUNT
        // "example.com" inside the question (12-byte header + the first label: "\x03vpn").
        let zone: [UInt8] = [0xC0, UInt8(12 + 1 + name.utf8.count - ".example.com".utf8.count)]
        let rdata = [3] + Array("ns1".utf8) + zone + [10] + Array("hostmaster".utf8) + zone
            + be32(2_024_010_101) + be32(7200) + be32(900) + be32(1_209_600) + be32(86400)
        message += zone + be16(6) + be16(1) + be32(900) + be16(UInt16(rdata.count)) + rdata
        return message
    }
}

// MARK: - IKEv1 Main Mode: Windows client, server behind NAT

extension Synthetic {
    /// 6. A Windows client (MS NT5 ISAKMPOAKLEY) starts IKEv1 Main Mode with a server behind NAT.
    /// MM1-MM4 complete; the NAT-D payloads (RFC 3947 §3.2: HASH(CKY-I | CKY-R | IP | Port) with the
    /// negotiated SHA-1) show that the client is not behind NAT and the server is: the server hashes
    /// its private address 192.168.1.20, seen nowhere in the capture. Windows then stops (by default it
    /// does not do NAT-T with a server behind NAT: error 809) and the server retransmits MM4 after 1, 2
    /// and 4 s.
    static func windowsServerBehindNAT() -> Data {
        var random = SeededGenerator(seed: 809)
        // Windows sends TTL 128; the server (64) is 15 hops away, so its packets carry no initial TTL.
        var c = ClientCapture(ttl: [client: 128, server: 49], ipID: [client: 0x1B1E, server: 0x6D02])
        let cookieI: UInt64 = 0x9E66_0CD8_535E_1027  // jnetpcap/test-l2tp.pcap frame 88 (Windows MM1)
        let cookieR: UInt64 = 0x640A_0643_5C7C_4B31  // openswan lp108-v1rwnatQI1/v1rwnatN1.pcap (MM2)

        // Attributes in the order Windows sends them (test-l2tp frame 88): encryption, [key length],
        // hash, group, authentication (1 = pre-shared key), life type seconds, life 28800 s.
        func transform(_ number: UInt8, encryption: UInt16, keyLength: UInt16?, group: UInt16) -> [UInt8] {
            var attributes = IKE.tv(1, encryption) + (keyLength.map { IKE.tv(14, $0) } ?? [])
            attributes += IKE.tv(2, 2) + IKE.tv(4, group) + IKE.tv(3, 1) + IKE.tv(11, 1) + be16(12) + be16(4) + be32(28800)
            return [number, 1, 0, 0] + attributes
        }
        // Part of what Windows 10 offers for L2TP/IPsec Main Mode, as strongSwan logs of such clients list it
        // (no corpus capture has a modern Windows MM1): AES-256/ECP-384, AES-128/ECP-256, AES-256/MODP-2048,
        // 3DES/MODP-2048, SHA-1 throughout. The server picks the third.
        let offered = [transform(1, encryption: 7, keyLength: 256, group: 20), transform(2, encryption: 7, keyLength: 128, group: 19),
                       transform(3, encryption: 7, keyLength: 256, group: 14), transform(4, encryption: 5, keyLength: nil, group: 14)]
        func saPayload(_ transforms: [[UInt8]]) -> [UInt8] {
            let proposal = [1, 1, 0, UInt8(transforms.count)] + IKE.substructures(transforms, more: 3)
            return be32(1) + be32(1) + IKE.substructures([proposal], more: 2)
        }
        // Vendor IDs (bytes as tshark 4.0 and Sources/Decoding/IKE/VendorID.swift know them):
        let windowsVendorIDs = [
            "1e2b516905991c7d7c96fcbfb587e46100000009",  // MS NT5 ISAKMPOAKLEY v9 (zeek-spicy-ipsec/ipsec_client.pcap frame 1)
            "4a131c81070358455c5728f20e95452f",          // RFC 3947 NAT-T (libreswan weirdike-eastwest, a Windows AuthIP packet)
            "90cb80913ebb696e086381b5ec427b1f",          // draft-ietf-ipsec-nat-t-ike-02\n (openswan v1rwnatM1.pcap)
            "4048b7d56ebce88525e7de7f00d6c2d3",          // FRAGMENTATION (weirdike-eastwest)
            "fb1de3cdf341b7ea16b7e5be0855f120",          // MS-Negotiation Discovery Capable (weirdike-eastwest)
            "26244d38eddb61b3172a36e3d0cfb819",          // Microsoft Vid-Initial-Contact (weirdike-eastwest)
            "e3a5966a76379fe707228231e5ce8652",          // IKE CGA version 1 (tshark's vendor ID table)
        ].map { (UInt8(13), hexBytes($0)) }
        let serverVendorIDs = ["afcad71368a1f1c96b8696fc77570100", "4a131c81070358455c5728f20e95452f"]  // DPD, RFC 3947 (v1rwnatN1)
            .map { (UInt8(13), hexBytes($0)) }

        func mainMode(responderSPI: UInt64, _ payloads: [(UInt8, [UInt8])]) -> [UInt8] {
            let chain = IKE.chain(payloads)
            return PacketBuilder.ike(initiatorSPI: cookieI, responderSPI: responderSPI, nextPayload: chain.first,
                                     version: 0x10, exchange: 2, flags: 0, chain.bytes)
        }
        let mm1 = mainMode(responderSPI: 0, [(UInt8(1), saPayload(offered))] + windowsVendorIDs)
        let mm2 = mainMode(responderSPI: cookieR, [(UInt8(1), saPayload([offered[2]]))] + serverVendorIDs)
        // MM3/MM4: KE (MODP-2048: 256 bytes), nonce (Windows 32, Openswan 16: v1rwnatN2.pcap), then
        // NAT-D: first the receiver's address as the sender sees it, then the sender's own.
        let mm3 = mainMode(responderSPI: cookieR, [
            (4, random.bytes(256)), (10, random.bytes(32)),
            (20, IKE.natD(cookieI, cookieR, server, 500)), (20, IKE.natD(cookieI, cookieR, client, 500)),
        ])
        let mm4 = mainMode(responderSPI: cookieR, [
            (4, random.bytes(256)), (10, random.bytes(16)),
            (20, IKE.natD(cookieI, cookieR, client, 500)), (20, IKE.natD(cookieI, cookieR, serverPrivate, 500)),
        ])
        c.udp(0.0000, from: client, 500, to: server, 500, mm1)
        c.udp(0.0312, from: server, 500, to: client, 500, mm2)
        c.udp(0.0467, from: client, 500, to: server, 500, mm3)
        c.udp(0.0938, from: server, 500, to: client, 500, mm4)
        for delay in [1.0, 3.0, 7.0] { c.udp(0.0938 + delay, from: server, 500, to: client, 500, mm4) }
        return c.pcap
    }
}

// MARK: - IKE helpers

enum IKE {
    /// NAT-D / NAT_DETECTION_*_IP data: HASH(SPIi | SPIr | IP | port) (RFC 3947 §3.2, RFC 7296 §2.23),
    /// with SHA-1: always for IKEv2, and the hash both IKEv1 captures here negotiate.
    static func natD(_ spiI: UInt64, _ spiR: UInt64, _ address: String, _ port: UInt16) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: be64(spiI) + be64(spiR) + PacketBuilder.address(address) + be16(port)))
    }

    /// A payload chain: each payload's header names the type of the one after it.
    static func chain(_ payloads: [(UInt8, [UInt8])]) -> (first: UInt8, bytes: [UInt8]) {
        var bytes: [UInt8] = []
        for (i, payload) in payloads.enumerated() {
            bytes += PacketBuilder.ikePayload(next: i + 1 < payloads.count ? payloads[i + 1].0 : 0, payload.1)
        }
        return (payloads.first?.0 ?? 0, bytes)
    }

    /// Proposal or transform substructures: a generic header whose first byte is `more` except on the last.
    static func substructures(_ bodies: [[UInt8]], more: UInt8) -> [UInt8] {
        bodies.enumerated().flatMap { i, body in PacketBuilder.ikePayload(next: i + 1 < bodies.count ? more : 0, body) }
    }

    /// An IKEv1 data attribute in type/value form (RFC 2408 §3.3).
    static func tv(_ type: UInt16, _ value: UInt16) -> [UInt8] { be16(0x8000 | type) + be16(value) }
}

// MARK: - Capture assembly

typealias TCPFlag = PacketBuilder.TCPFlag

/// Frames as the client's capture sees them: Ethernet between the client (02:00:5e:00:01:10) and its
/// gateway (02:00:5e:00:01:01), IPv4 with per-sender TTL and incrementing IP ID, and correct
/// TCP/UDP checksums (RFC 9293 §3.1, RFC 768 pseudo-header).
struct ClientCapture {
    static let clientMAC: UInt64 = 0x0200_5E00_0110, gatewayMAC: UInt64 = 0x0200_5E00_0101
    var ttl: [String: UInt8]
    var ipID: [String: UInt16]
    private(set) var frames: [(time: Double, bytes: [UInt8])] = []

    init(ttl: [String: UInt8], ipID: [String: UInt16]) {
        self.ttl = ttl
        self.ipID = ipID
    }

    /// The frames in time order (ties keep the order they were added in).
    var pcap: Data {
        let ordered = self.frames.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        return PacketBuilder.pcap(ordered.map(\.element))
    }

    mutating func ip(_ time: Double, from source: String, to destination: String, _ proto: IPProtocol, _ payload: [UInt8],
                     dontFragment: Bool = false) {
        let id = self.ipID[source, default: 1]
        self.ipID[source] = id &+ 1
        let packet = PacketBuilder.ipv4(src: source, dst: destination, protocol: proto, ttl: self.ttl[source] ?? 64, id: id,
                                        dontFragment: dontFragment, payload)
        let outbound = source == Synthetic.client
        self.frames.append((time, PacketBuilder.ethernet(packet, source: outbound ? Self.clientMAC : Self.gatewayMAC,
                                                         destination: outbound ? Self.gatewayMAC : Self.clientMAC)))
    }

    mutating func udp(_ time: Double, from source: String, _ sourcePort: UInt16, to destination: String, _ destinationPort: UInt16,
                      _ payload: [UInt8]) {
        let datagram = Self.withChecksum(PacketBuilder.udp(sourcePort, destinationPort, payload), at: 6, .udp, source, destination)
        self.ip(time, from: source, to: destination, .udp, datagram)
    }

    mutating func tcp(_ time: Double, _ connection: inout TCPConnection, fromClient: Bool, _ flags: UInt8, _ payload: [UInt8] = []) {
        let (source, destination) = fromClient ? (Synthetic.client, Synthetic.server) : (Synthetic.server, Synthetic.client)
        let segment = Self.withChecksum(connection.segment(fromClient: fromClient, flags, payload), at: 16, .tcp, source, destination)
        self.ip(time, from: source, to: destination, .tcp, segment, dontFragment: true)
    }

    static func withChecksum(_ segment: [UInt8], at offset: Int, _ proto: IPProtocol, _ source: String,
                             _ destination: String) -> [UInt8] {
        let pseudoHeader = PacketBuilder.address(source) + PacketBuilder.address(destination) + [0, proto.rawValue]
            + be16(UInt16(segment.count))
        let sum = PacketBuilder.checksum(pseudoHeader + segment)
        let value = sum == 0 && proto == .udp ? 0xFFFF : sum  // RFC 768: a computed 0 is sent as all ones
        var out = segment
        out[offset] = UInt8(value >> 8)
        out[offset + 1] = UInt8(value & 0xFF)
        return out
    }
}

/// Sequence and acknowledgment numbers of one TCP connection (client → server port).
struct TCPConnection {
    let clientPort: UInt16, serverPort: UInt16
    var clientSequence: UInt32, serverSequence: UInt32

    mutating func segment(fromClient: Bool, _ flags: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let seq = fromClient ? self.clientSequence : self.serverSequence
        let ack = flags & TCPFlag.ack != 0 ? (fromClient ? self.serverSequence : self.clientSequence) : 0
        let length = UInt32(payload.count) + (flags & (TCPFlag.syn | TCPFlag.fin) != 0 ? 1 : 0)
        if fromClient { self.clientSequence &+= length } else { self.serverSequence &+= length }
        return PacketBuilder.tcp(fromClient ? self.clientPort : self.serverPort, fromClient ? self.serverPort : self.clientPort,
                                 seq: seq, ack: ack, flags: flags, window: fromClient ? 64_240 : 29_200, payload)
    }
}

// MARK: - IPsec inside a plain GRE tunnel (RFC 2784)

extension Synthetic {
    /// Two routers' plain GRE tunnel carrying a whole IKEv2 connection. The IP packets inside are
    /// real and unchanged but for their UDP checksums (see below): frames 1-12 of Captures/lab-ikev2-psk-ok-client.pcap (strongSwan's
    /// IKE_SA_INIT, IKE_AUTH on 4500, ESP in UDP both ways), at their own times after one second.
    /// Synthetic: the Ethernet, outer IPv4 and GRE headers, and one keepalive each way first, in
    /// Cisco's format as tcpdump/various_gre.pcap frames 11-12 show it (an IP packet back to the
    /// sender holding an empty GRE header; TTL 255 as there). The lab has no GRE device.
    static func ikev2InGRE() -> Data {
        typealias B = PacketBuilder
        let routerA = "198.51.100.1", routerB = "198.51.100.2"  // documentation range (RFC 5737)
        func gre(_ source: String, _ destination: String, _ protocolType: UInt16, _ inner: [UInt8]) -> [UInt8] {
            B.ethernet(B.ipv4(src: source, dst: destination, protocol: .gre, ttl: 255, B.plainGRE(protocolType, inner)))
        }
        func keepalive(from sender: String, to peer: String, at time: Double) -> [(time: Double, bytes: [UInt8])] {
            let home = B.ipv4(src: peer, dst: sender, protocol: .gre, ttl: 255, B.plainGRE(0, []))
            return [(time, gre(sender, peer, 0x0800, home)),
                    (time + 0.001, B.ethernet(B.ipv4(src: peer, dst: sender, protocol: .gre, ttl: 254, B.plainGRE(0, []))))]
        }
        var frames = keepalive(from: routerA, to: routerB, at: 0) + keepalive(from: routerB, to: routerA, at: 0.5)
        // A failure to read our own capture leaves the build short, and the comparison with the file fails.
        if let file = try? PcapFile(path: Corpus.capturePath("lab-ikev2-psk-ok-client.pcap")) {
            var start: Timestamp?, client: [UInt8]?
            while let frame = try? file.next(), frame.info.number <= 12 {
                var ip = Array(frame.bytes.dropFirst(14))  // Ethernet
                // The lab's veth left the senders' UDP checksums unfilled (offload): 0, "none" (RFC 768).
                let udp = Int(ip[0] & 0x0F) * 4
                if ip[9] == IPProtocol.udp.rawValue { ip[udp + 6] = 0; ip[udp + 7] = 0 }
                start = start ?? frame.info.timestamp
                client = client ?? Array(ip[12..<16])  // the IKE initiator sends frame 1
                let fromClient = Array(ip[12..<16]) == client!
                frames.append((1 + frame.info.timestamp.seconds(since: start!),
                               gre(fromClient ? routerA : routerB, fromClient ? routerB : routerA, 0x0800, ip)))
            }
        }
        return B.pcap(frames)
    }
}

/// `SeededGenerator` (TestSupport) stands in for keys, nonces, challenges and ciphertext, the same
/// on every run.
extension SeededGenerator {
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count { out += be64(self.next()).prefix(count - out.count) }
        return out
    }
}

func be16(_ v: UInt16) -> [UInt8] { PacketBuilder.be(v) }
func be32(_ v: UInt32) -> [UInt8] { PacketBuilder.be(v) }
func be64(_ v: UInt64) -> [UInt8] { PacketBuilder.be(v) }

/// A NUL-padded fixed-size text field (PPTP host and vendor names, RFC 2637 §2.1).
func fixed(_ text: String, _ size: Int) -> [UInt8] {
    Array(text.utf8.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - text.utf8.count))
}
