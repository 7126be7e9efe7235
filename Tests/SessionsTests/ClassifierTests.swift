import Capture
import Decoding
import Sessions
import TestSupport
import Testing

/// Classifier over frames built by `PacketBuilder` (synthetic: the lower-layer decoders are tested
/// on real captures on their own branch; here only the mapping to facts is checked).
@Suite struct ClassifierTests {
    typealias B = PacketBuilder

    @Test func ipv4UDPBecomesAFactWithPorts() throws {
        let frame = B.ethernet(B.ipv4(src: "192.0.2.10", dst: "203.0.113.5", protocol: .udp, ttl: 57, B.udp(500, 500, [1, 2, 3])))
        let fact = try #require(Classifier.fact(from: decodeBytes(frame)))
        #expect(fact.source == IPAddress("192.0.2.10") && fact.destination == IPAddress("203.0.113.5"))
        #expect(fact.sourcePort == 500 && fact.destinationPort == 500 && fact.ttl == 57)
        #expect(fact.ipLength == 31)
        #expect(fact.isVPN)
    }

    @Test func tcpSYNTo1723() throws {
        let frame = B.ethernet(B.ipv4(src: "192.0.2.10", dst: "203.0.113.5", protocol: .tcp,
                                      B.tcp(50_000, 1723, flags: B.TCPFlag.syn)))
        let fact = try #require(Classifier.fact(from: decodeBytes(frame)))
        #expect(fact.tcp?.isSYN == true && fact.destinationPort == 1723)
    }

    @Test func icmpPortUnreachableQuotesIKE() throws {
        let quoted = B.ipv4(src: "192.0.2.10", dst: "203.0.113.5", protocol: .udp, B.udp(500, 500, Array(repeating: 0, count: 8)))
        let icmp: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + quoted
        let frame = B.ethernet(B.ipv4(src: "203.0.113.5", dst: "192.0.2.10", protocol: .icmp, icmp))
        let fact = try #require(Classifier.fact(from: decodeBytes(frame)))
        guard case .icmpError(let e) = fact.kind else {
            Issue.record("not an ICMP error: \(fact.kind)")
            return
        }
        #expect(e.isPortUnreachable && e.quotedDestinationPort == 500 && e.quotedDestination == IPAddress("203.0.113.5"))
    }

    @Test func builderWritesAPcapTheReaderAccepts() throws {
        let frame = B.ethernet(B.ipv4(src: "10.0.0.1", dst: "10.0.0.2", protocol: .esp, B.esp(spi: 0xC0FFEE01, sequence: 17)))
        let data = B.pcap([(0.0, frame), (0.5, frame)])
        #expect(data.count == 24 + 2 * (16 + frame.count))
    }
}
