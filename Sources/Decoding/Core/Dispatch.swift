import Capture

/// What the dissector decodes next. Each decoder consumes exactly its header and leaves the reader
/// on its payload; this file alone decides which decoder the payload goes to, so the protocol graph
/// reads on one screen (cf. Zeek's `ip/main.zeek`). Which port or IP protocol leads where is
/// `ProtocolRegistry`'s.
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
    /// IKE and ESP in a TCP stream (RFC 8229): the prefix, then length-framed messages.
    case tcpEncapsulated
    /// GRE (RFC 2784/2890, PPTP's enhanced GRE RFC 2637).
    case gre
    case pptpMessage
    case dnsOverTCP
    /// OpenVPN: one packet per UDP datagram, or length-prefixed packets filling a TCP segment.
    case openvpn(tcp: Bool)
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
            case .linuxSLL, .linuxSLL2:
                let h = linkType == .linuxSLL ? try LinuxSLL(v1: &r) : try LinuxSLL(v2: &r)
                packet.layers.append(.linuxSLL(h))
                return .etherType(h.protocolType)
            case .null, .loop:
                let h = try Loopback(from: &r, alwaysBigEndian: linkType == .loop)
                packet.layers.append(.loopback(h))
                if h.family == .ipv4 { return .etherType(.ipv4) }
                if h.family.isIPv6 { return .etherType(.ipv6) }
                return state.unsupported(.null, at: r.offset, .loopbackFamily(UInt32(h.family.rawValue)))
            case .raw, .rawOpenBSD, .linktypeRaw: return .ipByVersion
            case .ipv4: return .etherType(.ipv4)
            case .ipv6: return .etherType(.ipv6)
            case .ppp, .pppSerial: return .ppp
            case .pppEther: return .etherType(.pppoeSession)
            default:
                return state.unsupported(.link, at: r.offset, .linkType(linkType))
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
            case .ppp:
                return .ppp
            case .transparentEthernet:
                return .link(.ethernet)
            default:
                return state.unsupported(.ethernet, at: r.offset, .etherType(type))
            }

        case .ppp:
            let h = try PPPFraming(from: &r)
            packet.layers.append(.ppp(h))
            return .pppProtocol(h.protocolNumber)

        case .pppProtocol(let proto):
            switch proto {
            case .ipv4: return .etherType(.ipv4)
            case .ipv6: return .etherType(.ipv6)
            case let p where p.isControl: return .pppControl(p)
            default: return state.unsupported(.ppp, at: r.offset, .pppProtocol(proto))
            }

        case .ipProtocol(let proto, let fragment):
            if fragment {
                state.stop = DecodeStop(reason: .fragment, layer: packet.innermostKind ?? .ipv4, offset: r.offset,
                                        note: .ipFragment)
                return .done
            }
            switch ProtocolRegistry.ip(proto)?.service {
            case .esp?:
                packet.layers.append(.esp(try ESP(from: &r)))
                return .done
            case .ah?:
                let h = try AH(from: &r)
                packet.layers.append(.ah(h))
                return .ipProtocol(h.nextHeader, fragment: false)
            case .gre?:
                return .gre
            case .l2tpOverIP?:
                try state.enterTunnel(r)
                let h = try L2TP(overIP: &r)
                packet.layers.append(.l2tp(h))
                return .l2tpPayload(h)
            default:
                break
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
                try state.enterTunnel(r)
                return .etherType(proto == .ipInIP ? .ipv4 : .ipv6)
            case .ipv6NoNext:
                return .done
            default:
                return state.unsupported(packet.innermostKind ?? .ipv4, at: r.offset, .ipProtocol(proto))
            }

        case .udpPayload(let udp):
            // A datagram declared empty ends here; one whose payload the snaplen cut goes on, so the
            // decoder below reports the truncation.
            if r.isEmpty, udp.length <= 8 { return .done }
            switch ProtocolRegistry.udp(udp.sourcePort, udp.destinationPort)?.service {
            case .natTraversal?: return .udpEncapsulated
            case .ike?: return .ike
            case .l2tp?:
                try state.enterTunnel(r)
                let h = try L2TP(from: &r)
                packet.layers.append(.l2tp(h))
                return .l2tpPayload(h)
            case .greInUDP?: return .gre
            case .dns?: packet.layers.append(.dns(try DNS(from: &r, limits: state.limits)))
            case .openvpn?: return .openvpn(tcp: false)
            case nil where OpenVPN.recognised(r): return .openvpn(tcp: false)
            case .wireguard?, nil:
                if let h = try WireGuard(from: &r, length: udp.length - 8) {
                    packet.layers.append(.wireguard(h))
                } else if udp.either(is: DTLSRecord.port), let h = try DTLSRecord(from: &r, length: udp.length - 8) {
                    packet.layers.append(.dtls(h))
                }
            default: break
            }
            return .done

        case .udpEncapsulated:
            guard let h = try UDPEncapsulation(from: &r) else { return .ipProtocol(.esp, fragment: false) }
            packet.layers.append(.udpEncapsulation(h))
            return h.kind == .nonESPMarker ? .ike : .done

        case .tcpEncapsulated:
            // Messages wholly inside this segment, starting at its first byte (as for PPTP); the rest
            // come whole out of `TCPStreams`.
            guard state.tcpMessages < state.limits.maxTCPEncapsulatedPerSegment else {
                throw r.limitExceeded("too many TCP-encapsulated messages in one segment")
            }
            state.tcpMessages += 1
            guard let h = try TCPEncapsulation(from: &r) else {
                if packet.frame.isTruncatedBySnaplen { throw r.truncated(max(1, TCPEncapsulation.minimumLength - r.remaining)) }
                state.stop = DecodeStop(reason: .fragment, layer: .tcpEncapsulation, offset: r.offset, note: .tcpEncapsulatedNotWhole)
                return .done
            }
            packet.layers.append(.tcpEncapsulation(h))
            switch h.kind {
            case .streamPrefix: break
            case .nonESPMarker:
                var m = try r.sub(h.length - 6, source: .tcpEncapsulationLength)
                _ = try Self.decode(.ike, &m, into: &packet, state: &state)
            case .esp:
                var m = try r.sub(h.length - 2, source: .tcpEncapsulationLength)
                packet.layers.append(.esp(try ESP(from: &m)))
            }
            // Cut by the snaplen right after a message: the segment's next messages are missing.
            if state.cutShort(r, packet) { throw r.truncated(2) }
            return r.isEmpty ? .done : .tcpEncapsulated

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

        case .gre:
            try state.enterTunnel(r)
            let h = try GRE(from: &r, limits: state.limits)
            packet.layers.append(.gre(h))
            if h.payload.count == 0 {  // PPTP ack-only, keepalive; unless the snaplen cut the payload
                if h.payloadLength != 0, state.cutShort(r, packet) { throw r.truncated(1) }
                return .done
            }
            switch h.protocolType {
            case .ipv4, .ipv6, .ppp, .transparentEthernet: return .etherType(h.protocolType)
            default: return state.unsupported(.gre, at: r.offset, .greProtocol(h.protocolType))
            }

        case .tcpPayload(let tcp):
            if r.isEmpty {
                let tls = ProtocolRegistry.tcp(tcp.sourcePort, tcp.destinationPort)?.service == .tls
                if TCPStreams.framing(of: tcp) != nil || tls, state.cutShort(r, packet) { throw r.truncated(1) }
                return .done
            }
            switch ProtocolRegistry.tcp(tcp.sourcePort, tcp.destinationPort)?.service {
            case .pptpControl?: return .pptpMessage
            case .dns?: return .dnsOverTCP
            case .openvpn?: return .openvpn(tcp: true)
            case .tls?:
                // RFC 8229 on 443: the stream's prefix, before any TLS record.
                if TCPEncapsulation.startsWithPrefix(r) { return .tcpEncapsulated }
                if let h = try TLSSegment(from: &r) {
                    packet.layers.append(.tls(h))
                } else if r.remaining < 5, r.lengthSource == .captureLength, packet.frame.isTruncatedBySnaplen {
                    throw r.truncated(5)  // cut before a record header could be read
                }
                return .done
            case .ikeTCP?: return .tcpEncapsulated
            // RFC 8229's stream prefix names the stream on any port (443 above all).
            default: return TCPEncapsulation.startsWithPrefix(r) ? .tcpEncapsulated : .done
            }

        case .pptpMessage:
            // Messages wholly inside this segment, starting at its first byte; the rest needs
            // `TCPStreams` (a message split across segments, or a segment starting mid-message).
            guard state.pptpMessages < state.limits.maxPPTPMessagesPerSegment else {
                throw r.limitExceeded("too many PPTP messages in one segment")
            }
            let length = PPTP.peekLength(r) ?? Int.max
            let cut = packet.frame.isTruncatedBySnaplen
            guard (try? r.peek(UInt32.self, at: 4)) == PPTP.magicCookie || (cut && r.remaining < 8),
                  length <= r.remaining || cut else {
                state.stop = DecodeStop(reason: .fragment, layer: .pptp, offset: r.offset,
                                        note: .pptpNotWhole)
                return .done
            }
            packet.layers.append(.pptp(try PPTP(from: &r)))
            state.pptpMessages += 1
            return r.isEmpty ? .done : .pptpMessage

        case .dnsOverTCP:
            let length = PPTP.peekLength(r) ?? Int.max  // the same 2-byte length prefix
            guard length <= r.remaining - 2 || packet.frame.isTruncatedBySnaplen else {
                state.stop = DecodeStop(reason: .fragment, layer: .dns, offset: r.offset,
                                        note: .dnsNotWhole)
                return .done
            }
            packet.layers.append(.dns(try DNS(tcp: &r, limits: state.limits)))
            return r.isEmpty ? .done : .dnsOverTCP

        case .openvpn(let tcp):
            guard tcp else {
                packet.layers.append(.openvpn(try OpenVPN(from: &r, tcp: false)))
                return .done
            }
            // Packets wholly inside this segment, starting at its first byte (as for PPTP).
            guard state.openvpnPackets < state.limits.maxOpenVPNPacketsPerSegment else {
                throw r.limitExceeded("too many OpenVPN packets in one segment")
            }
            let length = PPTP.peekLength(r).map { $0 + 2 } ?? Int.max
            let opcode = (try? r.peek(UInt8.self, at: 2)).map { OpenVPNOpcode(rawValue: $0 >> 3) }
            guard (length <= r.remaining && opcode?.isKnown == true) || packet.frame.isTruncatedBySnaplen else {
                state.stop = DecodeStop(reason: .fragment, layer: .openvpn, offset: r.offset, note: .openvpnNotWhole)
                return .done
            }
            packet.layers.append(.openvpn(try OpenVPN(from: &r, tcp: true)))
            state.openvpnPackets += 1
            // Cut by the snaplen right after a packet: the segment's next packets are missing.
            if state.cutShort(r, packet) { throw r.truncated(2) }
            return r.isEmpty ? .done : .openvpn(tcp: true)

        case .l2tpPayload(let h):
            if h.isControl {
                packet.layers.append(.l2tpControl(try L2TPControl(from: &r, header: h, limits: state.limits)))
                return .done
            }
            if h.version == 2 { return r.isEmpty && !state.cutShort(r, packet) ? .done : .ppp }
            return state.unsupported(.l2tp, at: r.offset, .l2tpv3Data)

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
    var openvpnPackets = 0
    var tcpMessages = 0
    var stop: DecodeStop?

    init(limits: DecodeLimits) { self.limits = limits }

    /// Counts one more tunnel encapsulation (GRE, L2TP), refusing to go past `maxTunnelDepth`.
    mutating func enterTunnel(_ r: ByteReader) throws(DecodeError) {
        guard self.tunnelDepth < self.limits.maxTunnelDepth else { throw r.limitExceeded("tunnels nested too deep") }
        self.tunnelDepth += 1
    }

    /// True when the reader is empty because the snaplen cut the frame here: the payload that
    /// should follow is missing, not absent (a truncation, not a complete packet).
    func cutShort(_ r: ByteReader, _ packet: DecodedPacket) -> Bool {
        r.isEmpty && r.lengthSource == .captureLength && packet.frame.isTruncatedBySnaplen
    }

    /// Records that decoding stops here because the protocol is not one we decode.
    mutating func unsupported(_ layer: LayerKind, at offset: Int, _ note: DecodeStop.Note) -> NextLayer {
        self.stop = DecodeStop(reason: .unsupported, layer: layer, offset: offset, note: note)
        return .done
    }
}
