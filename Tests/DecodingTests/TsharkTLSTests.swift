import Capture
import Decoding
import Testing
import TestSupport

/// Compares the TLS hellos we read one TCP segment at a time (`TLSSegment`, on `ProtocolRegistry`'s
/// `.tls` ports) with tshark's `tls` dissector, which reassembles TCP: server name (SNI), ALPN and
/// the version of every ClientHello and ServerHello, on every TLS-VPN capture of the corpus and the
/// AnyConnect lab. A hello tshark reassembled from several segments is one we do not read (we read
/// segments that start a record): accepted, within its bound.
@Suite struct TsharkTLSTests {
    static let files = [
        "nDPI/anyconnect-vpn.pcap", "nDPI/forticlient.pcap", "nDPI/protonvpn.pcap", "arkime/pppoe.pcap",
        "lab-anyconnect-ok-client.pcap", "lab-anyconnect-ok-server.pcap", "lab-anyconnect-dtls-blocked-client.pcap",
        "lab-anyconnect-dtls-blocked-server.pcap", "lab-anyconnect-wrong-ca-client.pcap", "lab-anyconnect-wrong-ca-server.pcap",
    ]
    static let names = ["tcp.srcport", "tcp.dstport", "tls.handshake.type", "tls.handshake.extensions_server_name",
                        "tls.handshake.extensions_alpn_str", "tls.handshake.version", "tls.handshake.extensions.supported_version",
                        "tcp.reassembled_in", "tcp.segments"]

    /// Hellos tshark reassembled from several TCP segments (at most this many, over all files).
    static let reassembledBound = 4
    /// An SSLv2-format ClientHello (a 2-byte header with the top bit set, RFC 6101 appendix E): tshark
    /// reads it; we read TLS records only, and a VPN client from this century sends none. One, in
    /// this file and frame.
    static let sslv2Hellos: Set<String> = ["arkime/pppoe.pcap 4"]

    /// "1" ClientHello / "2" ServerHello: SNI, ALPN (comma-joined), the versions as tshark prints them.
    static func ours(_ hello: TLSHello) -> [String] {
        let hex = { (v: UInt16) in String(format: "0x%04x", v) }
        return [hello.isClient ? "1" : "2", hello.serverName ?? "", hello.alpn.joined(separator: ","), hex(hello.legacyVersion),
                hello.supportedVersions.map(hex).joined(separator: ",")]
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable && Tshark.available))
    func helloFieldsMatchTshark() throws {
        var agreed = 0, reassembled: [String] = [], differences: [String] = []
        for file in Self.files {
            let path = file.contains("/") ? Corpus.publicPath(file) : Corpus.capturePath(file)
            var hellos: [Int: TLSHello] = [:]
            let packets = try decodeFile(path)
            for packet in packets {
                for layer in packet.layers {
                    if case .tls(let s) = layer, let hello = s.records.first?.hello { hellos[packet.frame.number] = hello }
                }
            }
            let rows = try Tshark.fields(path, Self.names, options: ["-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"],
                                         frames: packets.count)
            for (frame, cells) in rows.sorted(by: { $0.key < $1.key }) {
                let ports = [UInt16(cells[0]), UInt16(cells[1])].compactMap { $0 }
                let type = cells[2].split(separator: ",").first.map(String.init) ?? ""
                guard type == "1" || type == "2", ports.contains(where: { ProtocolRegistry.isPort($0, of: .tls) }) else { continue }
                let theirs = [type, cells[3], cells[4], cells[5].split(separator: ",").first.map(String.init) ?? "", cells[6]]
                guard let hello = hellos[frame] else {
                    if Self.sslv2Hellos.contains("\(file) \(frame)") { continue }
                    if !cells[8].isEmpty { reassembled.append("\(file) \(frame)") } else { differences.append("\(file) \(frame): we read no hello") }
                    continue
                }
                if Self.ours(hello) == theirs { agreed += 1 } else { differences.append("\(file) \(frame): ours \(Self.ours(hello)) tshark \(theirs)") }
            }
        }
        #expect(differences.isEmpty, "\(differences)")
        #expect(reassembled.count <= Self.reassembledBound, "\(reassembled)")
        #expect(agreed >= 30, "only \(agreed) hellos compared")  // measured 33
        print("TsharkTLSTests: \(agreed) hellos agree, \(reassembled.count) reassembled by tshark: \(reassembled)")
    }
}
