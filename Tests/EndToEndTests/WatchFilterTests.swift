import Capture
import Decoding
import Testing
import TestSupport
@testable import VPNDoctorCLI

/// `watch`'s built-in capture filter keeps a real frame of every `ProtocolRegistry` entry, without
/// `--server` and with it (its address being one end of the frame), compiled by libpcap itself.
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct WatchFilterTests {
    @Test(arguments: ProtocolRegistry.entries.indices)
    func theFilterKeepsEveryRegistryEntry(_ index: Int) throws {
        for sample in RegistrySamples.entry(at: index).samples {
            let address = try RegistrySamples.withFrame(sample) { frame -> IPAddress? in
                var decoder = PacketDecoder()
                let packet = decoder.decode(frame)
                return packet.ipv4?.destination ?? packet.ipv6?.destination
            }
            let server = try #require(address ?? nil, "\(sample): no IP header")
            for filter in [WatchCommand.vpnFilter(server: nil), WatchCommand.vpnFilter(server: server)] {
                let kept = try RegistrySamples.withFrame(sample, filter: filter) { _ in true }
                #expect(kept == true, "\(sample): dropped by \(filter)")
            }
        }
    }
}
