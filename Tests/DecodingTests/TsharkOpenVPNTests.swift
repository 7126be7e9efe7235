import Capture
import Decoding
import Foundation
import Testing
import TestSupport

/// Compares, frame by frame, our OpenVPN fields with tshark's `openvpn` dissector on every OpenVPN
/// capture of the public corpus. tshark needs to be told what is not on the wire: a port other than
/// 1194 (`-d udp.port==P,openvpn`; we recognise those by our heuristic), a tls-auth HMAC that is not
/// 20 bytes and tls-crypt (its preferences; we find both from the packets). Every difference must be
/// one of `AcceptedDifference`, within its file and count bound, and each field must agree on at
/// least its floor of frames: a comparison that compares nothing fails.
@Suite struct TsharkOpenVPNTests {
    /// The OpenVPN captures of MANIFEST.tsv, with the tshark options each needs.
    static let files: [String: [String]] = [
        "nDPI/openvpn.pcap": ["-d", "udp.port==443,openvpn", "-d", "udp.port==13680,openvpn", "-d", "udp.port==1234,openvpn"],
        "nDPI/openvpn-tlscrypt.pcap": ["-o", "openvpn.tls_crypt:TRUE"],
        "nDPI/openvpn_nohmac.pcapng": [],
        "nDPI/openvpn_nohmac_tcp.pcapng": [],
        "nDPI/openvpn_obfuscated.pcapng": [],
        "zeek-spicy-openvpn/openvpn-tcp-tls-auth.pcap": [],
        "zeek-spicy-openvpn/openvpn.pcap": ["-d", "udp.port==1198,openvpn"],
        "zeek-spicy-openvpn/openvpn_tcp_nontlsauth.pcap": [],
        "zeek-spicy-openvpn/openvpn_udp_hmac_256.pcap": [
            "-o", "openvpn.tls_auth_detection_override:TRUE", "-o", "openvpn.tls_auth:TRUE",
            "-o", "openvpn.tls_auth_hmac_size:32",
        ],
        "zeek-spicy-openvpn/openvpn_udp_tls-auth.pcap": [],
    ]

    struct Field: Sendable {
        var name: String
        var ours: @Sendable (OpenVPN) -> [String]
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static let fields: [Field] = [
        Field(name: "openvpn.opcode") { [String(format: "0x%02x", $0.opcode.rawValue)] },
        Field(name: "openvpn.keyid") { [String($0.keyID)] },
        Field(name: "openvpn.peerid") { $0.peerID.map { [String($0)] } ?? [] },
        Field(name: "openvpn.plen") { $0.length.map { [String($0)] } ?? [] },
        Field(name: "openvpn.sessionid") { $0.sessionID.map { [String($0)] } ?? [] },
        Field(name: "openvpn.hmac") { $0.hmac.isEmpty ? [] : [hex($0.hmac)] },
        Field(name: "openvpn.pid") { $0.replayPacketID.map { [String($0)] } ?? [] },
        Field(name: "openvpn.mpidarraylength") { p in
            p.tlsCrypt || p.opcode.isData ? [] : [String(p.acks.count)]
        },
        Field(name: "openvpn.mpidarrayelement") { $0.acks.map(String.init) },
        Field(name: "openvpn.rsessionid") { $0.remoteSessionID.map { [String($0)] } ?? [] },
        Field(name: "openvpn.mpid") { $0.messagePacketID.map { [String($0)] } ?? [] },
    ]

    /// Every accepted difference, with why it is right (or not ours to fix).
    enum AcceptedDifference: String, CaseIterable {
        case dataOnOtherPorts =
            "P_DATA on a UDP port without a registry entry (told to tshark with -d): data packets have no structure to recognise, so the dissector leaves them as UDP; the analyzer counts them by the endpoints of the session its control packets made"
        case icmpQuotedPayload =
            "an ICMP port unreachable quoting an OpenVPN packet: tshark dissects the quoted payload; we keep the quoted addresses and ports (ICMPQuote)"

        var limit: (files: Set<String>, bound: Int) {
            switch self {
            case .dataOnOtherPorts: (["nDPI/openvpn.pcap", "zeek-spicy-openvpn/openvpn.pcap"], 440)  // measured 437
            case .icmpQuotedPayload: (["zeek-spicy-openvpn/openvpn_udp_tls-auth.pcap"], 2)
            }
        }
    }

    /// tshark is told one HMAC size per run: a capture that holds sessions with another size is read
    /// once more with it, and each frame is compared with the run of the size we found.
    static let otherHMACSizes: [String: [Int]] = ["nDPI/openvpn.pcap": [64]]

    /// The fewest frames in which each field must agree with tshark on a non-empty value (about nine
    /// tenths of what is measured).
    static let floors: [String: Int] = [  // measured: 825, 2571, 755, 777, 1443, 2571, 608, 825, 780, 777, 1456
        "openvpn.hmac": 740, "openvpn.keyid": 2300, "openvpn.mpid": 680, "openvpn.mpidarrayelement": 700,
        "openvpn.mpidarraylength": 1300, "openvpn.opcode": 2300, "openvpn.peerid": 540, "openvpn.pid": 740,
        "openvpn.plen": 700, "openvpn.rsessionid": 700, "openvpn.sessionid": 1300,
    ]

    struct Difference: CustomStringConvertible {
        var file: String
        var frame: Int
        var field: String
        var ours: [String]
        var tshark: [String]
        var description: String { "\(file) frame \(frame) \(field): ours \(ours) tshark \(tshark)" }
    }

    static func explain(_ d: Difference, packet: DecodedPacket?) -> AcceptedDifference? {
        guard let packet, d.ours.isEmpty else { return nil }
        if packet.icmp != nil { return .icmpQuotedPayload }
        if let udp = packet.udp, ProtocolRegistry.udp(udp.sourcePort, udp.destinationPort) == nil, packet.openvpnPackets.isEmpty,
           d.field == "openvpn.opcode" || d.field == "openvpn.keyid" || d.field == "openvpn.peerid",
           d.tshark == ["0x06"] || d.tshark == ["0x09"] || d.field != "openvpn.opcode" {
            return .dataOnOtherPorts
        }
        return nil
    }

    static func tsharkRows(_ path: String, options: [String], frames: Int) throws -> [Int: [String]] {
        try Tshark.fields(path, fields.map(\.name), options: ["-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
                          + options, frames: frames)
    }

    static func differences(in file: String) throws -> (diffs: [(Difference, DecodedPacket?)], agreed: [String: Int]) {
        let path = Corpus.publicPath(file)
        var ours: [Int: DecodedPacket] = [:]
        for packet in try decodeFile(path) { ours[packet.frame.number] = packet }
        let options = files[file] ?? []
        let rows = try tsharkRows(path, options: options, frames: ours.count)
        var rowsBySize: [Int: [Int: [String]]] = [:]
        for size in otherHMACSizes[file] ?? [] {
            rowsBySize[size] = try tsharkRows(path, options: options + [
                "-o", "openvpn.tls_auth_detection_override:TRUE", "-o", "openvpn.tls_auth:TRUE",
                "-o", "openvpn.tls_auth_hmac_size:\(size)",
            ], frames: ours.count)
        }
        var diffs: [(Difference, DecodedPacket?)] = []
        var agreed: [String: Int] = [:]
        for frame in Set(rows.keys).union(ours.keys).sorted() {
            let packet = ours[frame]
            let size = packet?.openvpnPackets.first?.hmacSize ?? 0
            let cells = rowsBySize[size]?[frame] ?? rows[frame] ?? []
            for (i, field) in fields.enumerated() {
                let t = i < cells.count && !cells[i].isEmpty ? cells[i].split(separator: ",").map(String.init) : []
                let o = packet?.openvpnPackets.flatMap(field.ours) ?? []
                if t == o {
                    if !t.isEmpty { agreed[field.name, default: 0] += 1 }
                    continue
                }
                diffs.append((Difference(file: file, frame: frame, field: field.name, ours: o, tshark: t), packet))
            }
        }
        return (diffs, agreed)
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable && Tshark.available))
    func matchesTsharkOnEveryOpenVPNCapture() throws {
        #expect(Set(Self.files.keys) == Set(Corpus.publicFiles().filter { $0.lowercased().contains("openvpn") }))
        var accepted: [AcceptedDifference: [String: Int]] = [:]
        var agreed: [String: Int] = [:]
        var unexplained: [Difference] = []
        for file in Self.files.keys.sorted() {
            let (diffs, counts) = try Self.differences(in: file)
            agreed.merge(counts, uniquingKeysWith: +)
            for (d, packet) in diffs {
                if let reason = Self.explain(d, packet: packet) {
                    accepted[reason, default: [:]][file, default: 0] += 1
                } else {
                    unexplained.append(d)
                }
            }
        }
        #expect(unexplained.isEmpty, "\(unexplained.count) differences: \(unexplained.prefix(8).map(\.description).joined(separator: "\n"))")
        for reason in AcceptedDifference.allCases {
            let byFile = accepted[reason] ?? [:]
            expectWithin(reason.rawValue, accepted: byFile, files: reason.limit.files, bound: reason.limit.bound)
        }
        print("agreed: \(agreed.sorted { $0.key < $1.key })")
        for (field, floor) in Self.floors {
            #expect(agreed[field, default: 0] >= floor, "\(field) agrees with tshark in \(agreed[field, default: 0]) frames, floor \(floor)")
        }
    }
}
