import Capture
import Decoding
@testable import Sessions
import Testing
import TestSupport

/// `ProtocolRegistry` is the one table of ports and IP protocols with a decoder. Every entry must
/// lead to its decoder, and the header-byte data-plane path (`Classifier.wire`) must never count a
/// packet of an entry without that decoder's layers: it leaves the frame to `PacketDecoder` (nil), or
/// reads exactly the layers the decoder makes (ESP, NAT-T ESP, PPTP's GRE data). Real frames, one or
/// two per entry (`RegistrySamples`).
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct ProtocolRegistryTests {
    /// The layer a service's decoder adds (any of these).
    static func layers(of service: ProtocolRegistry.Service) -> Set<LayerKind> {
        switch service {
        case .natTraversal: [.udpEncapsulation, .esp]
        case .ike: [.isakmp, .ikev2]
        case .l2tp, .l2tpOverIP: [.l2tp]
        case .greInUDP, .gre: [.gre]
        case .pptpControl: [.pptp]
        case .dns: [.dns]
        case .esp: [.esp]
        case .ah: [.ah]
        case .wireguard: [.wireguard]
        case .openvpn: [.openvpn]
        case .tls: [.tls]
        case .ikeTCP: [.tcpEncapsulation]
        }
    }

    @Test(arguments: ProtocolRegistry.entries.indices)
    func everyEntryLeadsToItsDecoderAndTheWirePathLeavesItThere(_ index: Int) throws {
        let (entry, samples) = RegistrySamples.entry(at: index)
        for sample in samples {
            let seen: Bool? = try RegistrySamples.withFrame(sample) { frame in
                var decoder = PacketDecoder()
                let packet = decoder.decode(frame)
                let decoded = packet.layers.map(\.kind)
                #expect(!Self.layers(of: entry.service).isDisjoint(with: decoded), "\(sample): decoded \(decoded)")
                if let wire = Classifier.wire(frame, limits: .standard) {
                    var read: [LayerKind] = []
                    wire.layers.forEach { read.append($0) }
                    #expect(read == decoded, "\(sample): the wire path reads \(read), the decoder makes \(decoded)")
                }
                return true
            }
            #expect(seen == true, "\(sample): frame not in the file")
        }
    }

    /// Lookups by port pair follow the table's order: NAT-T before IKE, VPN ports before DNS.
    @Test func bothPortsMatchingTakeTheEarlierEntry() {
        #expect(ProtocolRegistry.udp(500, 4500)?.service == .natTraversal)
        #expect(ProtocolRegistry.udp(4500, 500)?.service == .natTraversal)
        #expect(ProtocolRegistry.udp(53, 1701)?.service == .l2tp)
        #expect(ProtocolRegistry.udp(53, 40000)?.isVPN == false)
        #expect(ProtocolRegistry.udp(40000, 40001) == nil)
        #expect(ProtocolRegistry.tcp(500, 40000) == nil)
        #expect(ProtocolRegistry.isVPN(.udp, 4754, 40000))
        #expect(ProtocolRegistry.isVPN(.gre, 0, 0))
        #expect(!ProtocolRegistry.isVPN(.icmp, 0, 0))
    }
}
