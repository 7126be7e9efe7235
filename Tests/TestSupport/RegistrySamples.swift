import Capture
import Decoding
import Testing

/// Real frames for every `ProtocolRegistry` entry (two where the entry has a control and a data
/// shape): tests iterate the registry and look each entry up here, so a new entry without a frame
/// fails them. All from real captures: ours in `Captures/`, or the public corpus.
public enum RegistrySamples {
    public struct Sample: Sendable, CustomStringConvertible {
        public let carrier: ProtocolRegistry.Carrier
        /// `Captures/` name, or a public corpus path (with a folder).
        public let file: String
        public let frame: Int
        public var path: String { self.file.contains("/") ? Corpus.publicPath(self.file) : Corpus.capturePath(self.file) }
        public var description: String { "\(self.carrier) \(self.file) frame \(self.frame)" }
    }

    public static let all: [Sample] = [
        Sample(carrier: .udp(4500), file: "lab-ikev2-psk-ok-client.pcap", frame: 3),  // non-ESP marker + IKE_AUTH
        Sample(carrier: .udp(4500), file: "lab-ikev2-psk-ok-client.pcap", frame: 5),  // ESP in UDP
        Sample(carrier: .udp(500), file: "lab-ikev2-psk-ok-client.pcap", frame: 1),  // IKE_SA_INIT
        Sample(carrier: .udp(1701), file: "jnetpcap/test-l2tp.pcap", frame: 1),  // L2TP data, PPP, IP
        Sample(carrier: .udp(4754), file: "zeek/gre-over-udp-4754.pcap", frame: 1),  // GRE, IP, DNS
        Sample(carrier: .tcp(1723), file: "nDPI/pptp.pcap", frame: 4),  // Start-Control-Connection-Request
        Sample(carrier: .ip(.esp), file: "arkime/IKEv1.pcap", frame: 14),  // IPv6
        Sample(carrier: .ip(.ah), file: "arkime/ah-esp.pcap", frame: 1),  // AH, ESP
        Sample(carrier: .ip(.gre), file: "zeek/gre-sample.pcap", frame: 1),  // version 0, IPv4, ICMP
        Sample(carrier: .ip(.gre), file: "tcpdump/various_gre.pcap", frame: 12),  // version 0 keepalive coming back
        Sample(carrier: .ip(.gre), file: "PcapPlusPlus/GrePackets.cap", frame: 11),  // version 1, PPP LCP
        Sample(carrier: .ip(.l2tp), file: "xdp2/l2tp.pcap", frame: 2),  // L2TPv3 over IP
        Sample(carrier: .udp(51820), file: "lab-wireguard-ok-client.pcap", frame: 1),  // handshake initiation
        Sample(carrier: .udp(51820), file: "lab-wireguard-ok-client.pcap", frame: 4),  // transport data (the wire path reads it)
        Sample(carrier: .udp(1194), file: "nDPI/openvpn_nohmac.pcapng", frame: 1),  // P_CONTROL_HARD_RESET_CLIENT_V2
        Sample(carrier: .udp(1194), file: "nDPI/openvpn_nohmac.pcapng", frame: 102),  // P_DATA_V2
        Sample(carrier: .tcp(1194), file: "nDPI/openvpn_nohmac_tcp.pcapng", frame: 4),  // hard reset, length-prefixed
        Sample(carrier: .tcp(4500), file: "lab-ikev2-tcp-ok-client.pcap", frame: 4),  // IKETCP prefix + IKE_SA_INIT (synthetic framing)
        Sample(carrier: .tcp(4500), file: "lab-ikev2-tcp-ok-client.pcap", frame: 10),  // ESP in TCP (synthetic framing)
        Sample(carrier: .udp(53), file: "john-samples/lulu-password-pptp.pcap", frame: 1),
        Sample(carrier: .tcp(53), file: "tcpdump/dns_tcp.pcap", frame: 4),
        Sample(carrier: .tcp(443), file: "nDPI/anyconnect-vpn.pcap", frame: 26),  // ClientHello
        Sample(carrier: .tcp(10443), file: "nDPI/forticlient.pcap", frame: 4),  // ClientHello with SNI
    ]

    /// The registry's entry at `index` (tests take indexes as arguments) and its samples; records an
    /// issue when it has none.
    public static func entry(at index: Int) -> (entry: ProtocolRegistry.Entry, samples: [Sample]) {
        let entry = ProtocolRegistry.entries[index]
        let samples = self.all.filter { $0.carrier == entry.carrier }
        if samples.isEmpty { Issue.record("no real frame for \(entry.carrier): add one to RegistrySamples") }
        return (entry, samples)
    }

    /// Calls `body` with the sample's frame, read from its file (through `filter` when given; nil
    /// when the filter drops it).
    public static func withFrame<T>(_ sample: Sample, filter: String? = nil, _ body: (RawFrame) -> T) throws -> T? {
        let file = try PcapFile(path: sample.path, filter: filter)
        while let frame = try file.next() {
            if frame.info.number == sample.frame { return body(frame) }
            if frame.info.number > sample.frame { return nil }
        }
        return nil
    }
}
