import Capture
import Decoding

/// The header fields a data-plane packet is counted by: what `Analyzer` reads of an ESP, NAT-T
/// ESP, PPTP GRE data or plain TCP/UDP packet instead of a whole `PacketFact` (a plain value, a few
/// words, built and consumed in registers).
struct DataPlaneFact: Sendable {
    /// `gre`: PPTP's data channel; `userData` when it carries a datagram (MPPE's compressed datagram),
    /// not an acknowledgment alone.
    /// `tlsData`: a TCP segment on a TLS-VPN port starting an application-data record.
    enum Kind: Sendable { case other, esp(ESPFact), gre(callID: UInt16, userData: Bool), wireguard(WireGuardFact), openvpnData, tlsData }
    var source: IPAddress
    var destination: IPAddress
    var ipProtocol: IPProtocol
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    var ipLength: Int
    var kind: Kind = .other
}

/// A data-plane frame read straight from its header bytes: its fact, and exactly the layers (and
/// the stop, for PPTP's encrypted PPP) that `Dissector` would have produced for it. Made by
/// `Classifier.wire(_:limits:)` on any thread, consumed by `Analyzer.add(_:frame:)`.
public struct WireReading: Sendable {
    var fact: DataPlaneFact
    var layers = WireLayers()
    /// PPTP's GRE carrying PPP that is neither IP nor control: the protocol and where the
    /// dissector stops (kept small: readings cross threads in batches).
    var unsupportedPPP: (proto: PPPProtocol, offset: Int)?

    /// The stop `Dissector` records for the frame.
    var stop: DecodeStop? {
        self.unsupportedPPP.map { DecodeStop(reason: .unsupported, layer: .ppp, offset: $0.offset, note: .pppProtocol($0.proto)) }
    }
}

/// Up to eight layer kinds, inline (no array: nothing to allocate). The wire path makes at most
/// eight: Ethernet, four VLAN tags, IP and two more (UDP + ESP, or GRE + PPP).
struct WireLayers: Sendable {
    var kinds: (LayerKind, LayerKind, LayerKind, LayerKind, LayerKind, LayerKind, LayerKind, LayerKind) =
        (.link, .link, .link, .link, .link, .link, .link, .link)
    var count = 0

    @inline(__always)
    mutating func append(_ kind: LayerKind) {
        precondition(self.count < 8)
        withUnsafeMutableBytes(of: &self.kinds) { $0.storeBytes(of: kind, toByteOffset: self.count, as: LayerKind.self) }
        self.count += 1
    }

    @inline(__always)
    func forEach(_ body: (LayerKind) -> Void) {
        withUnsafeBytes(of: self.kinds) { raw in
            for i in 0..<self.count { body(raw.load(fromByteOffset: i, as: LayerKind.self)) }
        }
    }
}

extension Classifier {
    /// Reads `frame` as a data-plane packet from a few header fields, without decoding it: ESP
    /// (over IP or NAT-T's UDP port), PPTP's GRE carrying non-IP, non-control PPP (MPPE), and TCP/UDP
    /// on ports without a `ProtocolRegistry` entry (no decoder of ours looks into them). Only whole
    /// frames of exactly those shapes, well formed by every check the decoders make: anything else is
    /// nil and goes to `PacketDecoder`, so both ways record the same evidence (`WireReadingTests`
    /// compares them frame by frame). Pure: may run on another thread than the analyzer (the frame's
    /// bytes are not kept).
    @inline(__always)
    public static func wire(_ frame: RawFrame, limits: DecodeLimits) -> WireReading? {
        var none = PrefixedStreams()
        return self.wire(frame, limits: limits, prefixed: &none)
    }

    /// The same, by a reader that keeps `prefixed`: the TCP connections seen opening with RFC 8229's
    /// prefix on a port of no protocol (443…), whose every later segment is left to the decoder too.
    @inline(__always)
    public static func wire(_ frame: RawFrame, limits: DecodeLimits, prefixed: inout PrefixedStreams) -> WireReading? {
        let info = frame.info
        guard !info.isTruncatedBySnaplen else { return nil }
        let bytes = frame.bytes
        let end = bytes.count
        var layers = WireLayers()
        var offset = 0
        var etherType: UInt16

        @inline(__always) func u8(_ at: Int) -> UInt8 { bytes[at] }
        @inline(__always) func u16(_ at: Int) -> UInt16 { UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
        @inline(__always) func u32(_ at: Int) -> UInt32 { UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        @inline(__always) func u64(_ at: Int) -> UInt64 { UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }

        // Link layer: where the IP header starts.
        switch info.linkType {
        case .ethernet:
            guard end >= 14 else { return nil }
            layers.append(.ethernet)
            etherType = u16(12)
            offset = 14
            var tags = 0
            while etherType == EtherType.vlan.rawValue || etherType == EtherType.qinq.rawValue
                || etherType == EtherType.qinqLegacy.rawValue {
                // Four at most here (WireLayers holds eight); more go to the decoder.
                guard tags < min(limits.maxVLANTags, 4), end >= offset + 4 else { return nil }
                tags += 1
                layers.append(.vlan)
                etherType = u16(offset + 2)
                offset += 4
            }
        case .linuxSLL:
            guard end >= 16 else { return nil }
            layers.append(.linuxSLL)
            etherType = u16(14)
            offset = 16
        case .linuxSLL2:
            guard end >= 20 else { return nil }
            layers.append(.linuxSLL2)
            etherType = u16(0)
            offset = 20
        case .raw, .rawOpenBSD, .linktypeRaw:
            guard end >= 1 else { return nil }
            switch u8(0) >> 4 {
            case 4: etherType = EtherType.ipv4.rawValue
            case 6: etherType = EtherType.ipv6.rawValue
            default: return nil
            }
        case .ipv4: etherType = EtherType.ipv4.rawValue
        case .ipv6: etherType = EtherType.ipv6.rawValue
        default: return nil
        }

        // IP: whole, unfragmented, no IPv6 extension headers; its declared length inside the frame.
        let source: IPAddress, destination: IPAddress, proto: UInt8, ipLength: Int, payloadEnd: Int
        if etherType == EtherType.ipv4.rawValue {
            guard end >= offset + 20 else { return nil }
            let versionIHL = u8(offset)
            let headerLength = Int(versionIHL & 0x0F) * 4
            let totalLength = Int(u16(offset + 2))
            guard versionIHL >> 4 == 4, headerLength >= 20, totalLength >= headerLength, offset + totalLength <= end,
                  u16(offset + 6) & 0x3FFF == 0 else { return nil }
            layers.append(.ipv4)
            proto = u8(offset + 9)
            source = .v4(u32(offset + 12))
            destination = .v4(u32(offset + 16))
            ipLength = totalLength
            payloadEnd = offset + totalLength
            offset += headerLength
        } else if etherType == EtherType.ipv6.rawValue {
            guard end >= offset + 40 else { return nil }
            let payloadLength = Int(u16(offset + 4))
            guard u8(offset) >> 4 == 6, offset + 40 + payloadLength <= end else { return nil }
            layers.append(.ipv6)
            proto = u8(offset + 6)
            source = .v6(u64(offset + 8), u64(offset + 16))
            destination = .v6(u64(offset + 24), u64(offset + 32))
            ipLength = payloadLength + 40
            offset += 40
            payloadEnd = offset + payloadLength
        } else {
            return nil
        }

        var reading = WireReading(fact: DataPlaneFact(source: source, destination: destination,
                                                      ipProtocol: IPProtocol(rawValue: proto), ipLength: ipLength))
        switch proto {
        case IPProtocol.esp.rawValue:
            guard payloadEnd - offset >= 8 else { return nil }
            layers.append(.esp)
            reading.fact.kind = .esp(ESPFact(spi: u32(offset), sequence: u32(offset + 4), udpEncapsulated: false))

        case IPProtocol.udp.rawValue:
            guard payloadEnd - offset >= 8 else { return nil }
            let sourcePort = u16(offset), destinationPort = u16(offset + 2), length = Int(u16(offset + 4))
            guard length >= 8, offset + length <= payloadEnd else { return nil }
            layers.append(.udp)
            reading.fact.sourcePort = sourcePort
            reading.fact.destinationPort = destinationPort
            let payload = offset + 8, payloadCount = length - 8
            if payloadCount == 0 { break }
            switch ProtocolRegistry.udp(sourcePort, destinationPort)?.service {
            case nil, .wireguard?:
                // An OpenVPN control packet on another port goes to the decoder (its heuristic).
                let payloadReader = ByteReader(bytes, range: ByteRange(start: payload, end: payload + payloadCount), layer: .openvpn)
                if OpenVPN.recognised(payloadReader) { return nil }
                // WireGuard is recognised by its bytes on any such port: transport data is counted here,
                // its handshake messages go to the decoder.
                // DTLS on 443 goes to the decoder too (it names the TLS/DTLS VPNs we do not diagnose).
                if sourcePort == DTLSRecord.port || destinationPort == DTLSRecord.port, payloadCount >= 3,
                   DTLSRecord.recognises(type: u8(payload), version: u16(payload + 1), length: payloadCount) { return nil }
                guard payloadCount >= 4, let type = WireGuard.messageType(first: u32(payload), length: payloadCount) else { break }
                guard type == .transportData else { return nil }
                layers.append(.wireguard)
                reading.fact.kind = .wireguard(WireGuardFact(type: type, receiver: u32(payload + 4).byteSwapped,
                                                             keepalive: payloadCount == WireGuard.keepaliveLength))
            case .natTraversal?:
                // RFC 3948: not a keepalive (0xFF) nor a non-ESP marker (IKE), and a whole ESP header.
                guard payloadCount >= 8, u32(payload) != 0 else { return nil }
                layers.append(.esp)
                reading.fact.kind = .esp(ESPFact(spi: u32(payload), sequence: u32(payload + 4), udpEncapsulated: true))
            case .openvpn?:
                // P_DATA_V1 (opcode 6), or P_DATA_V2 (9) with its 3-byte peer ID: the dissector's one layer.
                let opcode = u8(payload) >> 3
                guard opcode == OpenVPNOpcode.dataV1.rawValue || (opcode == OpenVPNOpcode.dataV2.rawValue && payloadCount >= 4)
                else { return nil }
                layers.append(.openvpn)
                reading.fact.kind = .openvpnData
            default:
                return nil  // a port with a decoder
            }

        case IPProtocol.tcp.rawValue:
            guard payloadEnd - offset >= 20 else { return nil }
            let sourcePort = u16(offset), destinationPort = u16(offset + 2)
            let headerLength = Int(u8(offset + 12) >> 4) * 4
            let service = ProtocolRegistry.tcp(sourcePort, destinationPort)?.service
            guard headerLength >= 20, offset + headerLength <= payloadEnd, service == nil || service == .tls else { return nil }
            // RFC 8229's stream prefix ("IKETCP", 0x494B4554 4350) names an IKE stream on any port.
            if payloadEnd - (offset + headerLength) >= 6, u32(offset + headerLength) == 0x494B_4554,
               u16(offset + headerLength + 4) == 0x4350 {
                prefixed.insert(Endpoint(source, sourcePort), Endpoint(destination, destinationPort))
                return nil
            }
            if prefixed.contains(Endpoint(source, sourcePort), Endpoint(destination, destinationPort)) { return nil }
            layers.append(.tcp)
            reading.fact.sourcePort = sourcePort
            reading.fact.destinationPort = destinationPort
            // On a TLS-VPN port: FIN, RST and a segment starting a handshake or alert record go to the
            // decoder, one starting application data is counted here; the rest continue a record.
            let payload = offset + headerLength
            if service == .tls, UInt16(u8(offset + 13)) & (TCPFlags.fin.rawValue | TCPFlags.rst.rawValue) != 0 { return nil }
            if service == .tls, payloadEnd - payload >= 5,
               TLSRecord.recognises(type: u8(payload), version: u16(payload + 1), length: Int(u16(payload + 3))) {
                guard u8(payload) == TLSRecord.applicationData else { return nil }
                layers.append(.tls)
                reading.fact.kind = .tlsData
            }

        case IPProtocol.gre.rawValue:
            // PPTP's enhanced GRE (v1: key present, no C/R/s bits) carrying PPP that is neither IP nor
            // control: the dissector stops at the PPP protocol (MPPE's 0x00FD above all).
            guard limits.maxTunnelDepth > 0, payloadEnd - offset >= 8 else { return nil }
            let flags = u16(offset)
            guard flags & 0xEF7F == 0x2001, u16(offset + 2) == EtherType.ppp.rawValue else { return nil }
            let declared = Int(u16(offset + 4))
            let callID = u16(offset + 6)
            var r = offset + 8
            if flags & GRE.sequenceBit != 0 { r += 4 }
            if flags & GRE.acknowledgmentBit != 0 { r += 4 }
            guard r <= payloadEnd else { return nil }
            let greEnd = declared <= payloadEnd - r ? r + declared : payloadEnd
            layers.append(.gre)
            reading.fact.kind = .gre(callID: callID, userData: false)
            if r == greEnd { break }  // acknowledgment only
            guard greEnd - r >= 3 else { return nil }
            if u8(r) == 0xFF {
                guard u8(r + 1) == 0x03, greEnd - r >= 4 else { return nil }
                r += 2
            }
            let first = u8(r)
            let pppProtocol: PPPProtocol
            if first & 1 == 1 {
                pppProtocol = PPPProtocol(rawValue: UInt16(first))
                r += 1
            } else {
                guard r + 2 <= greEnd, u8(r + 1) & 1 == 1 else { return nil }
                pppProtocol = PPPProtocol(rawValue: UInt16(first) << 8 | UInt16(u8(r + 1)))
                r += 2
            }
            guard pppProtocol != .ipv4, pppProtocol != .ipv6, !pppProtocol.isControl else { return nil }
            layers.append(.ppp)
            reading.unsupportedPPP = (pppProtocol, r)
            reading.fact.kind = .gre(callID: callID, userData: pppProtocol == .compressedDatagram)

        default:
            return nil
        }
        guard layers.count < limits.maxLayers else { return nil }
        reading.layers = layers
        return reading
    }
}

/// The TCP connections a frame reader saw open with RFC 8229's "IKETCP" prefix on a port without a
/// registry entry: `Classifier.wire` leaves their segments to the decoder, so their IKE and ESP are
/// read from the stream instead of counted as bulk TCP. One per reader (the analyzer's thread, or the
/// engine's reader thread), at most `capacity` connections: past it a connection's later segments
/// are counted as bulk TCP.
public struct PrefixedStreams: Sendable {
    public static let capacity = 1_024
    private var connections: Set<EndpointPair> = []

    public init() {}

    mutating func insert(_ a: Endpoint, _ b: Endpoint) {
        if self.connections.count < Self.capacity { self.connections.insert(EndpointPair(a, b)) }
    }

    @inline(__always)
    func contains(_ a: Endpoint, _ b: Endpoint) -> Bool {
        !self.connections.isEmpty && self.connections.contains(EndpointPair(a, b))
    }
}
