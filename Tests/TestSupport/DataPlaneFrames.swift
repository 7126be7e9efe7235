import Capture
import Decoding

/// Real data-plane frames for the zero-allocation guards (issue 7): frames whose layers hold
/// plain values only, owned so a test can replay them.
public struct DataPlaneFrame: Sendable {
    public var file: String
    public var info: FrameInfo
    public var bytes: [UInt8]
    public var kinds: [LayerKind]

    /// Layers that hold plain values only; a frame with any other layer is control plane.
    public static let layers: Set<LayerKind> = [.ethernet, .vlan, .linuxSLL, .linuxSLL2, .null, .pppoe, .ppp, .ipv4,
                                                .ipv6, .udp, .tcp, .esp, .ah, .udpEncapsulation, .gre, .l2tp]

    /// At most `limit` frames per file of the public corpus:
    /// - flowcontainer/l2tp.pcap: L2TP/IPsec client through NAT, UDP 4500 ESP (RFC 3948) both ways;
    /// - arkime/wireshark-esp.pcap: raw ESP over IPv4 and IPv6, many SPIs;
    /// - flowcontainer/pptp.pcap: PPTP's GRE v1 carrying MPPE-compressed PPP (stops, unsupported:
    ///   the stop must not allocate either);
    /// - nDPI/anyconnect-vpn.pcap: TCP (TLS) and UDP (DNS is control plane and left out).
    public static func corpus(limit: Int = 200) throws -> [DataPlaneFrame] {
        var out: [DataPlaneFrame] = []
        for file in ["flowcontainer/l2tp.pcap", "arkime/wireshark-esp.pcap", "flowcontainer/pptp.pcap",
                     "nDPI/anyconnect-vpn.pcap"] {
            let source = try PcapFile(path: Corpus.publicPath(file))
            var decoder = PacketDecoder()
            var kept = 0
            while kept < limit, let frame = try source.next() {
                let packet = decoder.decode(frame)
                let kinds = packet.layers.map(\.kind)
                // IP fragments go to the reassembler, which keeps their bytes: not the data plane.
                guard packet.reassembledFrom.isEmpty, packet.stop?.reason != .fragment,
                      kinds.allSatisfy(Self.layers.contains) else { continue }
                out.append(DataPlaneFrame(file: file, info: frame.info, bytes: Array(frame.bytes), kinds: kinds))
                kept += 1
            }
        }
        return out
    }
}
