import Capture
import Foundation
import Testing
import TestSupport

/// Inputs libpcap refused or could not read: pcapng files whose interfaces differ in snap length or
/// link type (a `mergecap` of captures), and gzip-compressed captures. Each is compared with
/// tshark, the reference decoder, frame by frame; the files are made at test time from real
/// captures with Wireshark's own tools (mergecap, editcap) and gzip.
/// Whether Wireshark's tools and gzip are here (on CI their absence fails the tests instead).
let captureToolsPresent = ["tshark", "mergecap", "editcap", "gzip"].allSatisfy { which($0) != nil }

@Suite(.enabled(if: captureToolsPresent || Strict.isOn, "needs tshark, mergecap, editcap and gzip"))
struct CaptureInputTests {
    /// A fresh directory for the files a test makes; the caller removes it.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func tool(_ name: String, _ arguments: [String]) throws -> String {
        let result = try runCommand(try #require(which(name), "\(name) is required on CI"), arguments)
        #expect(result.status == 0, "\(name) \(arguments): \(result.stderr)")
        return result.stdout
    }

    /// tshark's frame number, epoch time, captured length and link type (WTAP encapsulation mapped
    /// to the libpcap link type of the three we merge) of every frame, as text rows.
    static func tsharkFrames(_ path: String, filter: String? = nil) throws -> [[String]] {
        let wtapToLinkType = ["1": LinkType.ethernet, "7": .raw, "25": .linuxSLL]
        var arguments = ["-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch",
                         "-e", "frame.cap_len", "-e", "frame.encap_type"]
        if let filter { arguments += ["-Y", filter] }
        return try Self.tool("tshark", arguments).split(separator: "\n").map { line in
            let f = line.split(separator: "\t").map(String.init)
            return [f[0], f[1], f[2], wtapToLinkType[f[3]].map { String($0.rawValue) } ?? "wtap \(f[3])"]
        }
    }

    static func ourFrames(_ path: String, filter: String? = nil) throws -> [[String]] {
        let file = try PcapFile(path: path, filter: filter)
        var rows: [[String]] = []
        while let frame = try file.next() {
            let i = frame.info
            rows.append([String(i.number), i.timestamp.description, String(i.capturedLength), String(i.linkType.rawValue)])
        }
        return rows
    }

    static func lab(_ name: String) -> String { Corpus.capturePath(name) }

    /// Two captures of one Ethernet link, one cut to a 200-byte snap length, merged with every
    /// interface kept: libpcap refuses a second interface whose snap length differs from the first.
    @Test func interfacesWithDifferentSnapLengthsAreReadInFull() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let short = dir.appendingPathComponent("short.pcap").path
        let merged = dir.appendingPathComponent("snaplens.pcapng").path
        _ = try Self.tool("editcap", ["-s", "200", Self.lab("lab-ikev2-psk-ok-server.pcap"), short])
        _ = try Self.tool("mergecap", ["-I", "none", "-F", "pcapng", "-w", merged, Self.lab("lab-ikev2-psk-ok-client.pcap"), short])
        let expected = try Self.tsharkFrames(merged)
        #expect(expected.count == 24)
        #expect(try Self.ourFrames(merged) == expected)
    }

    /// An Ethernet lab capture merged with the raw-IP and Linux SLL fixtures and a nanosecond one
    /// (its interface says so in if_tsresol): each frame keeps its interface's link type and
    /// timestamp resolution and is numbered as Wireshark numbers it.
    @Test func interfacesWithDifferentLinkTypesKeepTheirOwn() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let merged = try Self.mergedLinkTypes(in: dir)
        let expected = try Self.tsharkFrames(merged)
        #expect(Set(expected.map { $0[3] }) == Set([LinkType.ethernet, .raw, .linuxSLL].map { String($0.rawValue) }))
        #expect(try Self.ourFrames(merged) == expected)
    }

    static func mergedLinkTypes(in dir: URL) throws -> String {
        let merged = dir.appendingPathComponent("linktypes.pcapng").path
        _ = try Self.tool("mergecap", ["-F", "pcapng", "-w", merged, Self.lab("lab-ikev2-psk-ok-client.pcap"),
                                       Corpus.capturePath("fixtures/loopback-raw.pcap"), Corpus.capturePath("fixtures/loopback-sll.pcap"),
                                       Corpus.capturePath("fixtures/loopback-ethernet-ns.pcap")])
        return merged
    }

    /// `--filter` is compiled for each link type: on the merged file it keeps the frames tshark's
    /// equivalent display filter keeps (BPF `ip` and Wireshark's `ip` both mean an IPv4 header).
    /// Port filters are not comparable: Wireshark's match the UDP header an ICMP error quotes too.
    @Test(arguments: [("icmp", "icmp"), ("ip", "ip"), ("ip6", "ipv6")])
    func filterOnSeveralLinkTypesMatchesTshark(bpf: String, display: String) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let merged = try Self.mergedLinkTypes(in: dir)
        let expected = try Self.tsharkFrames(merged, filter: display)
        #expect(try Self.ourFrames(merged, filter: bpf).map { $0[0] } == expected.map { $0[0] })
    }

    /// The two public pcapng files libpcap refused (their second interface has another snap length).
    @Test(.enabled(if: Corpus.publicCorpusAvailable), arguments: ["PcapPlusPlus/GrePackets.pcap", "PcapPlusPlus/ipsec.pcapng"])
    func corpusFilesLibpcapRefusedAreRead(_ name: String) throws {
        let path = Corpus.publicPath(name)
        let expected = try Self.tsharkFrames(path)
        #expect(expected.count >= 3)
        #expect(try Self.ourFrames(path) == expected)
    }

    /// A gzip-compressed capture holds the frames of the plain one, byte for byte; the position
    /// for the progress bar counts compressed bytes.
    @Test(arguments: ["lab-ikev2-psk-ok-client.pcap", "fixtures/loopback.pcapng"])
    func gzipCaptureHoldsTheSameFrames(_ name: String) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = Corpus.capturePath(name)
        let gz = dir.appendingPathComponent("capture.gz").path
        try Self.gzip(plain, to: gz)
        let file = try PcapFile(path: gz)
        var frames: [(FrameInfo, [UInt8])] = []
        while let frame = try file.next() { frames.append((frame.info, Array(frame.bytes))) }
        let original = try PcapFile(path: plain)
        var index = 0
        while let frame = try original.next() {
            #expect(frames[index].0 == frame.info && frames[index].1 == Array(frame.bytes), "\(name) frame \(index + 1)")
            index += 1
        }
        #expect(index == frames.count && index > 0)
        #expect(file.cutShort == nil)
        #expect(file.bytesRead == file.fileSize)
    }

    /// gzip's output is binary: the shell writes it to the file.
    static func gzip(_ path: String, to output: String) throws {
        _ = try Self.tool("sh", ["-c", "gzip -c '\(path)' > '\(output)'"])
    }

    /// A gzip file cut part-way is a capture cut while being written (the frames before are all
    /// read); bytes changed inside the compressed data are damage, after the frames before it. The
    /// capture is a lab capture's records repeated 200 times (600 KB), so the damage lies well
    /// past the first read.
    @Test func cutGzipIsCutShortAndDamagedGzipIsDamage() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lab = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.lab("lab-ikev2-psk-ok-client.pcap"))))
        let plain = dir.appendingPathComponent("long.pcap").path
        FileManager.default.createFile(atPath: plain, contents: Data(lab.prefix(24) + (0 ..< 200).flatMap { _ in lab.dropFirst(24) }))
        let gz = dir.appendingPathComponent("long.pcap.gz").path
        try Self.gzip(plain, to: gz)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: gz))
        let wholeFrames = try Self.ourFrames(plain).count
        #expect(wholeFrames == 200 * 12)

        let cut = dir.appendingPathComponent("cut.pcap.gz").path
        FileManager.default.createFile(atPath: cut, contents: bytes.prefix(bytes.count * 2 / 3))
        let cutFile = try PcapFile(path: cut)
        var read = 0
        while try cutFile.next() != nil { read += 1 }
        #expect(read > 0 && read < wholeFrames)
        #expect(cutFile.cutShort?.framesRead == read)

        var damaged = [UInt8](bytes)
        for i in stride(from: damaged.count / 2, to: damaged.count * 2 / 3, by: 3) { damaged[i] ^= 0x5A }
        let bad = dir.appendingPathComponent("damaged.pcap.gz").path
        FileManager.default.createFile(atPath: bad, contents: Data(damaged))
        let badFile = try PcapFile(path: bad)
        read = 0
        #expect {
            while try badFile.next() != nil { read += 1 }
        } throws: { error in
            let error = error as? CaptureError
            // zlib may inflate the changed bits into garbage records before its checks fail: either way damage.
            return error?.code == .corrupt && error?.framesRead == read
        }
        #expect(read > 0 && read < wholeFrames)
    }
}
