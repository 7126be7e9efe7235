import Capture
import Decoding
import Sessions
import Testing

/// NAT-D recomputation against values from real captures (shown by tshark 4.0 `-V`), fed to the
/// analyzer as facts until the IKE decoder is on main.
@Suite struct NATDetectionTests {
    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { i in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    static func endpoint(_ address: String, _ port: UInt16) -> Endpoint { Endpoint(IPAddress(address)!, port) }

    /// nDPI/esp.pcapng frame 1 (IKE_SA_INIT request, SPIr 0 in the header) and frame 2 (response).
    @Test func ikev2HashesOfARealExchange() {
        let spiI: UInt64 = 0x05ac_0f4d_1220_13f4, spiR: UInt64 = 0x5f46_ee70_bc4c_5d0d
        #expect(NATDetection.hash(.sha1, initiatorSPI: spiI, responderSPI: 0, endpoint: Self.endpoint("10.2.3.2", 500))
            == Self.bytes("4fbeaa57ffae70cc08776899742185b6c2bbb55d"))
        #expect(NATDetection.hash(.sha1, initiatorSPI: spiI, responderSPI: 0, endpoint: Self.endpoint("10.3.4.4", 500))
            == Self.bytes("b16f1538b2b4d28d6f1aa6e8f79d9e92ca33d409"))
        #expect(NATDetection.hash(.sha1, initiatorSPI: spiI, responderSPI: spiR, endpoint: Self.endpoint("10.3.4.4", 500))
            == Self.bytes("cf73f6965980a0fef59cdd6a6944b18aca914785"))
    }

    /// zeek-spicy-ipsec/ipsec-ikev1-isakmp-main-mode.pcap frame 3 (MM3, hash algorithm SHA): the first
    /// NAT-D hashes the destination, the second the sender (RFC 3947 §3.2).
    @Test func ikev1HashesOfARealMainMode() {
        let spiI: UInt64 = 0xe47a_591f_d057_587f, spiR: UInt64 = 0xa00b_8ef0_902b_b8ec
        #expect(NATDetection.hash(.sha1, initiatorSPI: spiI, responderSPI: spiR, endpoint: Self.endpoint("192.168.12.2", 500))
            == Self.bytes("1574d64c0165bad16a023f038d45a07498d8d051"))
        #expect(NATDetection.hash(.sha1, initiatorSPI: spiI, responderSPI: spiR, endpoint: Self.endpoint("192.168.12.1", 500))
            == Self.bytes("febf462f1cd75805a7baa28747e769d674f85600"))
    }

    static func fact(frame: Int, from: Endpoint, to: Endpoint, ttl: UInt8, spiI: UInt64, spiR: UInt64, response: Bool,
                     source: String, destination: String) -> PacketFact {
        let m = IKEMessageFact(
            version: 2, exchange: .ikeSAInit, initiatorSPI: spiI, responderSPI: spiR, fromInitiator: !response,
            isResponse: response, length: 300, payloadTypes: [33, 34, 41, 41],
            notifies: [IKENotifyFact(.natDetectionSourceIP, data: bytes(source)),
                       IKENotifyFact(.natDetectionDestinationIP, data: bytes(destination))])
        return PacketFact(frame: frame, time: Timestamp(seconds: 1_000 + Int64(frame), nanoseconds: 0), source: from.address,
                          destination: to.address, ipProtocol: .udp, sourcePort: from.port, destinationPort: to.port,
                          ipLength: 328, ttl: ttl, kind: .ike(m))
    }

    /// An IKE_SA_INIT request and response with the NAT-D hashes (source, destination) each carried.
    static func conclusion(client c: Endpoint, server s: Endpoint, frames: (Int, Int), ttls: (UInt8, UInt8), spis: (UInt64, UInt64),
                           request: (String, String), response: (String, String)) -> NATConclusion? {
        var analyzer = Analyzer(options: AnalysisOptions())
        analyzer.add(fact: Self.fact(frame: frames.0, from: c, to: s, ttl: ttls.0, spiI: spis.0, spiR: 0, response: false,
                                     source: request.0, destination: request.1))
        analyzer.add(fact: Self.fact(frame: frames.1, from: s, to: c, ttl: ttls.1, spiI: spis.0, spiR: spis.1, response: true,
                                     source: response.0, destination: response.1))
        return analyzer.finish().sessions[0].nat
    }

    /// nDPI/esp.pcapng frames 1–2: hashes match the addresses seen, so no NAT.
    @Test func noNATOnARealExchange() {
        let nat = Self.conclusion(client: Self.endpoint("10.2.3.2", 500), server: Self.endpoint("10.3.4.4", 500),
                                  frames: (1, 2), ttls: (255, 254), spis: (0x05ac_0f4d_1220_13f4, 0x5f46_ee70_bc4c_5d0d),
                                  request: ("4fbeaa57ffae70cc08776899742185b6c2bbb55d", "b16f1538b2b4d28d6f1aa6e8f79d9e92ca33d409"),
                                  response: ("cf73f6965980a0fef59cdd6a6944b18aca914785", "b5bf51e2925a867c96f0013bda4ce526d85f36a6"))
        #expect(nat != nil)
        #expect(nat?.anyNAT == false)
        #expect(nat?.forcedEncapsulation.isEmpty == true)
    }

    /// nDPI/ipsec_isakmp_esp.pcap frames 16 and 19: the client (192.168.2.100:10500, TTL 63 at the
    /// capture point) hashed another source, and the server saw the client elsewhere: client behind NAT.
    /// The server's own hash matches 109.237.187.193:500, so the server is not.
    @Test func clientBehindNATOnARealExchange() throws {
        let nat = try #require(Self.conclusion(
            client: Self.endpoint("192.168.2.100", 10500), server: Self.endpoint("109.237.187.193", 500), frames: (16, 19),
            ttls: (63, 247), spis: (0xb64e_f321_31a4_8952, 0x86ba_bd39_0488_6955),
            request: ("0bac9eb0fe54562b461e584ab413d13c42c4cf07", "4a262dd5967ee72965e98867cb8596e75a7f212f"),
            response: ("a16029d72b156c3ed814c4f942dd53b0be0bc383", "d571bce853a806d6e7cb8c34ce8819a5fab8ed62")))
        #expect(nat.clientBehindNAT)
        #expect(!nat.serverBehindNAT)
        #expect(nat.forcedEncapsulation.isEmpty)
        #expect(nat.frames == [16, 19])
    }
}
