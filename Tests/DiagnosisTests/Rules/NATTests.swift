import Decoding
import Diagnosis
import Sessions
import Testing

/// NAT-D evidence built in code with hashes computed as the peers would (RFC 7296 §2.23).
@Suite struct NATTests {
    /// "MS NT5 ISAKMPOAKLEY" version 9 (MD5 prefix 1e2b5169… as Windows sends it).
    static let microsoftVID: [UInt8] = [0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96, 0xfc, 0xbf,
                                        0xb5, 0x87, 0xe4, 0x61, 0, 0, 0, 9]

    static func v2Hash(_ s: Scenario, responder: Bool, _ address: String, _ port: UInt16) -> [UInt8] {
        NATDetection.hash(.sha1, initiatorSPI: s.initiatorSPI, responderSPI: responder ? s.responderSPI : 0,
                          endpoint: Endpoint(IPAddress(address)!, port))
    }

    /// IKE_SA_INIT where the client hashed `clientSource` as its own address and `serverDestination` as the server's.
    static func natScenario(clientSource: String, serverDestination: String = "203.0.113.5", clientTTL: UInt8 = 60,
                            vendorIDs: [[UInt8]] = []) -> Scenario {
        var s = Scenario()
        s.ike(.client, version: 2, .ikeSAInit, length: 400, payloads: [IKEMessageFact.Payload.v2SA],
              notifies: [IKENotifyFact(.natDetectionSourceIP, data: v2Hash(s, responder: false, clientSource, 500)),
                         IKENotifyFact(.natDetectionDestinationIP, data: v2Hash(s, responder: false, serverDestination, 500))],
              vendorIDs: vendorIDs, noResponderSPI: true, ttl: clientTTL)
        s.ike(.server, version: 2, .ikeSAInit, response: true, length: 440, payloads: [IKEMessageFact.Payload.v2SA],
              notifies: [IKENotifyFact(.natDetectionSourceIP, data: v2Hash(s, responder: true, "203.0.113.5", 500)),
                         IKENotifyFact(.natDetectionDestinationIP, data: v2Hash(s, responder: true, "192.0.2.10", 500))])
        return s
    }

    @Test func matchingHashesMeanNoNAT() {
        let s = Self.natScenario(clientSource: "192.0.2.10")
        let nat = s.analysis().sessions[0].nat
        #expect(nat?.anyNAT == false && nat?.forcedEncapsulation.isEmpty == true)
        #expect(s.findings("nat.detected").isEmpty)
    }

    /// Only the client's own hash disagrees, seen from afar: NAT, or a client forcing encapsulation.
    @Test func clientLikelyBehindNAT() {
        let s = Self.natScenario(clientSource: "10.0.0.2")
        let nat = s.analysis().sessions[0].nat!
        #expect(!nat.clientBehindNAT && !nat.serverBehindNAT && nat.possiblyBehindNAT == [.client])
        let f = s.findings("nat.detected")
        #expect(f.count == 1 && f[0].summary.contains("the client is likely behind NAT") && f[0].confidence == .low)
    }

    /// The server hashed another address for the client than the one seen here: the client is behind NAT.
    @Test func clientBehindNAT() {
        var s = Scenario()
        s.ike(.client, version: 2, .ikeSAInit, length: 400, payloads: [IKEMessageFact.Payload.v2SA],
              notifies: [IKENotifyFact(.natDetectionSourceIP, data: Self.v2Hash(s, responder: false, "192.0.2.10", 500))],
              noResponderSPI: true)
        s.ike(.server, version: 2, .ikeSAInit, response: true, length: 440, payloads: [IKEMessageFact.Payload.v2SA],
              notifies: [IKENotifyFact(.natDetectionDestinationIP, data: Self.v2Hash(s, responder: true, "198.51.100.44", 40_123))])
        let nat = s.analysis().sessions[0].nat!
        #expect(nat.clientBehindNAT && !nat.serverBehindNAT)
        let f = s.findings("nat.detected")
        #expect(f.count == 1 && f[0].summary.contains("the client is behind NAT") && f[0].severity == .info)
    }

    @Test func forcedEncapsulationWhenCapturedNextToTheSender() {
        let s = Self.natScenario(clientSource: "10.9.9.9", clientTTL: 64)
        let nat = s.analysis().sessions[0].nat!
        #expect(nat.forcedEncapsulation == [.client])
        #expect(!nat.clientBehindNAT)
        #expect(s.findings("nat.forced-encapsulation").count == 1)
    }

    @Test func windowsClientAndServerBehindNAT() {
        var s = Self.natScenario(clientSource: "192.0.2.10", serverDestination: "198.51.100.1",
                                 vendorIDs: [Self.microsoftVID])
        s.wait(10)
        let a = s.analysis()
        #expect(a.sessions[0].nat?.serverBehindNAT == true)
        let f = s.findings("nat.server-behind-nat-windows")
        #expect(f.count == 1)
        #expect(f[0].advice.contains { $0.contains("AssumeUDPEncapsulationContextOnSendRule") && $0.contains("PolicyAgent") })
    }

    @Test func udp4500BlockedAfterTheFloat() {
        var s = Scenario()
        s.clientPort = 500
        s.saInit()
        s.ikeAuth(request: 4, responseLength: nil, port: 4500)
        let f = s.findings("nat.udp4500-blocked")
        #expect(f.count == 1 && f[0].severity == .error)
        #expect(f[0].summary.contains("UDP 4500"))
        #expect(s.findings("ike.no-response").isEmpty)
    }
}
