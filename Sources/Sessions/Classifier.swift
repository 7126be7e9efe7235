import Capture
import Decoding

/// Turns a decoded packet into the one fact the analyzer reads. Pure; reads layers, never bytes.
///
/// Each protocol's case is written once its decoder is on main; until then its packets become
/// `.other` facts that still count in flows (by port and IP protocol).
public enum Classifier {
    public static func fact(from packet: DecodedPacket) -> PacketFact? {
        var ip: IPv4?
        var udp: UDP?
        for layer in packet.layers {
            switch layer {
            case .ipv4(let h): if ip == nil { ip = h }
            case .udp(let h): if udp == nil { udp = h }
            default: break
            }
        }
        guard let ip else { return nil }
        let info = packet.frame
        var fact = PacketFact(frame: info.number, time: info.timestamp, source: ip.source, destination: ip.destination,
                              ipProtocol: ip.protocolNumber, ipLength: ip.totalLength, ttl: ip.ttl,
                              capturedLength: info.capturedLength, originalLength: info.originalLength)
        fact.reassembledFrom = packet.reassembledFrom
        if let udp {
            fact.sourcePort = udp.sourcePort
            fact.destinationPort = udp.destinationPort
        }
        if ip.isFragment, packet.stop?.reason == .fragment {
            fact.kind = .ipFragment(identification: UInt32(ip.identification), offset: ip.fragmentOffset,
                                    moreFragments: ip.moreFragments)
        }
        return fact
    }
}
