/// The one table of the UDP and TCP ports and IP protocols whose packets we look into: which
/// decoder each leads to, and whether it is VPN traffic. `Dispatch` decodes by it, the header-byte
/// data-plane path (`Classifier.wire`) leaves every entry but NAT-T ESP to the decoders, flows and
/// ICMP quotes are labelled by it, and `watch`'s capture filter is built from it. A port or
/// protocol is written here and nowhere else.
public enum ProtocolRegistry {
    /// What a port or IP protocol leads to: one decoder each.
    public enum Service: UInt8, Sendable, CaseIterable {
        /// RFC 3948 demux: NAT-keepalive, non-ESP marker + IKE, or ESP.
        case natTraversal
        /// ISAKMP (IKEv1) or IKEv2 by the major version.
        case ike
        /// L2TPv2 over UDP — RFC 2661.
        case l2tp
        /// GRE-in-UDP — RFC 8086.
        case greInUDP
        /// PPTP control messages — RFC 2637.
        case pptpControl
        /// DNS — RFC 1035 (over TCP with a 2-byte length prefix).
        case dns
        case esp
        case ah
        /// GRE — RFC 2784 (version 0) and PPTP's enhanced GRE (version 1).
        case gre
        /// L2TPv3 over IP — RFC 3931.
        case l2tpOverIP
        /// WireGuard. It has no port of its own: it is recognised on its usual port and on every UDP
        /// port without an entry by its bytes alone (`WireGuard.messageType`), never by port.
        case wireguard
        /// OpenVPN (over TCP with a 2-byte length before each packet).
        case openvpn
        /// TLS on the ports of the TLS-based VPNs vpndoctor names but does not diagnose (AnyConnect,
        /// SSTP, GlobalProtect, SoftEther on 443; Fortinet on 10443): only segments that start a TLS
        /// handshake or alert record are decoded (`TLSSegment`); application data is counted from its
        /// record header (`Classifier.wire`). SoftEther's own 992 and 5555 have no real sample yet and
        /// are named from their flows alone (`OtherVPNTracker`).
        case tls
        /// IKE and ESP over TCP — RFC 8229 (`TCPEncapsulation`); on other ports by its stream prefix.
        case ikeTCP
    }

    /// How a packet reaches a service.
    public enum Carrier: Sendable, Equatable {
        case udp(UInt16)
        case tcp(UInt16)
        case ip(IPProtocol)
    }

    public struct Entry: Sendable {
        public var carrier: Carrier
        public var service: Service
        /// VPN traffic: its host pair is a session, its flows are kept before others.
        public var isVPN: Bool
        /// What an ICMP error quoting such a packet quoted ("IKE (UDP 500)").
        public var name: StaticString
    }

    /// Every entry. When both ports of a datagram have one, the earlier entry wins: NAT-T's 4500
    /// before IKE's 500 (a peer that floated keeps 500 on the other side), and every VPN port before
    /// DNS.
    public static let entries: [Entry] = [
        Entry(carrier: .udp(4500), service: .natTraversal, isVPN: true, name: "IKE/ESP over UDP 4500"),
        Entry(carrier: .udp(500), service: .ike, isVPN: true, name: "IKE (UDP 500)"),
        Entry(carrier: .udp(1701), service: .l2tp, isVPN: true, name: "L2TP (UDP 1701)"),
        Entry(carrier: .udp(4754), service: .greInUDP, isVPN: true, name: "GRE in UDP 4754"),
        Entry(carrier: .tcp(1723), service: .pptpControl, isVPN: true, name: "PPTP control (TCP 1723)"),
        Entry(carrier: .ip(.esp), service: .esp, isVPN: true, name: "ESP (IP protocol 50)"),
        Entry(carrier: .ip(.ah), service: .ah, isVPN: true, name: "AH (IP protocol 51)"),
        Entry(carrier: .ip(.gre), service: .gre, isVPN: true, name: "GRE (IP protocol 47)"),
        Entry(carrier: .ip(.l2tp), service: .l2tpOverIP, isVPN: true, name: "L2TPv3 (IP protocol 115)"),
        Entry(carrier: .udp(51820), service: .wireguard, isVPN: true, name: "WireGuard (UDP 51820)"),
        Entry(carrier: .udp(1194), service: .openvpn, isVPN: true, name: "OpenVPN (UDP 1194)"),
        Entry(carrier: .tcp(1194), service: .openvpn, isVPN: true, name: "OpenVPN (TCP 1194)"),
        Entry(carrier: .tcp(4500), service: .ikeTCP, isVPN: true, name: "IKE/ESP over TCP 4500"),
        Entry(carrier: .udp(53), service: .dns, isVPN: false, name: "DNS (UDP 53)"),
        Entry(carrier: .tcp(53), service: .dns, isVPN: false, name: "DNS (TCP 53)"),
        Entry(carrier: .tcp(443), service: .tls, isVPN: false, name: "TLS (TCP 443)"),
        Entry(carrier: .tcp(10443), service: .tls, isVPN: false, name: "TLS (TCP 10443, Fortinet)"),
    ]

    /// The entry of a UDP datagram between these ports, if either has one.
    @inline(__always)
    public static func udp(_ a: UInt16, _ b: UInt16) -> Entry? { self.lookup(self.udpIndex, a, b) }

    /// The entry of a TCP segment between these ports, if either has one.
    @inline(__always)
    public static func tcp(_ a: UInt16, _ b: UInt16) -> Entry? { self.lookup(self.tcpIndex, a, b) }

    /// The entry of an IP protocol, if it has one.
    @inline(__always)
    public static func ip(_ proto: IPProtocol) -> Entry? {
        let i = self.ipIndex[Int(proto.rawValue)]
        return i == none ? nil : self.entries[Int(i)]
    }

    /// The entry of a packet by IP protocol and ports (either port; ignored for other protocols).
    @inline(__always)
    public static func entry(_ proto: IPProtocol, _ a: UInt16, _ b: UInt16) -> Entry? {
        switch proto {
        case .udp: self.udp(a, b)
        case .tcp: self.tcp(a, b)
        default: self.ip(proto)
        }
    }

    /// True for VPN traffic by IP protocol and ports (either port).
    @inline(__always)
    public static func isVPN(_ proto: IPProtocol, _ a: UInt16, _ b: UInt16) -> Bool {
        self.entry(proto, a, b)?.isVPN ?? false
    }

    /// True when `port` is `service`'s own UDP or TCP port: the listening side of its conversations.
    public static func isPort(_ port: UInt16, of service: Service) -> Bool {
        self.udp(port, port)?.service == service || self.tcp(port, port)?.service == service
    }

    // Entry indexes by port and by protocol number (`none` for no entry), built once from
    // `entries`: a lookup is one load per port, with nothing to hash or allocate.
    private static let none: UInt8 = .max
    private static let udpIndex = index(65536) { if case .udp(let p) = $0 { Int(p) } else { nil } }
    private static let tcpIndex = index(65536) { if case .tcp(let p) = $0 { Int(p) } else { nil } }
    private static let ipIndex = index(256) { if case .ip(let p) = $0 { Int(p.rawValue) } else { nil } }

    private static func index(_ size: Int, _ slot: (Carrier) -> Int?) -> [UInt8] {
        var table = [UInt8](repeating: none, count: size)
        for (i, entry) in entries.enumerated().reversed() {
            if let s = slot(entry.carrier) { table[s] = UInt8(i) }
        }
        return table
    }

    @inline(__always)
    private static func lookup(_ table: [UInt8], _ a: UInt16, _ b: UInt16) -> Entry? {
        let i = min(table[Int(a)], table[Int(b)])
        return i == none ? nil : self.entries[Int(i)]
    }
}
