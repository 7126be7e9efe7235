import Capture
import Decoding
import Foundation
import Testing
import TestSupport

/// Compares, frame by frame over the whole public corpus, our GRE / PPTP / L2TP / PPP / DNS fields
/// with tshark's (`tshark -T fields`). Every difference must be explained by one of the accepted
/// reasons listed in `AcceptedDifference`; anything else fails the test.
///
/// tshark 4.0 field names differ from the issue's shorthand in two places: the GRE call ID is
/// `gre.key.call_id`, and LCP/IPCP/CCP codes are `ppp.code` (there is no `lcp.code`). PPTP result
/// codes live in one field per message type (`pptp.control_result`, `pptp.out_result`…); they are
/// compared as one list.
@Suite struct TsharkTunnelTests {
    /// One compared field: tshark's field names (values concatenated in this order) and ours.
    struct Field: Sendable {
        var name: String
        var tshark: [String]
        var ours: @Sendable (DecodedPacket) -> [String]
    }

    static func hex16<T: BinaryInteger>(_ v: T) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
    /// tshark prints L2TPv3's 32-bit IDs as 8 hex digits.
    static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
    static func controls(_ p: DecodedPacket) -> [PPPControl] {
        p.layers.compactMap { if case .pppControl(let c) = $0 { c } else { nil } }
    }
    static func layers<T>(_ p: DecodedPacket, _ pick: (DecodedLayer) -> T?) -> [T] { p.layers.compactMap(pick) }

    static let fields: [Field] = [
        Field(name: "gre.flags_and_version", tshark: ["gre.flags_and_version"]) { p in
            layers(p) { if case .gre(let g) = $0 { hex16(g.flagsAndVersion) } else { nil } }
        },
        Field(name: "gre.proto", tshark: ["gre.proto"]) { p in
            layers(p) { if case .gre(let g) = $0 { hex16(g.protocolType.rawValue) } else { nil } }
        },
        Field(name: "gre.call_id", tshark: ["gre.key.call_id"]) { p in
            layers(p) { if case .gre(let g) = $0 { g.callID.map(String.init) } else { nil } }
        },
        Field(name: "pptp.type", tshark: ["pptp.control_message_type"]) { p in
            p.pptpMessages.map { String($0.controlType.rawValue) }
        },
        Field(name: "pptp.result", tshark: ["pptp.control_result", "pptp.reason", "pptp.stop_result",
                                             "pptp.echo_result", "pptp.out_result", "pptp.in_result",
                                             "pptp.disc_result"]) { p in
            p.pptpMessages.sorted { Self.resultOrder($0) < Self.resultOrder($1) }
                .compactMap { $0.result.map { String($0.rawValue) } }
        },
        Field(name: "l2tp.type", tshark: ["l2tp.type"]) { p in
            layers(p) { if case .l2tp(let h) = $0, h.transport == .udp { h.isControl ? "1" : "0" } else { nil } }
        },
        Field(name: "l2tp.tunnel", tshark: ["l2tp.tunnel", "l2tp.ccid"]) { p in
            layers(p) {
                guard case .l2tp(let h) = $0 else { return nil }
                if h.version == 2 { return String(h.tunnelID) }
                if h.isControl { return hex32(h.tunnelID) }
                return nil
            }
        },
        Field(name: "l2tp.session", tshark: ["l2tp.session", "l2tp.sid"]) { p in
            layers(p) {
                guard case .l2tp(let h) = $0 else { return nil }
                if h.version == 2 { return String(h.sessionID) }
                if !h.isControl { return hex32(h.sessionID) }
                return nil
            }
        },
        Field(name: "l2tp.avp.message_type", tshark: ["l2tp.avp.message_type"]) { p in
            layers(p) { if case .l2tpControl(let c) = $0 { c.messageType.map { String($0.rawValue) } } else { nil } }
        },
        Field(name: "l2tp.result_code", tshark: ["l2tp.result_code"]) { p in
            layers(p) { if case .l2tpControl(let c) = $0 { c.result.map { String($0.result) } } else { nil } }
        },
        Field(name: "ppp.protocol", tshark: ["ppp.protocol"]) { p in
            layers(p) { if case .ppp(let h) = $0 { hex16(h.protocolNumber.rawValue) } else { nil } }
        },
        Field(name: "ppp.code", tshark: ["ppp.code"]) { p in
            controls(p).compactMap { if case .configure(let c) = $0.message { String(c.code.rawValue) } else { nil } }
        },
        Field(name: "chap.code", tshark: ["chap.code"]) { p in
            controls(p).compactMap { if case .chap(let c) = $0.message { String(c.code.rawValue) } else { nil } }
        },
        Field(name: "dns.id", tshark: ["dns.id"]) { p in
            layers(p) { if case .dns(let d) = $0 { hex16(d.id) } else { nil } }
        },
        Field(name: "dns.rcode", tshark: ["dns.flags.rcode"]) { p in
            layers(p) { if case .dns(let d) = $0, d.isResponse { String(d.rcode.rawValue) } else { nil } }
        },
        Field(name: "dns.qry.name", tshark: ["dns.qry.name"]) { p in
            layers(p) { if case .dns(let d) = $0 { d.questions.map { $0.name == "." ? "<Root>" : $0.name } } else { nil } }
                .flatMap { $0 }
        },
    ]

    /// tshark's PPTP result fields are listed in this order, whatever the message order.
    static func resultOrder(_ m: PPTP) -> Int {
        [2: 0, 3: 1, 4: 2, 6: 3, 8: 4, 10: 5, 13: 6][m.controlType.rawValue] ?? 7
    }

    struct Difference: CustomStringConvertible {
        var file: String
        var frame: Int
        var field: String
        var ours: [String]
        var tshark: [String]
        var stop: DecodeStop?
        var description: String {
            "\(file) frame \(frame) \(field): ours \(ours) tshark \(tshark)"
                + (stop.map { " (our stop: \($0.reason) \($0.layer) \($0.detail ?? ""))" } ?? "")
        }
    }

    /// Every accepted difference, with why it is right (or not ours to fix on this branch).
    enum AcceptedDifference: String, CaseIterable {
        case notDecodedOnThisBranch =
            "an enclosing or preceding layer is not decoded on this branch (link types other than Ethernet, IPv6, PPPoE, ICMP quotes, ESP/IKE): tshark reaches the tunnel layer, we stop before it"
        case unreadableCapture =
            "libpcap cannot read the file (or stops part-way, e.g. pcapng interfaces with different snaplens), tshark's own reader can"
        case protocolRejectInnerCode =
            "LCP Protocol-Reject / Code-Reject: tshark also dissects the rejected packet inside and lists its code; we keep it as data"
        case dnsOtherPorts =
            "tshark decodes DNS on ports other than 53 (mDNS 5353, LLMNR 5355, heuristics); we dispatch DNS on 53 only"
        case greCiscoMetadata =
            "GRE payload type 0x8909 (Cisco MetaData, tcpdump/various_gre.pcap) is not a VPN protocol and is not decoded; tshark decodes it and the GRE keepalive inside"
        case ipFragment =
            "an IP fragment whose datagram never completes in the capture (tshark dissects the first fragment's partial payload; we stop with .fragment and the reassembler reports it pending)"
        case icmpQuotedPayload =
            "an ICMP error quoting a DNS query: tshark dissects the quoted payload as DNS; we keep the quoted addresses and ports (ICMPQuote), not the quoted application data"
        case tcpRetransmission =
            "a retransmitted TCP segment (same direction, sequence and length as an earlier one): tshark does not give its bytes to PPTP/DNS again; we decode every segment on its own (TCPStreams drops the duplicate)"
        case malformedPartialHeader =
            "tcpdump's malformed captures: tshark shows the fields of a cut or contradictory header; we keep no half header and report the stop (gre-heapoverflow-2: GRE cut by the snaplen; ppp_ip_udp_dns: FF 5F is not RFC 1662 framing, control must be 03; ppp-invalid-lengths: IPCP with more than maxPPPOptions options)"
        case pptpSplitAcrossSegments =
            "the PPTP/DNS message is not wholly in this TCP segment: tshark reassembles the stream; our per-frame decode stops with .fragment and TCPStreams yields it"
    }

    static func explain(_ d: Difference, packet: DecodedPacket?, retransmissions: Set<Int>) -> AcceptedDifference? {
        guard let packet else { return .unreadableCapture }
        if d.tshark.isEmpty, retransmissions.contains(d.frame), d.field.hasPrefix("pptp") || d.field.hasPrefix("dns") {
            return .tcpRetransmission
        }
        if let stop = packet.stop, stop.layer == .gre, stop.reason == .unsupported, d.tshark.starts(with: d.ours),
           packet.gre?.protocolType.rawValue == 0x8909 {
            return .greCiscoMetadata
        }
        if let stop = packet.stop, stop.reason == .fragment, stop.layer == .ipv4 || stop.layer == .ipv6, d.ours.isEmpty {
            return .ipFragment
        }
        if d.field.hasPrefix("dns"), d.ours.isEmpty, packet.icmp != nil || packet.icmpv6 != nil { return .icmpQuotedPayload }
        if d.file.hasPrefix("tcpdump-malformed/"), d.ours.isEmpty, let stop = packet.stop,
           d.field.hasPrefix(stop.layer == .pppControl ? "ppp" : stop.layer.rawValue) {
            return .malformedPartialHeader
        }
        // Protocol-Reject (8) / Code-Reject (7): tshark's list continues with the rejected packet's code.
        if d.field == "ppp.code", let first = d.ours.first, ["7", "8"].contains(first),
           d.tshark.starts(with: d.ours) {
            return .protocolRejectInnerCode
        }
        if let stop = packet.stop, d.ours.count < d.tshark.count, d.tshark.starts(with: d.ours) {
            let mine: Set<LayerKind> = [.gre, .ppp, .pppControl, .pptp, .l2tp, .dns]
            if stop.reason == .fragment, stop.layer == .pptp || stop.layer == .dns { return .pptpSplitAcrossSegments }
            if stop.reason == .unsupported, !mine.contains(stop.layer) { return .notDecodedOnThisBranch }
        }
        if d.field.hasPrefix("dns"), d.ours.isEmpty, let udp = packet.udp, !udp.either(is: 53) { return .dnsOtherPorts }
        if d.field.hasPrefix("dns"), d.ours.isEmpty, let tcp = packet.tcp, !tcp.either(is: 53) { return .dnsOtherPorts }
        return nil
    }

    static var tsharkAvailable: Bool {
        let ok = FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark")
        if !ok, !Corpus.isCI { print("note: tshark not installed; TsharkTunnelTests skipped") }
        return ok || Corpus.isCI
    }

    /// Runs tshark on `path`: one row per frame, each field a list.
    static func tsharkRows(_ path: String) throws -> [Int: [String: [String]]] {
        let names = fields.flatMap(\.tshark)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        process.arguments = ["-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                             "-E", "aggregator=,", "-e", "frame.number"] + names.flatMap { ["-e", $0] }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var rows: [Int: [String: [String]]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let frame = Int(cells[0]) else { continue }
            var row: [String: [String]] = [:]
            for (i, name) in names.enumerated() where i + 1 < cells.count && !cells[i + 1].isEmpty {
                row[name] = cells[i + 1].split(separator: ",").map(String.init)
            }
            rows[frame] = row
        }
        return rows
    }

    /// Decodes what libpcap can read of `path` (frames before a read error are kept).
    static func decodeReadable(_ path: String) -> [Int: DecodedPacket] {
        var out: [Int: DecodedPacket] = [:]
        guard let file = try? PcapFile(path: path) else { return out }
        var decoder = PacketDecoder()
        while let frame = try? file.next() {
            out[frame.info.number] = decoder.decode(frame)
        }
        return out
    }

    /// Frames whose TCP segment repeats an earlier one (direction, sequence, length).
    static func retransmissions(_ packets: [Int: DecodedPacket]) -> Set<Int> {
        var seen: Set<[String]> = []
        var out: Set<Int> = []
        for (frame, p) in packets.sorted(by: { $0.key < $1.key }) {
            guard let ip = p.ipv4, let tcp = p.tcp, tcp.payload.count > 0 else { continue }
            let key = ["\(ip.source)", "\(ip.destination)", "\(tcp.sourcePort)", "\(tcp.destinationPort)",
                       "\(tcp.sequenceNumber)", "\(tcp.payload.count)"]
            if !seen.insert(key).inserted { out.insert(frame) }
        }
        return out
    }

    static func differences(in file: String) throws -> [(Difference, DecodedPacket?, Set<Int>)] {
        let path = Corpus.publicPath(file)
        let theirs = try tsharkRows(path)
        let ours = decodeReadable(path)
        let retransmitted = retransmissions(ours)
        var diffs: [(Difference, DecodedPacket?, Set<Int>)] = []
        for frame in Set(theirs.keys).union(ours.keys).sorted() {
            let packet = ours[frame]
            let row = theirs[frame] ?? [:]
            for field in fields {
                let t = field.tshark.flatMap { row[$0] ?? [] }
                let o = packet.map(field.ours) ?? []
                if t != o {
                    diffs.append((Difference(file: file, frame: frame, field: field.name, ours: o, tshark: t,
                                             stop: packet?.stop), packet, retransmitted))
                }
            }
        }
        return diffs
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable && tsharkAvailable))
    func matchesTsharkOnEveryCorpusFile() throws {
        var unexplained: [Difference] = []
        var accepted: [AcceptedDifference: Int] = [:]
        var compared = 0
        let verbose = ProcessInfo.processInfo.environment["TSHARK_VERBOSE"] != nil
        for file in Corpus.publicFiles() {
            for (d, packet, retransmitted) in try Self.differences(in: file) {
                if let reason = Self.explain(d, packet: packet, retransmissions: retransmitted) {
                    accepted[reason, default: 0] += 1
                    if verbose { print("accepted \(reason): \(d)") }
                } else {
                    unexplained.append(d)
                }
            }
            compared += 1
        }
        for (reason, count) in accepted.sorted(by: { $0.value > $1.value }) {
            print("accepted \(count)× \(reason): \(reason.rawValue)")
        }
        for d in unexplained.prefix(60) { print("UNEXPLAINED \(d)") }
        #expect(compared == Corpus.publicFiles().count)
        #expect(unexplained.isEmpty, "\(unexplained.count) unexplained differences with tshark")
    }
}
