import Capture
import Decoding

/// One end of a conversation: an address and a port (0 for protocols without ports).
public struct Endpoint: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public init(_ address: IPAddress, _ port: UInt16 = 0) {
        self.address = address
        self.port = port
    }
    public static func < (a: Self, b: Self) -> Bool { (a.address, a.port) < (b.address, b.port) }
    public var description: String {
        if self.port == 0 { return self.address.description }
        return self.address.isV4 ? "\(self.address):\(self.port)" : "[\(self.address)]:\(self.port)"
    }
}

/// What one packet means for a VPN diagnosis: the small value the `Classifier` makes of a
/// `DecodedPacket`, and the only thing the `Analyzer` reads. Tests build facts directly.
///
/// Data-plane kinds (`esp`, `gre`, `l2tpData`, `other`…) hold plain values, so a fact for them is
/// made and consumed without touching the heap; control-plane kinds own arrays and strings.
public struct PacketFact: Sendable {
    public var frame: Int
    public var time: Timestamp
    public var capturedLength: Int
    public var originalLength: Int
    /// Outermost IP header.
    public var source: IPAddress
    public var destination: IPAddress
    public var ipProtocol: IPProtocol
    /// Transport ports (0 when the protocol has none).
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// IP total length (header + payload) of the outer header, as the header says.
    public var ipLength: Int
    public var ttl: UInt8
    /// Frames of the IP fragments this packet was reassembled from (empty when not fragmented).
    public var reassembledFrom: [Int]
    public var tcp: TCPFact?
    public var kind: FactKind

    public init(frame: Int, time: Timestamp, source: IPAddress, destination: IPAddress, ipProtocol: IPProtocol,
                sourcePort: UInt16 = 0, destinationPort: UInt16 = 0, ipLength: Int = 0, ttl: UInt8 = 64,
                capturedLength: Int? = nil, originalLength: Int? = nil, tcp: TCPFact? = nil, kind: FactKind = .other) {
        self.frame = frame
        self.time = time
        self.source = source
        self.destination = destination
        self.ipProtocol = ipProtocol
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.ipLength = ipLength
        self.ttl = ttl
        self.capturedLength = capturedLength ?? ipLength + 14
        self.originalLength = originalLength ?? self.capturedLength
        self.reassembledFrom = []
        self.tcp = tcp
        self.kind = kind
    }

    public var sourceEndpoint: Endpoint { Endpoint(self.source, self.sourcePort) }
    public var destinationEndpoint: Endpoint { Endpoint(self.destination, self.destinationPort) }
}

/// The VPN meaning of a packet.
public enum FactKind: Sendable {
    /// Traffic with no VPN meaning of its own (bulk TCP/UDP, other IP protocols).
    case other
    /// Indirect: an IKE message's fact is twice the size of any other kind's, and every fact (each
    /// copied several times on its way to the trackers) was as large as the largest kind.
    indirect case ike(IKEMessageFact)
    case esp(ESPFact)
    case ah(spi: UInt32, sequence: UInt32)
    /// RFC 3948 §2.2 NAT-keepalive (one 0xFF byte on UDP 4500).
    case natKeepalive
    /// GRE not carrying PPP control (PPTP data, or plain GRE).
    case gre(GREFact)
    /// PPTP control messages in one TCP 1723 segment.
    case pptp([PPTPMessageFact])
    /// OpenVPN packets: one per UDP datagram, or those whole in one TCP segment.
    case openvpn([OpenVPNPacketFact])
    case l2tpControl(L2TPControlFact)
    /// L2TP data not carrying PPP control; `userData` when its PPP frame carries IP or a compressed or
    /// encrypted datagram (what the tunnel is for; not LCP echoes).
    case l2tpData(tunnel: UInt16, session: UInt16, userData: Bool)
    /// A PPP control packet (LCP, PAP, CHAP, EAP, IPCP…) and what carried it.
    case pppControl(PPPControlFact, over: PPPCarrier)
    case dns(DNSFact)
    /// A WireGuard message (any UDP port, recognised by its bytes).
    case wireguard(WireGuardFact)
    /// A DTLS record on UDP 443 (its version): a TLS/DTLS VPN we do not diagnose, such as AnyConnect.
    case dtls(version: UInt16)
    /// TLS records starting a TCP segment on a TLS-VPN port (`TLSTracker`).
    case tls(TLSSegment)
    /// A TCP segment of an RFC 8229 stream: its IKE messages and ESP packets are read from the
    /// reassembled stream (`Analyzer+IKETCP.swift`), not from this one segment.
    case ikeTCP
    case icmpError(ICMPErrorFact)
    case icmpEcho(request: Bool, identifier: UInt16, sequence: UInt16)
    /// An IP fragment that was not (or not yet) reassembled.
    case ipFragment(identification: UInt32, offset: Int, moreFragments: Bool)
}

/// TCP header fields the analyzer needs.
public struct TCPFact: Hashable, Sendable {
    public var flags: UInt8
    public var sequence: UInt32
    public var acknowledgment: UInt32
    public var payloadLength: Int
    public init(flags: UInt8, sequence: UInt32 = 0, acknowledgment: UInt32 = 0, payloadLength: Int = 0) {
        self.flags = flags
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.payloadLength = payloadLength
    }
    public static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10
    public var isSYN: Bool { self.flags & Self.syn != 0 && self.flags & Self.ack == 0 }
    public var isSYNACK: Bool { self.flags & Self.syn != 0 && self.flags & Self.ack != 0 }
    public var isRST: Bool { self.flags & Self.rst != 0 }
    public var isFIN: Bool { self.flags & Self.fin != 0 }
}

/// ESP header — RFC 4303 §2 (raw IP protocol 50, or UDP-encapsulated per RFC 3948).
public struct ESPFact: Hashable, Sendable {
    public var spi: UInt32
    public var sequence: UInt32
    public var udpEncapsulated: Bool
    public init(spi: UInt32, sequence: UInt32, udpEncapsulated: Bool = false) {
        self.spi = spi
        self.sequence = sequence
        self.udpEncapsulated = udpEncapsulated
    }
}

/// GRE header fields — RFC 2784, enhanced GRE v1 for PPTP (RFC 2637 §4.1).
public struct GREFact: Hashable, Sendable {
    public var version: UInt8
    /// PPTP: the *peer's* call ID (low 16 bits of the key); plain GRE: 0 or the key's low half.
    public var callID: UInt16
    public var sequence: UInt32?
    public var acknowledgment: UInt32?
    /// The carried protocol (0x880B PPP for PPTP).
    public var protocolType: UInt16
    /// A plain GRE keepalive (see `Classifier.keepalive`).
    public var keepalive: Keepalive?
    /// PPTP: the PPP inside carries user data (IP, or MPPE's compressed datagram), not control and
    /// not an acknowledgment alone.
    public var carriesUserData = false
    public enum Keepalive: Hashable, Sendable { case request, reply }
    public init(version: UInt8 = 1, callID: UInt16, sequence: UInt32? = nil, acknowledgment: UInt32? = nil,
                protocolType: UInt16 = 0x880B, keepalive: Keepalive? = nil) {
        self.version = version
        self.callID = callID
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.protocolType = protocolType
        self.keepalive = keepalive
    }
}

/// What carried a PPP control packet.
public enum PPPCarrier: Hashable, Sendable {
    case gre(GREFact)
    case l2tp(tunnel: UInt16, session: UInt16)
    case direct
}
