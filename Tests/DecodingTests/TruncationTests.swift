import Capture
import Decoding
import TestSupport
import Testing

/// Every prefix of a frame decodes without trapping, never yields more layers than the whole
/// frame, and stops as truncated (the prefix is presented as a snaplen cut: original length = the
/// full frame), or where the whole frame stops.
@Suite struct TruncationTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        var name: String
        var linkType: LinkType
        var bytes: [UInt8]
        var testDescription: String { self.name }
    }

    static let fixtures: [Fixture] = [
        Fixture(name: "QinQ PPPoE IPv4 UDP", linkType: .ethernet, bytes: LowerFixtures.qinqPPPoE),
        Fixture(name: "PPPoE LCP", linkType: .ethernet, bytes: LowerFixtures.pppoeLCP),
        Fixture(name: "PPPoE TCP SYN-ACK", linkType: .ethernet, bytes: LowerFixtures.pppoeTCPSynAck),
        Fixture(name: "6in4", linkType: .ethernet, bytes: LowerFixtures.sixInFour),
        Fixture(name: "4in4", linkType: .ethernet, bytes: LowerFixtures.fourInFour),
        Fixture(name: "IPv6 hop-by-hop MLD", linkType: .ethernet, bytes: LowerFixtures.ipv6HopByHopMLD),
        Fixture(name: "ICMP port unreachable", linkType: .ethernet, bytes: LowerFixtures.icmpPortUnreachable),
        Fixture(name: "PPP ICMP time exceeded", linkType: .ppp, bytes: LowerFixtures.pppICMPTimeExceeded),
        Fixture(name: "PPP IPv4 fragment", linkType: .ppp, bytes: LowerFixtures.pppFragments[0]),
        Fixture(name: "NULL IKE", linkType: .null, bytes: LowerFixtures.nullIKE),
        Fixture(name: "SLL", linkType: .linuxSLL, bytes: LowerFixtures.sll),
        Fixture(name: "SLL2", linkType: .linuxSLL2, bytes: LowerFixtures.sll2),
    ]

    @Test(arguments: fixtures)
    func everyPrefixStopsCleanly(_ f: Fixture) {
        // The fixtures that are themselves prefixes of longer frames say so with a larger length.
        let full = decodeBytes(f.bytes, linkType: f.linkType, originalLength: f.bytes.count + 1000)
        for n in 0..<f.bytes.count {
            let p = decodeBytes(Array(f.bytes.prefix(n)), linkType: f.linkType, originalLength: f.bytes.count + 1000)
            #expect(p.layers.count <= full.layers.count, "prefix \(n)")
            for (a, b) in zip(p.layers, full.layers) { #expect(a.kind == b.kind, "prefix \(n)") }
            // A cut frame stops as truncated (or where the whole frame stops, e.g. an unsupported
            // protocol or a fragment), never as malformed: no length field is blamed for the snaplen.
            if p.layers.count < full.layers.count || p.stop != full.stop {
                #expect(p.stop?.reason == .truncated || p.stop?.reason == full.stop?.reason,
                        "prefix \(n): \(String(describing: p.stop))")
            }
        }
    }
}
