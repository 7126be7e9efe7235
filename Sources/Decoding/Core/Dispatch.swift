import Capture

/// What the dissector decodes next. Each decoder consumes exactly its header and leaves the reader
/// on its payload; this file alone decides which decoder the payload goes to, so the protocol graph
/// reads on one screen (cf. Zeek's `ip/main.zeek`).
enum NextLayer {
    case link(LinkType)
    case etherType(EtherType)
    case ipProtocol(IPProtocol, fragment: Bool)
    case udpPayload(UDP)
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
            default:
                return state.unsupported(.link, at: r.offset, "link type \(linkType.rawValue) (\(linkType))")
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
            default:
                return state.unsupported(.ethernet, at: r.offset, "EtherType 0x\(String(type.rawValue, radix: 16)) (\(type))")
            }

        case .ipProtocol(let proto, let fragment):
            if fragment {
                state.stop = DecodeStop(reason: .fragment, layer: .ipv4, offset: r.offset,
                                        detail: "IP fragment of \(proto)")
                return .done
            }
            switch proto {
            case .udp:
                let h = try UDP(from: &r)
                packet.layers.append(.udp(h))
                return .udpPayload(h)
            case .esp:
                packet.layers.append(.esp(try ESP(from: &r)))
                return .done
            case .ah:
                let h = try AH(from: &r)
                packet.layers.append(.ah(h))
                return .ipProtocol(h.nextHeader, fragment: false)
            default:
                return state.unsupported(.ipv4, at: r.offset, "IP protocol \(proto.rawValue) (\(proto))")
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
