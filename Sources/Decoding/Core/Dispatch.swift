import Capture

/// What the dissector decodes next. Each decoder consumes exactly its header and leaves the reader
/// on its payload; this file alone decides which decoder the payload goes to, so the protocol graph
/// reads on one screen (cf. Zeek's `ip/main.zeek`).
enum NextLayer {
    case link(LinkType)
    case etherType(EtherType)
    case ipProtocol(IPProtocol, fragment: Bool)
    case udpPayload(UDP)
    // Tunnels and PPP (GRE, PPTP, L2TP, PPP, DNS):
    case gre
    case tcpPayload(TCP)
    case pptpMessage
    case dnsOverTCP
    case ppp
    case pppControl(PPPProtocol)
    case l2tpPayload(L2TP)
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
            case .ppp, .pppSerial:  // RFC 1661 framing, optional FF 03 (RFC 1662)
                return .ppp
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
            case .ppp:
                return .ppp
            case .transparentEthernet:
                return .link(.ethernet)
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
            case .tcp:
                let h = try TCP(from: &r)
                packet.layers.append(.tcp(h))
                return .tcpPayload(h)
            case .gre:
                return .gre
            case .l2tp:
                try state.enterTunnel(r)
                let h = try L2TP(overIP: &r)
                packet.layers.append(.l2tp(h))
                return .l2tpPayload(h)
            default:
                return state.unsupported(.ipv4, at: r.offset, "IP protocol \(proto.rawValue) (\(proto))")
            }

        case .udpPayload(let udp):
            if r.isEmpty { return .done }
            if udp.either(is: 1701) {
                try state.enterTunnel(r)
                let h = try L2TP(from: &r)
                packet.layers.append(.l2tp(h))
                return .l2tpPayload(h)
            }
            if udp.either(is: 4754) { return .gre }  // GRE-in-UDP, RFC 8086
            if udp.either(is: 53) {
                packet.layers.append(.dns(try DNS(from: &r, limits: state.limits)))
            }
            return .done

        case .gre:
            try state.enterTunnel(r)
            let h = try GRE(from: &r, limits: state.limits)
            packet.layers.append(.gre(h))
            if h.payload.count == 0 { return .done }  // PPTP ack-only, keepalive
            switch h.protocolType {
            case .ipv4, .ipv6, .ppp, .transparentEthernet: return .etherType(h.protocolType)
            default: return state.unsupported(.gre, at: r.offset, "GRE protocol 0x\(String(h.protocolType.rawValue, radix: 16)) (\(h.protocolType))")
            }

        case .tcpPayload(let tcp):
            if r.isEmpty { return .done }
            if tcp.either(is: 1723) { return .pptpMessage }
            if tcp.either(is: 53) { return .dnsOverTCP }
            return .done

        case .pptpMessage:
            // Messages wholly inside this segment, starting at its first byte; the rest needs
            // `TCPStreams` (a message split across segments, or a segment starting mid-message).
            guard state.pptpMessages < state.limits.maxPPTPMessagesPerSegment else {
                throw r.limitExceeded("too many PPTP messages in one segment")
            }
            let length = PPTP.peekLength(r) ?? Int.max
            guard (try? r.peek(UInt32.self, at: 4)) == PPTP.magicCookie,
                  length <= r.remaining || packet.frame.isTruncatedBySnaplen else {
                state.stop = DecodeStop(reason: .fragment, layer: .pptp, offset: r.offset,
                                        detail: "PPTP message not wholly in this TCP segment (reassemble with TCPStreams)")
                return .done
            }
            packet.layers.append(.pptp(try PPTP(from: &r)))
            state.pptpMessages += 1
            return r.isEmpty ? .done : .pptpMessage

        case .dnsOverTCP:
            let length = PPTP.peekLength(r) ?? Int.max  // the same 2-byte length prefix
            guard length <= r.remaining - 2 || packet.frame.isTruncatedBySnaplen else {
                state.stop = DecodeStop(reason: .fragment, layer: .dns, offset: r.offset,
                                        detail: "DNS message not wholly in this TCP segment")
                return .done
            }
            packet.layers.append(.dns(try DNS(tcp: &r, limits: state.limits)))
            return r.isEmpty ? .done : .dnsOverTCP

        case .l2tpPayload(let h):
            if h.isControl {
                packet.layers.append(.l2tpControl(try L2TPControl(from: &r, header: h, limits: state.limits)))
                return .done
            }
            if h.version == 2 { return r.isEmpty ? .done : .ppp }
            return state.unsupported(.l2tp, at: r.offset, "L2TPv3 data: cookie length is configured, not on the wire")

        case .ppp:
            let h = try PPP(from: &r)
            packet.layers.append(.ppp(h))
            switch h.protocolNumber {
            case .ipv4: return .etherType(.ipv4)
            case .ipv6: return .etherType(.ipv6)
            case let p where p.isControl: return .pppControl(p)
            case let p: return state.unsupported(.ppp, at: r.offset, "PPP protocol 0x\(String(p.rawValue, radix: 16)) (\(p))")
            }

        case .pppControl(let p):
            packet.layers.append(.pppControl(try PPPControl(from: &r, protocolNumber: p, limits: state.limits)))
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
    var pptpMessages = 0
    var stop: DecodeStop?

    init(limits: DecodeLimits) { self.limits = limits }

    /// Counts one more tunnel encapsulation (GRE, L2TP), refusing to go past `maxTunnelDepth`.
    mutating func enterTunnel(_ r: ByteReader) throws(DecodeError) {
        guard self.tunnelDepth < self.limits.maxTunnelDepth else { throw r.limitExceeded("tunnels nested too deep") }
        self.tunnelDepth += 1
    }

    /// Records that decoding stops here because the protocol is not one we decode.
    mutating func unsupported(_ layer: LayerKind, at offset: Int, _ detail: @autoclosure () -> String) -> NextLayer {
        self.stop = DecodeStop(reason: .unsupported, layer: layer, offset: offset, detail: detail())
        return .done
    }
}
