import Capture
import Decoding

/// The header fields a data-plane packet is counted by: what `Analyzer.add` reads of an ESP,
/// NAT-T ESP, GRE data or plain TCP/UDP packet instead of a whole `PacketFact` (a plain value,
/// a few words, built and consumed in registers).
struct DataPlaneFact {
    enum Kind { case other, esp(ESPFact), gre(callID: UInt16) }
    var source: IPAddress
    var destination: IPAddress
    var ipProtocol: IPProtocol
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    var ipLength: Int
    var kind: Kind = .other
}

extension Classifier {
    /// The data-plane reading of `packet`, or nil when `fact(from:)` must classify it: only shapes
    /// whose fact is `.esp`, `.gre` or `.other` (not PPTP's TCP 1723), whole and not reassembled,
    /// so both paths record the same evidence.
    static func dataPlane(_ packet: DecodedPacket) -> DataPlaneFact? {
        guard packet.stop == nil, packet.reassembledFrom.isEmpty else { return nil }
        let layers = packet.layers
        var ipIndex = 0
        while ipIndex < layers.count, !layers[ipIndex].isIP { ipIndex += 1 }
        guard ipIndex < layers.count else { return nil }
        var d: DataPlaneFact
        switch layers[ipIndex] {
        case .ipv4(let ip):
            d = DataPlaneFact(source: ip.source, destination: ip.destination, ipProtocol: ip.protocolNumber,
                              ipLength: ip.totalLength)
        case .ipv6(let ip):
            d = DataPlaneFact(source: ip.source, destination: ip.destination, ipProtocol: ip.upperProtocol,
                              ipLength: ip.payloadLength + 40)
        default:
            return nil
        }
        let next = ipIndex + 1
        guard next < layers.count else { return d }
        switch layers[next] {
        case .esp(let h):
            d.kind = .esp(ESPFact(spi: h.spi, sequence: h.sequence, udpEncapsulated: d.ipProtocol == .udp))
        case .udp(let udp):
            d.sourcePort = udp.sourcePort
            d.destinationPort = udp.destinationPort
            guard next + 1 < layers.count else { return d }
            guard next + 2 == layers.count, case .esp(let h) = layers[next + 1] else { return nil }
            d.kind = .esp(ESPFact(spi: h.spi, sequence: h.sequence, udpEncapsulated: d.ipProtocol == .udp))
        case .tcp(let tcp):
            guard next + 1 == layers.count, tcp.sourcePort != 1723, tcp.destinationPort != 1723 else { return nil }
            d.sourcePort = tcp.sourcePort
            d.destinationPort = tcp.destinationPort
        case .gre(let g):
            // PPP control inside makes it a control-plane packet (see `tunnelKind`).
            var i = next + 1
            while i < layers.count {
                switch layers[i] {
                case .pppControl: return nil
                case .ipv4, .ipv6: i = layers.count
                default: i += 1
                }
            }
            d.kind = .gre(callID: g.callID ?? UInt16(truncatingIfNeeded: g.key ?? 0))
        default:
            return nil
        }
        return d
    }
}
