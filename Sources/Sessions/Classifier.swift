import Capture
import Decoding

/// Turns a decoded packet into the one fact the analyzer reads. Pure; reads layers, never bytes.
///
/// Each protocol's case is written once its decoder is on main; until then its packets become
/// `.other` facts that still count in flows (by port and IP protocol).
public enum Classifier {
    /// The fact of the outermost IP packet.
    public static func fact(from packet: DecodedPacket) -> PacketFact? {
        // Index loops, not `firstIndex(where:)`: generic collection code copies a layer through the
        // heap in an unoptimised build (and the allocation guard runs there).
        var ipIndex = 0
        while ipIndex < packet.layers.count, !packet.layers[ipIndex].isIP { ipIndex += 1 }
        return self.fact(from: packet, ipAt: ipIndex)
    }

    /// The fact of the IP packet whose header is layer `ipIndex` (what it carries through a tunnel
    /// has a fact of its own: `carried(by:in:ipAt:)`).
    public static func fact(from packet: DecodedPacket, ipAt ipIndex: Int) -> PacketFact? {
        let layers = packet.layers
        guard ipIndex < layers.count, layers[ipIndex].isIP else { return nil }
        let info = packet.frame
        var fact: PacketFact
        var isFragment = false
        var fragmentID: UInt32 = 0, fragmentOffset = 0, moreFragments = false
        switch layers[ipIndex] {
        case .ipv4(let ip):
            fact = PacketFact(frame: info.number, time: info.timestamp, source: ip.source, destination: ip.destination,
                              ipProtocol: ip.protocolNumber, ipLength: ip.totalLength, ttl: ip.ttl,
                              capturedLength: info.capturedLength, originalLength: info.originalLength)
            isFragment = ip.isFragment
            fragmentID = UInt32(ip.identification)
            fragmentOffset = ip.fragmentOffset
            moreFragments = ip.moreFragments
        case .ipv6(let ip):
            fact = PacketFact(frame: info.number, time: info.timestamp, source: ip.source, destination: ip.destination,
                              ipProtocol: ip.upperProtocol, ipLength: ip.payloadLength + 40, ttl: ip.hopLimit,
                              capturedLength: info.capturedLength, originalLength: info.originalLength)
            if let f = ip.fragment, f.isFragment {
                isFragment = true
                fragmentID = f.identification
                fragmentOffset = f.offset
                moreFragments = f.moreFragments
            }
        default:
            return nil
        }
        // Reassembly is of the outermost packet.
        if !packet.reassembledFrom.isEmpty, ipIndex == self.firstIP(layers) { fact.reassembledFrom = packet.reassembledFrom }
        if isFragment, packet.stop?.reason == .fragment {
            fact.kind = .ipFragment(identification: fragmentID, offset: fragmentOffset, moreFragments: moreFragments)
            return fact
        }
        guard ipIndex + 1 < layers.count else { return fact }
        // Where the VPN protocol is looked for: after the transport header, which has no VPN kind of
        // its own (each layer looked at is copied out of the array).
        var index = ipIndex + 1
        switch layers[ipIndex + 1] {
        case .udp(let udp):
            index += 1
            fact.sourcePort = udp.sourcePort
            fact.destinationPort = udp.destinationPort
        case .tcp(let tcp):
            index += 1
            fact.sourcePort = tcp.sourcePort
            fact.destinationPort = tcp.destinationPort
            fact.tcp = TCPFact(flags: UInt8(truncatingIfNeeded: tcp.flags.rawValue), sequence: tcp.sequenceNumber,
                               acknowledgment: tcp.acknowledgmentNumber, payloadLength: tcp.payload.count)
        case .icmp(let icmp):
            index += 1
            if let quote = icmp.quote {
                fact.kind = self.icmpError(quote, isV6: false, type: icmp.type.rawValue, code: icmp.code,
                                           mtu: icmp.nextHopMTU.map(Int.init))
            } else if icmp.isEcho {
                fact.kind = .icmpEcho(request: icmp.type == .echoRequest, identifier: icmp.echoIdentifier ?? 0,
                                      sequence: icmp.echoSequence ?? 0)
            }
        case .icmpv6(let icmp):
            index += 1
            if let quote = icmp.quote {
                fact.kind = self.icmpError(quote, isV6: true, type: icmp.type.rawValue, code: icmp.code,
                                           mtu: icmp.type == .packetTooBig ? Int(icmp.rest) : nil)
            } else if icmp.isEcho {
                fact.kind = .icmpEcho(request: icmp.type == .echoRequest, identifier: icmp.echoIdentifier ?? 0,
                                      sequence: icmp.echoSequence ?? 0)
            }
        default:
            break
        }
        // The VPN protocol carried by the outer header (stopping at a tunnelled inner IP header).
        while index < layers.count, !layers[index].isIP {
            if let kind = self.ipsecKind(layers[index], udpEncapsulated: fact.ipProtocol == .udp) ?? self.tunnelKind(layers, at: index) {
                fact.kind = kind
                break
            }
            index += 1
        }
        return fact
    }

    /// The layer of the IP packet that `fact`'s packet (IP header at layer `ipIndex`) carries through
    /// a plain GRE tunnel (version 0, not a keepalive), which has a fact of its own: IKE or ESP inside
    /// GRE is a VPN session of its own. (Not returned with the fact as a tuple: an optional tuple
    /// was destroyed through the runtime's generic value witness, ~300 instructions a frame.)
    public static func carried(by fact: PacketFact, in packet: DecodedPacket, ipAt ipIndex: Int) -> Int? {
        if case .gre(let g) = fact.kind, g.version == 0, g.keepalive == nil { return self.carriedIP(packet.layers, after: ipIndex) }
        // ESP decrypted with the user's keys (`--keys`): the packet inside is analysed as its own.
        if case .esp = fact.kind { return self.carriedIP(packet.layers, after: ipIndex) }
        return nil
    }

    static func firstIP(_ layers: [DecodedLayer]) -> Int {
        var i = 0
        while i < layers.count, !layers[i].isIP { i += 1 }
        return i
    }

    /// The next IP header after layer `ipIndex`, when the packet's transport ends there (GRE, GRE in
    /// UDP, with Ethernet or VLAN between for transparent Ethernet bridging).
    static func carriedIP(_ layers: [DecodedLayer], after ipIndex: Int) -> Int? {
        var i = ipIndex + 1
        while i < layers.count {
            switch layers[i] {
            case .ipv4, .ipv6: return i
            case .udp, .gre, .ethernet, .vlan, .esp: i += 1
            default: return nil
            }
        }
        return nil
    }

    static func icmpError(_ quote: ICMPQuote, isV6: Bool, type: UInt8, code: UInt8, mtu: Int?) -> FactKind {
        guard let source = quote.source, let destination = quote.destination else { return .other }
        return .icmpError(ICMPErrorFact(
            isV6: isV6, type: type, code: code, quotedSource: source, quotedDestination: destination,
            quotedProtocol: quote.protocolNumber ?? IPProtocol(rawValue: 255), quotedSourcePort: quote.sourcePort ?? 0,
            quotedDestinationPort: quote.destinationPort ?? 0, quotedSPI: quote.spi, mtu: mtu))
    }
}

extension DecodedLayer {
    var isIP: Bool {
        switch self {
        case .ipv4, .ipv6: true
        default: false
        }
    }

    /// An IP header's addresses.
    var addresses: (source: IPAddress, destination: IPAddress)? {
        switch self {
        case .ipv4(let ip): (ip.source, ip.destination)
        case .ipv6(let ip): (ip.source, ip.destination)
        default: nil
        }
    }
}
