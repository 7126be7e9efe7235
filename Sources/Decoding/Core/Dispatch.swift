import Capture

/// What the dissector decodes next. Each decoder consumes exactly its header and leaves the reader
/// on its payload; this file alone decides which decoder the payload goes to, so the protocol graph
/// reads on one screen (cf. Zeek's `ip/main.zeek`).
enum NextLayer {
    case link(LinkType)
    /// Raw IP: the version nibble decides between IPv4 and IPv6.
    case ipByVersion
    case etherType(EtherType)
    /// A PPP frame: optional FF 03, then the protocol field.
    case ppp
    case pppProtocol(PPPProtocol)
    case ipProtocol(IPProtocol, fragment: Bool)
    case udpPayload(UDP)
    case tcpPayload(TCP)
    /// UDP 4500: keepalive, non-ESP marker + IKE, or ESP (RFC 3948).
    case udpEncapsulated
    /// ISAKMP or IKEv2, chosen by the major version (byte 17).
    case ike
    case done
}

enum Dispatch {
    /// Decodes one layer at `next`, appends it to `packet`, and says what follows.
    static func decode(_ next: NextLayer, _ r: inout ByteReader, into packet: inout DecodedPacket,
                       state: inout DissectorState) throws(DecodeError) -> NextLayer {
        switch next {
        case .link(let linkType):
            switch linkType {
            case .ethernet:
                let h = try Ethernet(from: &r)
                packet.layers.append(.ethernet(h))
                return .etherType(h.etherType)
            case .linuxSLL, .linuxSLL2:
                let h = linkType == .linuxSLL ? try LinuxSLL(v1: &r) : try LinuxSLL(v2: &r)
                packet.layers.append(.linuxSLL(h))
                return .etherType(h.protocolType)
            case .null, .loop:
                let h = try Loopback(from: &r, alwaysBigEndian: linkType == .loop)
                packet.layers.append(.loopback(h))
                if h.family == .ipv4 { return .etherType(.ipv4) }
                if h.family.isIPv6 { return .etherType(.ipv6) }
                return state.unsupported(.null, at: r.offset, "loopback address family \(h.family.rawValue)")
            case .raw, .rawOpenBSD, .linktypeRaw: return .ipByVersion
            case .ipv4: return .etherType(.ipv4)
            case .ipv6: return .etherType(.ipv6)
            case .ppp, .pppSerial: return .ppp
            case .pppEther: return .etherType(.pppoeSession)
            default:
                return state.unsupported(.link, at: r.offset, "link type \(linkType.rawValue) (\(linkType))")
            }

        case .ipByVersion:
            switch try r.peek(UInt8.self) >> 4 {
            case 4: return .etherType(.ipv4)
            case 6: return .etherType(.ipv6)
            default: throw DecodeError(.badVersion, layer: .link, offset: r.offset, detail: "raw IP version is not 4 or 6")
            }

        case .etherType(let type):
            switch type {
            case .vlan, .qinq, .qinqLegacy:
                guard state.vlanTags < state.limits.maxVLANTags else { throw r.limitExceeded("too many VLAN tags") }
                state.vlanTags += 1
                let h = try VLANTag(from: &r, tpid: type)
                packet.layers.append(.vlan(h))
                return .etherType(h.etherType)
            case .ipv4:
                let h = try IPv4(from: &r)
                packet.layers.append(.ipv4(h))
                return .ipProtocol(h.protocolNumber, fragment: h.isFragment)
            case .ipv6:
                var h = try IPv6(from: &r)
                // A damaged extension chain keeps the addresses and the headers decoded before it.
                defer { packet.layers.append(.ipv6(h)) }
                try h.decodeExtensionHeaders(from: &r, maxExtensionHeaders: state.limits.maxIPv6ExtensionHeaders)
                return .ipProtocol(h.upperProtocol, fragment: h.isFragment)
            case .pppoeSession:
                let h = try PPPoESession(from: &r)
                packet.layers.append(.pppoe(h))
                return .ppp
            default:
                return state.unsupported(.ethernet, at: r.offset, "EtherType 0x\(String(type.rawValue, radix: 16)) (\(type))")
            }

        case .ppp:
            let h = try PPPFraming(from: &r)
            packet.layers.append(.ppp(h))
            return .pppProtocol(h.protocolNumber)

        case .pppProtocol(let proto):
            switch proto {
            case .ipv4: return .etherType(.ipv4)
            case .ipv6: return .etherType(.ipv6)
            default: return state.unsupported(.ppp, at: r.offset, "PPP protocol 0x\(String(proto.rawValue, radix: 16)) (\(proto))")
            }

        case .ipProtocol(let proto, let fragment):
            let ipLayer = packet.layers.last?.kind ?? .ipv4
            if fragment {
                state.stop = DecodeStop(reason: .fragment, layer: ipLayer, offset: r.offset, detail: "IP fragment")
                return .done
            }
            switch proto {
            case .udp:
                let h = try UDP(from: &r)
                packet.layers.append(.udp(h))
                return .udpPayload(h)
            case .tcp:
                let h = try TCP(from: &r)
                packet.layers.append(.tcp(h))
                return .tcpPayload(h)
            case .icmp:
                packet.layers.append(.icmp(try ICMPv4(from: &r, maxExtensionHeaders: state.limits.maxIPv6ExtensionHeaders)))
                return .done
            case .icmpv6:
                packet.layers.append(.icmpv6(try ICMPv6(from: &r, maxExtensionHeaders: state.limits.maxIPv6ExtensionHeaders)))
                return .done
            case .ipInIP, .ipv6:
                guard state.tunnelDepth < state.limits.maxTunnelDepth else { throw r.limitExceeded("tunnels nest too deep") }
                state.tunnelDepth += 1
                return .etherType(proto == .ipInIP ? .ipv4 : .ipv6)
            case .ipv6NoNext:
                return .done
            case .esp:
                packet.layers.append(.esp(try ESP(from: &r)))
                return .done
            case .ah:
                let h = try AH(from: &r)
                packet.layers.append(.ah(h))
                return .ipProtocol(h.nextHeader, fragment: false)
            default:
                return state.unsupported(ipLayer, at: r.offset, "IP protocol \(proto.rawValue) (\(proto))")
            }

        case .udpPayload(let udp):
            if udp.either(is: 4500) { return .udpEncapsulated }
            if udp.either(is: 500) { return .ike }
            return .done

        case .udpEncapsulated:
            guard let h = try UDPEncapsulation(from: &r) else { return .ipProtocol(.esp, fragment: false) }
            packet.layers.append(.udpEncapsulation(h))
            return h.kind == .nonESPMarker ? .ike : .done

        case .ike:
            switch try r.peek(UInt8.self, at: 17) >> 4 {
            case 1:
                let m = try IKEv1Message(from: &r, limits: state.limits)
                packet.layers.append(.isakmp(m))
                if let e = m.chainError { throw e }
            case 2:
                let m = try IKEv2Message(from: &r, limits: state.limits)
                packet.layers.append(.ikev2(m))
                if let e = m.chainError { throw e }
            default:
                throw DecodeError(.badVersion, layer: .isakmp, offset: r.offset + 17, detail: "IKE major version is not 1 or 2")
            }
            return .done

        case .tcpPayload:
            return .done

        case .done:
            return .done
        }
    }
}

/// Per-packet bookkeeping of the dissection loop.
struct DissectorState {
    let limits: DecodeLimits
    var vlanTags = 0
    var tunnelDepth = 0
    var stop: DecodeStop?

    init(limits: DecodeLimits) { self.limits = limits }

    /// Records that decoding stops here because the protocol is not one we decode.
    mutating func unsupported(_ layer: LayerKind, at offset: Int, _ detail: @autoclosure () -> String) -> NextLayer {
        self.stop = DecodeStop(reason: .unsupported, layer: layer, offset: offset, detail: detail())
        return .done
    }
}
