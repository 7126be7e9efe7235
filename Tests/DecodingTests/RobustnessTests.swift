import Capture
import Decoding
import Foundation
import FuzzHarness
import Testing
import TestSupport

/// Frames of every protocol the corpus has: for each distinct decode shape (layer kinds, stop
/// reason and layer), the first frame that has it, from the public corpus and `Captures/`.
/// Shared by the truncation sweep and the mutation test.
enum SweepFrames {
    struct Frame: Sendable {
        var origin: String  // "file#frame"
        var linkType: LinkType
        var bytes: [UInt8]
    }

    static let all: [Frame] = {
        var paths = Corpus.publicFiles().map(Corpus.publicPath)
        let captures = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)) ?? []
        paths += captures.filter { $0.hasSuffix(".pcap") }.sorted().map(Corpus.capturePath)
        let fixtures = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.capturePath("fixtures"))) ?? []
        paths += fixtures.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map { Corpus.capturePath("fixtures/\($0)") }
        var seen = Set<String>()
        var frames: [Frame] = []
        for path in paths {
            guard let file = try? PcapFile(path: path) else { continue }
            let dissector = Dissector()
            while let frame = try? file.next() {
                let p = dissector.decode(frame)
                let shape = "\(frame.info.linkType.rawValue) \(p.layers.map(\.kind.rawValue)) \(p.stop?.reason.rawValue ?? "") \(p.stop?.layer.rawValue ?? "")"
                guard seen.insert(shape).inserted else { continue }
                let name = path.replacingOccurrences(of: (Corpus.publicCaptures?.path ?? "-") + "/", with: "")
                frames.append(Frame(origin: "\((name as NSString).lastPathComponent)#\(frame.info.number)",
                                    linkType: frame.info.linkType, bytes: Array(frame.bytes)))
            }
        }
        return frames
    }()

    /// Decodes `bytes` with a fresh `PacketDecoder`, `original` being the length on the wire.
    static func decode(_ bytes: [UInt8], linkType: LinkType, original: Int) -> DecodedPacket {
        let info = FrameInfo(number: 1, timestamp: Timestamp(seconds: 0, nanoseconds: 0), capturedLength: bytes.count,
                             originalLength: original, linkType: linkType)
        var decoder = PacketDecoder()
        return bytes.withUnsafeBytes { decoder.decode(RawFrame(info: info, bytes: $0)) }
    }
}

@Suite struct RobustnessTests {
    /// The sweep covers every protocol we decode (so a new decoder without corpus frames shows).
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func sweepCoversEveryLayer() {
        var kinds = Set<LayerKind>()
        for f in SweepFrames.all {
            kinds.formUnion(SweepFrames.decode(f.bytes, linkType: f.linkType, original: f.bytes.count).layers.map(\.kind))
        }
        // No public capture has L2TPv3 over IP or SLL2 framing with VPN traffic… they still must decode.
        let missing = Set(LayerKind.allCases).subtracting(kinds).subtracting([.link])
        #expect(missing.isEmpty, "no sweep frame for \(missing.map(\.rawValue).sorted())")
        print("truncation/mutation sweep: \(SweepFrames.all.count) frames, \(kinds.count) layer kinds")
    }

    /// Every prefix of every sweep frame, decoded through `PacketDecoder` as a snaplen cut: never
    /// more layers than the whole frame, the same kinds in the same order, and a stop that is
    /// `.truncated` (or the whole frame's own stop), never `.malformed`: the snaplen is not a lie.
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func everyPrefixOfEveryProtocolStopsCleanly() {
        var prefixes = 0
        var heuristicCut = 0, prefixCut = 0
        for f in SweepFrames.all {
            let whole = SweepFrames.decode(f.bytes, linkType: f.linkType, original: f.bytes.count)
            for n in 0..<f.bytes.count {
                prefixes += 1
                let p = SweepFrames.decode(Array(f.bytes.prefix(n)), linkType: f.linkType, original: f.bytes.count)
                // Accepted: OpenVPN on a UDP port without a registry entry is recognised by its whole
                // layout (`OpenVPN.recognised`); cut, it is not, and stays a UDP payload like any
                // other port's. Bound: the OpenVPN sweep frames on such ports (measured 1).
                if whole.layers.last?.kind == .openvpn, let udp = whole.udp, ProtocolRegistry.udp(udp.sourcePort, udp.destinationPort) == nil,
                   p.stop == nil, p.layers.map(\.kind) == whole.layers.dropLast().map(\.kind) {
                    heuristicCut += 1
                    break
                }
                // Accepted: IKE over TCP off TCP 4500 (443, a TLS port in the registry) is named by its
                // IKETCP prefix; cut before the prefix, the segment is TCP like any other port's.
                // Bound: the off-port frames carrying the prefix (measured 1: lab-ikev2-tcp-443-ok frame 4).
                if whole.tcpEncapsulation?.kind == .streamPrefix, let tcp = whole.tcp,
                   ProtocolRegistry.tcp(tcp.sourcePort, tcp.destinationPort)?.service != .ikeTCP,
                   p.stop == nil, p.layers.map(\.kind) == [.ethernet, .ipv4, .tcp] {
                    prefixCut += 1
                    break
                }
                guard p.layers.count <= whole.layers.count,
                      zip(p.layers, whole.layers).allSatisfy({ $0.kind == $1.kind })
                else {
                    Issue.record("\(f.origin) prefix \(n): \(p.layers.map(\.kind)) vs \(whole.layers.map(\.kind))")
                    break
                }
                // A shorter decode must say why: it cannot end quietly as if the frame were whole.
                let same = p.layers.count == whole.layers.count && p.stop == whole.stop
                let shortAndSilent = p.layers.count < whole.layers.count && p.stop == nil
                if shortAndSilent || !same && p.stop?.reason != .truncated && p.stop?.reason != whole.stop?.reason {
                    Issue.record("\(f.origin) prefix \(n) stops as \(String(describing: p.stop)), whole: \(String(describing: whole.stop))")
                    break
                }
                _ = p.layers.map(\.summary)
            }
        }
        #expect(heuristicCut <= 2, "\(heuristicCut) cut OpenVPN frames on heuristic ports")
        #expect(prefixCut <= 2, "\(prefixCut) cut IKE-over-TCP frames on ports named by the prefix")
        print("truncation sweep: \(prefixes) prefixes of \(SweepFrames.all.count) frames (\(heuristicCut) heuristic OpenVPN frames cut)")
    }

    // MARK: fuzz regressions

    /// Crashers found by `make fuzz`, replayed through the fuzz target that found them
    /// (Tests/DecodingTests/Regressions/<target>/). Passing means: no trap, no hang.
    static let regressions: [String] = {
        let root = Corpus.packageRoot.appendingPathComponent("Tests/DecodingTests/Regressions").path
        var out: [String] = []
        for target in ["frame", "stream", "file"] {
            let dir = "\(root)/\(target)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            out += names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { "\(target)/\($0)" }
        }
        return out
    }()

    @Test(arguments: regressions)
    func fuzzRegressionReplays(_ name: String) throws {
        let path = Corpus.packageRoot.appendingPathComponent("Tests/DecodingTests/Regressions/\(name)").path
        let data = try #require(FileManager.default.contents(atPath: path))
        switch name.split(separator: "/").first {
        case "frame": _ = data.withUnsafeBytes(FuzzHarness.frame)
        case "stream": _ = data.withUnsafeBytes(FuzzHarness.stream)
        default: _ = data.withUnsafeBytes { FuzzHarness.file($0) }
        }
    }

    /// The fuzz targets' plain entry points accept the seeds of each kind (smoke test of the harness
    /// the fuzzers run, so `make fuzz` cannot rot unnoticed).
    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func fuzzHarnessRunsOnCorpusFrames() {
        for f in SweepFrames.all.prefix(200) {
            guard let selector = FuzzHarness.selector(for: f.linkType) else { continue }
            _ = ([selector] + f.bytes).withUnsafeBytes(FuzzHarness.frame)
            let framed = [selector] + [UInt8(f.bytes.count >> 8), UInt8(f.bytes.count & 0xFF), 1] + f.bytes
            _ = (framed + framed).withUnsafeBytes(FuzzHarness.stream)
        }
        _ = FuzzHarness.file(path: Corpus.capturePath("fixtures/loopback.pcapng"))
    }
}
