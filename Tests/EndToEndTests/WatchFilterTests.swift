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

    /// The frame numbers of `file` that `filter` keeps (nil: every frame).
    static func frames(_ file: String, filter: String? = nil) throws -> [Int: FrameInfo] {
        let pcap = try PcapFile(path: Corpus.publicPath(file), filter: filter)
        var kept: [Int: FrameInfo] = [:]
        while let frame = try pcap.next() { kept[frame.info.number] = frame.info }
        return kept
    }

    /// WireGuard on other ports than 51820 (ProtonVPN on 443, Mullvad on 5060, Tailscale on 41641,
    /// zeek's on 51194): every frame our decoder reads as WireGuard is kept by the filter, which
    /// knows no port of theirs; and UDP that is not WireGuard on a port without an entry (SoftEther's
    /// NAT traversal on 5004) is not.
    @Test(arguments: ["nDPI/protonvpn.pcap", "nDPI/mullvad_wireguard.pcap", "nDPI/tailscale.pcap",
                      "zeek-spicy-wireguard/wireguard.pcap"])
    func theFilterKeepsWireGuardOnAnyPort(_ file: String) throws {
        let wireguard = try decodeFile(Corpus.publicPath(file)).filter { p in p.layers.contains { $0.kind == .wireguard } }
        #expect(wireguard.count >= 10)  // the fewest: Mullvad, 10
        #expect(wireguard.contains { p in p.udp.map { !ProtocolRegistry.isPort($0.sourcePort, of: .wireguard) && !ProtocolRegistry.isPort($0.destinationPort, of: .wireguard) } ?? false })
        let kept = try Self.frames(file, filter: WatchCommand.vpnFilter(server: nil))
        let dropped = wireguard.map(\.frame.number).filter { kept[$0] == nil }
        #expect(dropped.isEmpty, "\(file): WireGuard frames \(dropped) dropped by the filter")
    }

    @Test func theFilterLeavesOtherUDPOnPortsWithoutAnEntry() throws {
        let all = try Self.frames("nDPI/softether.pcap")
        let kept = try Self.frames("nDPI/softether.pcap", filter: WatchCommand.vpnFilter(server: nil))
        #expect(all.count == 177)
        #expect(kept.isEmpty, "kept \(kept.keys.sorted())")
    }
}
