import Capture
import Decoding
import Foundation
import Sessions
import Testing
import TestSupport

/// The per-session ceilings of `AnalysisLimits` (each hit counted in `stateDropped`) and the
/// lookups that replaced linear scans, on real lab captures. How fast they stay on hostile input
/// is measured by `make bench-hostile`, not here.
@Suite struct BoundsTests {
    static func analyze(_ path: String, _ configure: (inout AnalysisLimits) -> Void = { _ in }) throws -> Analysis {
        var options = AnalysisOptions()
        configure(&options.limits)
        var analyzer = Analyzer(options: options)
        let file = try PcapFile(path: path)
        var decoder = PacketDecoder()
        var packet = DecodedPacket(linkType: file.linkType)
        while let frame = try file.next() { _ = analyzer.add(frame, decoder: &decoder, into: &packet) }
        return analyzer.finish()
    }

    static func lab(_ name: String) -> String { Corpus.capturePath(name) }

    /// (frame, retransmission of) of every IKE message that repeats an earlier one.
    static func ikeRepeats(_ a: Analysis) -> [[Int]] {
        a.sessions.flatMap(\.ike).flatMap(\.messages).compactMap { m in m.retransmissionOf.map { [m.frame, $0] } }
    }

    /// tshark: frames 4–6 repeat the IKE_AUTH request of frame 3 (same length, message ID 1).
    @Test func ikeRetransmissionsFoundInTheNATTLab() throws {
        let a = try Self.analyze(Self.lab("lab-natt-4500-blocked-client.pcap"))
        #expect(Self.ikeRepeats(a) == [[4, 3], [5, 3], [6, 3]])
        let steps = a.sessions[0].ike[0].messages.filter { $0.frame >= 3 }.map(\.step)
        #expect(Set(steps) == [IKEStep(.ikeAuth)], "a repeat takes its original's step")
    }

    /// tshark: MM5 (frame 5) is sent four times (frames 7, 9, 13), each answered by an Informational
    /// with a new message ID (frames 6, 8, 10, 14: not repeats).
    @Test func ikeRetransmissionsFoundInTheWrongPSKLab() throws {
        let a = try Self.analyze(Self.lab("lab-ikev1-main-wrong-psk-client.pcap"))
        #expect(Self.ikeRepeats(a) == [[7, 5], [9, 5], [13, 5]])
    }

    /// tshark: the SCCRQ of frame 1 is repeated in frames 2, 3 and 6.
    @Test func l2tpRetransmissionsFound() throws {
        let a = try Self.analyze(Self.lab("lab-l2tp-1701-blocked-client.pcap"))
        let repeats = a.sessions.compactMap(\.l2tp).flatMap(\.messages).compactMap { m in m.retransmissionOf.map { [m.frame, $0] } }
        #expect(repeats == [[2, 1], [3, 1], [6, 1]])
    }

    /// A COOKIE or INVALID_KE_PAYLOAD answer makes the next request of its message ID a new try even
    /// at the same length; a repeat of that try is a retransmission of it, not of the first request.
    /// Synthetic facts: the lab's INVALID_KE retry (frames 1 and 3) differs in length, and no real
    /// capture at hand retries at the same length.
    @Test func requestAfterCookieIsARetryNotARepeat() {
        let c = Endpoint(IPAddress("192.0.2.10")!, 500), s = Endpoint(IPAddress("203.0.113.20")!, 500)
        func fact(_ frame: Int, response: Bool, notifies: [IKENotifyFact] = []) -> PacketFact {
            let m = IKEMessageFact(version: 2, exchange: .ikeSAInit, initiatorSPI: 0x1122, responderSPI: 0,
                                   fromInitiator: !response, isResponse: response, length: 300,
                                   payloadTypes: response ? [41] : [33], notifies: notifies)
            let (from, to) = response ? (s, c) : (c, s)
            return PacketFact(frame: frame, time: Timestamp(seconds: 1_000 + Int64(frame), nanoseconds: 0), source: from.address,
                              destination: to.address, ipProtocol: .udp, sourcePort: from.port, destinationPort: to.port,
                              ipLength: 328, ttl: 64, kind: .ike(m))
        }
        var analyzer = Analyzer(options: AnalysisOptions())
        analyzer.add(fact: fact(1, response: false))
        analyzer.add(fact: fact(2, response: true, notifies: [IKENotifyFact(.cookie, data: [1, 2, 3, 4])]))
        analyzer.add(fact: fact(3, response: false))
        analyzer.add(fact: fact(4, response: false))
        analyzer.add(fact: fact(5, response: true, notifies: [IKENotifyFact(.cookie, data: [1, 2, 3, 4])]))
        analyzer.add(fact: fact(6, response: false))
        let repeats = Self.ikeRepeats(analyzer.finish())
        #expect(repeats == [[4, 3], [5, 2]])
    }

    /// The IKE messages of one SA stop at `messagesPerSession`; the rest are counted.
    @Test func ikeMessagesPerSACeiling() throws {
        let a = try Self.analyze(Self.lab("lab-ikev1-main-wrong-psk-client.pcap")) { $0.messagesPerSession = 5 }
        #expect(a.sessions[0].ike[0].messages.map(\.frame) == [1, 2, 3, 4, 5])
        #expect(a.capture.stateDropped["control messages"] == 7)
    }

    /// Vendor IDs, NAT-D payloads and KE groups of one SA stop at `valuesPerSA`. tshark: MM1 (frame 1)
    /// carries five vendor IDs, MM2 four of the same; MM3 and MM4 (frames 3, 4) carry the NAT-D hashes.
    @Test func ikeValuesPerSACeiling() throws {
        let path = Self.lab("lab-ikev1-main-nat-ok-client.pcap")
        let full = try Self.analyze(path).sessions[0].ike[0]
        #expect(full.vendorIDs.count == 5 && full.natD.map(\.frame) == [3, 4])
        let a = try Self.analyze(path) { $0.valuesPerSA = 1 }
        let sa = a.sessions[0].ike[0]
        #expect(sa.vendorIDs == [full.vendorIDs[0]] && sa.natD.map(\.frame) == [3])
        // Four vendor IDs of MM1, the three of MM2 not kept, MM4's NAT-D.
        #expect(a.capture.stateDropped["IKE vendor IDs, NAT-D payloads and KE groups"] == 4 + 3 + 1)
    }

    /// tshark: seven SYNs to TCP 1723 (frames 1–4, 7–9), none answered.
    /// A thousand TCP 1723 connections between one client and one server are a thousand attempts
    /// (`PPTPTracker.split`); each later part keeps its own connection's flow, not all thousand, so
    /// the flows reported grow with the connections and not with their square (before: a million
    /// flows, a 748 MB JSON report at 200k packets). Synthetic: make-hostile-pcap.py's pptp-flags.
    @Test func splitPartsKeepTheirOwnFlows() throws {
        let a = try Self.analyze(try Corpus.hostileShape("pptp-flags", packets: 3_000))
        #expect(a.sessions.count >= 500)
        #expect(a.sessions.reduce(0) { $0 + $1.flows.count } <= 3 * a.sessions.count)
        #expect(a.sessions.dropFirst().allSatisfy { $0.flows.count == 1 })
    }

    @Test func pptpFrameListsCeiling() throws {
        let path = Self.lab("lab-pptp-1723-blocked-client.pcap")
        #expect(try Self.analyze(path).sessions[0].pptp?.synFrames == [1, 2, 3, 4, 7, 8, 9])
        let a = try Self.analyze(path) { $0.framesPerList = 3 }
        #expect(a.sessions[0].pptp?.synFrames == [1, 2, 3])
        #expect(a.capture.stateDropped["frame numbers in lists"] == 4)
    }
}

/// NAT-D recomputation tries only the addresses that could apply (the SA's own and its session's
/// flows'), not every address of the capture as before.
@Suite struct NATDCandidatesTests {
    /// On every capture at hand the conclusions are those of trying every address of the capture.
    /// (None of them finds the address a hash was computed over: the next test covers that.)
    @Test func sameConclusionsAsEveryAddressOfTheCapture() throws {
        let ours = try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map(Corpus.capturePath)
        var compared = 0
        for path in ours + Corpus.publicFiles().map(Corpus.publicPath) {
            var analyzer = Analyzer(options: AnalysisOptions())
            guard let file = try? PcapFile(path: path) else { continue }
            var decoder = PacketDecoder()
            var packet = DecodedPacket(linkType: file.linkType)
            var every = Set<IPAddress>()
            while let frame = try? file.next() {
                switch analyzer.add(frame, decoder: &decoder, into: &packet) {
                case .dataPlane(let source, let destination): every.formUnion([source, destination])
                case .decoded: if let fact = Classifier.fact(from: packet) { every.formUnion([fact.source, fact.destination]) }
                }
            }
            for s in analyzer.finish().sessions where s.ike.contains(where: { !$0.natD.isEmpty }) {
                let reference = NATDetection.conclude(sas: s.ike, client: s.client, flowAddresses: every)
                #expect(s.nat == reference, "\(path): session \(s.id)")
                compared += 1
            }
        }
        // Sessions with NAT-D hashes: the lab's alone have more than ten.
        #expect(compared >= 10)
    }

    /// nDPI/ipsec_isakmp_esp.pcap frames 16 and 19 (as in NATDetectionTests), then the same SA seen
    /// from the client's inside address: its NAT-D source hash of frame 16 is of 192.168.3.103:10500
    /// (found by trying addresses offline), which the SA's own messages now show. Synthetic facts
    /// around real hashes: no capture at hand sees both sides of a NAT with NAT-D.
    @Test func hashedAddressFoundAmongTheSAsOwn() throws {
        typealias N = NATDetectionTests
        let c = N.endpoint("192.168.2.100", 10500), s = N.endpoint("109.237.187.193", 500)
        let inside = N.endpoint("192.168.3.103", 10500)
        let spis: (UInt64, UInt64) = (0xb64e_f321_31a4_8952, 0x86ba_bd39_0488_6955)
        var analyzer = Analyzer(options: AnalysisOptions())
        analyzer.add(fact: N.fact(frame: 16, from: c, to: s, ttl: 63, spiI: spis.0, spiR: 0, response: false,
                                  source: "0bac9eb0fe54562b461e584ab413d13c42c4cf07", destination: "4a262dd5967ee72965e98867cb8596e75a7f212f"))
        analyzer.add(fact: N.fact(frame: 19, from: s, to: c, ttl: 247, spiI: spis.0, spiR: spis.1, response: true,
                                  source: "a16029d72b156c3ed814c4f942dd53b0be0bc383", destination: "d571bce853a806d6e7cb8c34ce8819a5fab8ed62"))
        let m = IKEMessageFact(version: 2, exchange: .informational, initiatorSPI: spis.0, responderSPI: spis.1,
                               messageID: 2, fromInitiator: true, isResponse: false, encrypted: true, length: 80)
        analyzer.add(fact: PacketFact(frame: 30, time: Timestamp(seconds: 1_030, nanoseconds: 0), source: inside.address,
                                      destination: s.address, ipProtocol: .udp, sourcePort: inside.port, destinationPort: s.port,
                                      ipLength: 108, ttl: 64, kind: .ike(m)))
        let nat = try #require(analyzer.finish().sessions.first { $0.client == c.address }?.nat)
        #expect(nat.privateAddresses == ["192.168.3.103:10500"])
        #expect(nat.clientBehindNAT && !nat.serverBehindNAT)
    }
}

/// An IKE SA evicted at the `ikeSAs` ceiling leaves no empty session behind: its host pair had
/// nothing else. Synthetic facts (two clients' IKE_SA_INIT requests, the second evicting the
/// first): the ceiling is hit in a lab capture only with a hostile generator.
@Suite struct EvictedSATests {
    @Test func anEvictedSAMakesNoSession() {
        func request(_ frame: Int, from client: String, spi: UInt64) -> PacketFact {
            let m = IKEMessageFact(version: 2, exchange: .ikeSAInit, initiatorSPI: spi, responderSPI: 0, fromInitiator: true,
                                   isResponse: false, length: 300, payloadTypes: [33], notifies: [])
            return PacketFact(frame: frame, time: Timestamp(seconds: 1_000 + Int64(frame), nanoseconds: 0),
                              source: IPAddress(client)!, destination: IPAddress("203.0.113.20")!, ipProtocol: .udp,
                              sourcePort: 500, destinationPort: 500, ipLength: 328, ttl: 64, kind: .ike(m))
        }
        var options = AnalysisOptions()
        options.limits.ikeSAs = 1
        var analyzer = Analyzer(options: options)
        analyzer.add(fact: request(1, from: "192.0.2.10", spi: 0x1111))
        analyzer.add(fact: request(2, from: "192.0.2.11", spi: 0x2222))
        let a = analyzer.finish()
        #expect(a.capture.stateDropped["IKE SAs"] == 1)
        #expect(a.sessions.count == 1, "\(a.sessions.map { "\($0.client) \($0.protocolLabel)" })")
        #expect(a.sessions.first?.client == IPAddress("192.0.2.11")!)
    }
}
