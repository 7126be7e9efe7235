import Capture
import Decoding
import Foundation

/// Locates test inputs: the package's own `Captures/` and the public corpus that sits beside the
/// repository in `../shared/captures/public` (never copied into the repo).
public enum Corpus {
    /// The package root (found from this source file's path).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `Captures/` in the package.
    public static var captures: URL { packageRoot.appendingPathComponent("Captures") }

    /// The public corpus, from `VPNDOCTOR_PUBLIC_CAPTURES` or `../shared/captures/public`; nil when
    /// absent.
    public static let publicCaptures: URL? = {
        if let env = ProcessInfo.processInfo.environment["VPNDOCTOR_PUBLIC_CAPTURES"] {
            return URL(fileURLWithPath: env)
        }
        var dir = packageRoot
        for _ in 0..<3 {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("shared/captures/public")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("MANIFEST.tsv").path) {
                return candidate
            }
        }
        return nil
    }()

    /// Whether tests that need the public corpus should run. On CI (`Strict`) they always run (and
    /// fail if it is missing); elsewhere they are skipped with a visible message.
    public static var publicCorpusAvailable: Bool {
        Strict.runs(publicCaptures != nil, needs: "the public corpus ../shared/captures/public")
    }

    /// Every capture file of the public corpus (relative paths as in MANIFEST.tsv), sorted.
    public static func publicFiles() -> [String] {
        guard let root = publicCaptures,
              let manifest = try? String(contentsOf: root.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        else { return [] }
        return manifest.split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: "\t").first.map(String.init)
        }.sorted()
    }

    /// Absolute path of a public corpus file.
    public static func publicPath(_ relative: String) -> String {
        (publicCaptures ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent(relative).path
    }

    /// Absolute path of a file in `Captures/`.
    public static func capturePath(_ name: String) -> String {
        captures.appendingPathComponent(name).path
    }

    /// A capture of `packets` packets of the benchmark's traffic mix (ESP on 200 tunnels, NAT-T ESP
    /// and keepalives, IKE, TCP, WireGuard, OpenVPN, DNS, PPTP GRE, ICMP), written by
    /// `Benchmarks/make-bench-pcap.py` into the temporary directory once (deterministic: later runs
    /// reuse it, named by the generator's size so that a changed mix is made anew; needs python3).
    public static func benchmarkMix(packets: Int) throws -> String {
        try self.generated("make-bench-pcap.py", [], packets: packets)
    }

    /// A shape of `Benchmarks/make-hostile-pcap.py` (synthetic: built to make a tracker's state
    /// grow; no real capture has it), generated once per size.
    public static func hostileShape(_ shape: String, packets: Int) throws -> String {
        try self.generated("make-hostile-pcap.py", [shape], packets: packets)
    }

    /// The capture `Benchmarks/<script> ARGUMENTS OUT PACKETS` writes, in the temporary directory.
    static func generated(_ script: String, _ arguments: [String], packets: Int) throws -> String {
        let script = packageRoot.appendingPathComponent("Benchmarks/\(script)").path
        let generator = (try? FileManager.default.attributesOfItem(atPath: script)[.size] as? Int) ?? 0
        let name = ([URL(fileURLWithPath: script).deletingPathExtension().lastPathComponent] + arguments).joined(separator: "-")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-\(name)-\(generator)-\(packets).pcap").path
        if FileManager.default.fileExists(atPath: path) { return path }
        let scratch = path + ".\(UInt64.random(in: 0 ... .max))"
        let result = try runCommand("/usr/bin/env", ["python3", script] + arguments + [scratch, String(packets)])
        guard result.status == 0 else { throw BenchmarkMixError(stderr: result.stderr) }
        _ = rename(scratch, path)
        return path
    }

    struct BenchmarkMixError: Error { var stderr: String }
}

/// Decodes every frame of a capture file as the CLI does (with IP reassembly); tests only: it
/// keeps every packet.
public func decodeFile(_ path: String, filter: String? = nil, decrypter: (any PacketDecrypting)? = nil) throws -> [DecodedPacket] {
    let file = try PcapFile(path: path, filter: filter)
    var decoder = PacketDecoder()
    decoder.decrypter = decrypter
    var packets: [DecodedPacket] = []
    while let frame = try file.next() {
        packets.append(decoder.decode(frame))
    }
    return packets
}

/// Decodes one frame given as bytes (tests only).
public func decodeBytes(_ bytes: [UInt8], linkType: LinkType = .ethernet, originalLength: Int? = nil) -> DecodedPacket {
    let info = FrameInfo(number: 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: bytes.count,
                         originalLength: originalLength ?? bytes.count, linkType: linkType)
    return bytes.withUnsafeBytes { Dissector().decode(RawFrame(info: info, bytes: $0)) }
}

/// Bytes from a hex string; whitespace, newlines and `tcpdump -X`-style offsets ("0x0000:") are
/// ignored.
public func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    for line in text.split(separator: "\n") {
        var body = Substring(line)
        if let colon = body.firstIndex(of: ":"), body[..<colon].hasPrefix("0x") { body = body[body.index(after: colon)...] }
        let digits = body.filter(\.isHexDigit)
        var i = digits.startIndex
        while let j = digits.index(i, offsetBy: 2, limitedBy: digits.endIndex), i != digits.endIndex {
            out.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
    }
    return out
}

/// Where a lab scenario recorded with keys in its charon logs lives: `Captures/decrypt/` (keyed
/// re-recordings of scenarios whose committed captures predate key logging) or `Captures/` itself
/// (scenarios recorded since). "decrypt/" or "".
public func keyedDirectory(_ scenario: String) -> String {
    FileManager.default.fileExists(atPath: Corpus.capturePath("decrypt/lab-\(scenario)-client.pcap")) ? "decrypt/" : ""
}
