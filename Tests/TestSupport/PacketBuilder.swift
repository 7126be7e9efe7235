import Capture
import Decoding
import Foundation

/// Builds synthetic frames with correct lengths (and IPv4 header checksums) for tests and for the
/// `synthetic-…` captures: Ethernet, IPv4/IPv6, UDP, TCP, ESP, GRE (PPTP), PPP, L2TP, PPTP control,
/// IKE headers, DNS. Everything it makes is synthetic: say so wherever it is used.
///
/// Each function wraps a payload in one header, innermost first:
/// `PacketBuilder.ethernet(.ipv4(src: "10.0.0.1", dst: "10.0.0.2", .udp(500, 500, ike)))`.
public enum PacketBuilder {
    // MARK: Link and network

    public static func ethernet(_ packet: [UInt8], etherType: UInt16? = nil, source: UInt64 = 0x0200_0000_0001,
                                destination: UInt64 = 0x0200_0000_0002) -> [UInt8] {
        let type = etherType ?? (packet.first.map { $0 >> 4 == 6 ? 0x86DD : 0x0800 } ?? 0x0800)
        return be(destination, bytes: 6) + be(source, bytes: 6) + be(type) + packet
    }

    /// IPv4 — RFC 791, with a valid header checksum.
    public static func ipv4(src: String, dst: String, protocol proto: IPProtocol, ttl: UInt8 = 64, id: UInt16 = 1,
                            dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: Int = 0,
                            _ payload: [UInt8], totalLength: Int? = nil) -> [UInt8] {
        let flags = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | ((fragmentOffset / 8) & 0x1FFF)
        var header: [UInt8] = [0x45, 0] + be(UInt16(totalLength ?? 20 + payload.count)) + be(id) + be(UInt16(flags))
            + [ttl, proto.rawValue, 0, 0] + address(src) + address(dst)
        let sum = checksum(header)
        header[10] = UInt8(sum >> 8)
        header[11] = UInt8(sum & 0xFF)
        return header + payload
    }

    /// IPv6 — RFC 8200, no extension headers.
    public static func ipv6(src: String, dst: String, nextHeader: IPProtocol, hopLimit: UInt8 = 64, _ payload: [UInt8]) -> [UInt8] {
        [0x60, 0, 0, 0] + be(UInt16(payload.count)) + [nextHeader.rawValue, hopLimit] + address(src) + address(dst) + payload
    }

    /// An IPv4 datagram split into fragments of at most `size` payload bytes (a multiple of 8).
    public static func ipv4Fragments(src: String, dst: String, protocol proto: IPProtocol, ttl: UInt8 = 64, id: UInt16,
                                     _ payload: [UInt8], size: Int = 1480) -> [[UInt8]] {
        stride(from: 0, to: payload.count, by: size).map { offset in
            let end = min(payload.count, offset + size)
            return ipv4(src: src, dst: dst, protocol: proto, ttl: ttl, id: id, moreFragments: end < payload.count,
                        fragmentOffset: offset, Array(payload[offset..<end]))
        }
    }

    // MARK: Transport

    /// UDP — RFC 768 (checksum 0: "no checksum" over IPv4).
    public static func udp(_ sourcePort: UInt16, _ destinationPort: UInt16, _ payload: [UInt8]) -> [UInt8] {
        be(sourcePort) + be(destinationPort) + be(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    public enum TCPFlag {
        public static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10
    }

    /// TCP — RFC 9293, 20-byte header, checksum 0.
    public static func tcp(_ sourcePort: UInt16, _ destinationPort: UInt16, seq: UInt32 = 1, ack: UInt32 = 0, flags: UInt8,
                           window: UInt16 = 65_535, _ payload: [UInt8] = []) -> [UInt8] {
        be(sourcePort) + be(destinationPort) + be(seq) + be(ack) + [0x50, flags] + be(window) + [0, 0, 0, 0] + payload
    }

    // MARK: IPsec

    /// ESP — RFC 4303: SPI, sequence, then `length` bytes standing for IV, ciphertext and ICV.
    public static func esp(spi: UInt32, sequence: UInt32, length: Int = 64) -> [UInt8] {
        be(spi) + be(sequence) + (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    }

    /// RFC 3948 §2.2 non-ESP marker before IKE on UDP 4500.
    public static let nonESPMarker: [UInt8] = [0, 0, 0, 0]
    /// RFC 3948 §2.3 NAT-keepalive.
    public static let natKeepalive: [UInt8] = [0xFF]

    /// An IKE header (RFC 2408 §3.1 / RFC 7296 §3.1) with its length filled in, followed by `body`
    /// (the payload chain, whose first type is `nextPayload`).
    public static func ike(initiatorSPI: UInt64, responderSPI: UInt64 = 0, nextPayload: UInt8, version: UInt8 = 0x20,
                           exchange: UInt8, flags: UInt8, messageID: UInt32 = 0, _ body: [UInt8] = []) -> [UInt8] {
        be(initiatorSPI) + be(responderSPI) + [nextPayload, version, exchange, flags] + be(messageID)
            + be(UInt32(28 + body.count)) + body
    }

    /// A generic payload header (next payload, flags, length) around `body`.
    public static func ikePayload(next: UInt8, critical: Bool = false, _ body: [UInt8]) -> [UInt8] {
        [next, critical ? 0x80 : 0] + be(UInt16(4 + body.count)) + body
    }

    /// An IKEv2 Notify payload body (RFC 7296 §3.10) without SPI.
    public static func ikev2Notify(_ type: UInt16, data: [UInt8] = []) -> [UInt8] { [0, 0] + be(type) + data }

    /// An IKEv1 Notification payload body (RFC 2408 §3.14), DOI IPsec, protocol ISAKMP.
    public static func ikev1Notify(_ type: UInt16, data: [UInt8] = []) -> [UInt8] { be(UInt32(1)) + [1, 0] + be(type) + data }

    // MARK: PPTP, GRE, PPP, L2TP

    /// Enhanced GRE v1 — RFC 2637 §4.1: key (payload length + peer's call ID), optional sequence/ack.
    public static func gre(callID: UInt16, sequence: UInt32? = nil, acknowledgment: UInt32? = nil, _ payload: [UInt8]) -> [UInt8] {
        let flags: UInt16 = 0x2000 | (sequence != nil ? 0x1000 : 0) | (acknowledgment != nil ? 0x0080 : 0) | 0x0001
        var out = be(flags) + be(UInt16(0x880B)) + be(UInt16(payload.count)) + be(callID)
        if let sequence { out += be(sequence) }
        if let acknowledgment { out += be(acknowledgment) }
        return out + payload
    }

    /// Plain GRE — RFC 2784 §2.1: version 0, no checksum, key or sequence; `protocolType` 0 and no
    /// payload is a keepalive's inner header.
    public static func plainGRE(_ protocolType: UInt16, _ payload: [UInt8]) -> [UInt8] {
        be(UInt16(0)) + be(protocolType) + payload
    }

    /// PPP in HDLC-like framing (address 0xFF, control 0x03) — RFC 1662 §3.
    public static func ppp(_ proto: UInt16, _ payload: [UInt8], addressAndControl: Bool = true) -> [UInt8] {
        let header: [UInt8] = addressAndControl ? [0xFF, 0x03] : []
        return header + be(proto) + payload
    }

    /// An LCP/IPCP/PAP/CHAP packet: code, identifier, length, data — RFC 1661 §5.
    public static func pppControl(code: UInt8, identifier: UInt8, _ data: [UInt8] = []) -> [UInt8] {
        [code, identifier] + be(UInt16(4 + data.count)) + data
    }

    /// LCP Configure-Request option 3 (authentication protocol), e.g. CHAP with MS-CHAPv2 (0xC223, 0x81).
    public static func lcpAuthOption(_ proto: UInt16, algorithm: UInt8? = nil) -> [UInt8] {
        [3, algorithm == nil ? 4 : 5] + be(proto) + (algorithm.map { [$0] } ?? [])
    }

    /// A PPTP control message — RFC 2637 §2: length, type 1, magic cookie, control type, reserved, body.
    public static func pptpControl(_ type: UInt16, _ body: [UInt8]) -> [UInt8] {
        be(UInt16(12 + body.count)) + be(UInt16(1)) + be(UInt32(0x1A2B_3C4D)) + be(type) + [0, 0] + body
    }

    /// An L2TPv2 control message — RFC 2661 §3.1 (T, L, S set), with its AVPs (`(type, value)`,
    /// mandatory bit set; attribute type 0 is the Message Type).
    public static func l2tpControl(tunnel: UInt16, session: UInt16 = 0, ns: UInt16, nr: UInt16,
                                   avps: [(type: UInt16, value: [UInt8])]) -> [UInt8] {
        let body = avps.flatMap { avp in be(UInt16(0x8000 | (6 + avp.value.count))) + be(UInt16(0)) + be(avp.type) + avp.value }
        return be(UInt16(0xC802)) + be(UInt16(12 + body.count)) + be(tunnel) + be(session) + be(ns) + be(nr) + body
    }

    /// An L2TPv2 data message (no length, no sequence) carrying PPP.
    public static func l2tpData(tunnel: UInt16, session: UInt16, _ ppp: [UInt8]) -> [UInt8] {
        be(UInt16(0x0002)) + be(tunnel) + be(session) + ppp
    }

    // MARK: DNS

    /// A DNS query or response (RFC 1035) for one name; answers are IPv4 A records.
    public static func dns(id: UInt16, name: String, response: Bool = false, rcode: UInt8 = 0, answers: [String] = []) -> [UInt8] {
        var qname: [UInt8] = []
        for label in name.split(separator: ".") { qname += [UInt8(label.utf8.count)] + Array(label.utf8) }
        qname.append(0)
        let flags: UInt16 = response ? 0x8180 | UInt16(rcode) : 0x0100
        var out = be(id) + be(flags) + be(UInt16(1)) + be(UInt16(answers.count)) + be(UInt16(0)) + be(UInt16(0))
        out += qname + be(UInt16(1)) + be(UInt16(1))
        for a in answers {
            let pointer: [UInt8] = [0xC0, 12]
            out += pointer + be(UInt16(1)) + be(UInt16(1)) + be(UInt32(300)) + be(UInt16(4)) + address(a)
        }
        return out
    }

    // MARK: Captures

    /// A classic pcap file (Ethernet) of `frames`, each at `time` seconds after `start`.
    public static func pcap(_ frames: [(time: Double, bytes: [UInt8])], start: Int64 = 1_700_000_000,
                            linkType: LinkType = .ethernet) -> Data {
        let writer = PcapWriter(linkType: linkType)
        for f in frames {
            let seconds = Int64(f.time.rounded(.down))
            writer.write(timestamp: Timestamp(seconds: start + seconds, nanoseconds: Int32(((f.time - Double(seconds)) * 1e9).rounded())),
                         bytes: f.bytes)
        }
        return writer.bytes
    }

    // MARK: Helpers

    public static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

    static func be(_ value: UInt64, bytes n: Int) -> [UInt8] { Array(be(value).suffix(n)) }

    /// Network-order bytes of a textual IPv4 or IPv6 address (traps on a bad literal: tests only).
    public static func address(_ text: String) -> [UInt8] { IPAddress(text)!.bytes }

    /// The Internet checksum — RFC 1071.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
