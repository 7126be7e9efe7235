import Capture
import Decoding
import Diagnosis
import Engine
import Foundation
import Reporting
import Sessions

/// What the fuzz targets run, in a library so the test suite replays crashers through the very
/// same code (`Tests/DecodingTests/Regressions/`). Each entry point takes arbitrary bytes and must
/// return without trapping, hanging or leaking memory past its limits; it returns a small count
/// only so that the work cannot be optimised away.
///
/// The three inputs (see `Tests/Fuzz/README.md`):
/// - `frame`:  byte 0 picks the link type (and whether the frame counts as cut by the snaplen),
///             the rest is one frame, decoded by `PacketDecoder` and printed (`summary`).
/// - `stream`: byte 0 as above, then frames, each `[length: UInt16 BE][time step: UInt8][bytes]`,
///             through the stateful parts: IP reassembly, `TCPStreams`, control-message decoding,
///             the sessions `Analyzer` and the diagnosis rules.
/// - `file`:   the whole input is a capture file, read by `PcapFile` (our reader), decoded, analysed,
///             diagnosed and rendered (text and JSON) as `vpndoctor analyze` does.
///
/// `stream` and `file` run through `Engine`, the entry point of the commands, and also analyze
/// every frame a second way, decoded in full, and trap when the two analyses differ (`checkSame`).
public enum FuzzHarness {
    /// The link types byte 0 chooses from (low 4 bits). 147 is a user DLT we do not decode.
    public static let linkTypes: [LinkType] = [
        .ethernet, .null, .ppp, .raw, .rawOpenBSD, .pppSerial, .pppEther, .linktypeRaw,
        .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2, LinkType(rawValue: 147), .ethernet, .raw,
    ]

    /// Byte 0 of a `frame`/`stream` input for `linkType`, as the seed generator writes it.
    public static func selector(for linkType: LinkType, truncated: Bool = false) -> UInt8? {
        guard let i = self.linkTypes.firstIndex(of: linkType) else { return nil }
        return UInt8(i) | (truncated ? 0x80 : 0)
    }

    static func header(_ byte: UInt8) -> (LinkType, Bool) {
        (self.linkTypes[Int(byte & 0x0F)], byte & 0x80 != 0)
    }

    // MARK: frame

    /// One frame through `PacketDecoder` (and a `TCPStreams`), every layer printed.
    @discardableResult
    public static func frame(_ data: UnsafeRawBufferPointer) -> Int {
        guard let first = data.first else { return 0 }
        let (linkType, truncated) = self.header(first)
        let bytes = UnsafeRawBufferPointer(rebasing: data[1...])
        let info = FrameInfo(number: 1, timestamp: Timestamp(seconds: 1_000_000_000, nanoseconds: 0),
                             capturedLength: bytes.count, originalLength: bytes.count + (truncated ? 100 : 0),
                             linkType: linkType)
        var decoder = PacketDecoder()
        var streams = TCPStreams()
        var packet = DecodedPacket(frame: info)
        decoder.decode(RawFrame(info: info, bytes: bytes), into: &packet)
        return self.consume(packet, bytes: bytes, decoder: decoder, streams: &streams)
    }

    // MARK: stream

    /// A sequence of frames through the stateful decoders.
    @discardableResult
    public static func stream(_ data: UnsafeRawBufferPointer) -> Int {
        guard let first = data.first else { return 0 }
        let (linkType, truncated) = self.header(first)
        return self.run(StreamFrames(linkType: linkType, truncated: truncated, data: data)).work
    }

    /// A `stream` input's frames after byte 0, each `[length: UInt16 BE][time step: UInt8][bytes]`.
    struct StreamFrames: FrameSource {
        let linkType: LinkType
        let truncated: Bool
        let data: UnsafeRawBufferPointer
        var offset = 1
        var number = 0
        var seconds: Int64 = 1_000_000_000

        mutating func next() -> RawFrame? {
            guard self.offset + 3 <= self.data.count else { return nil }
            let length = Int(self.data[self.offset]) << 8 | Int(self.data[self.offset + 1])
            let step = self.data[self.offset + 2]
            self.offset += 3
            let end = min(self.data.count, self.offset + length)
            let bytes = UnsafeRawBufferPointer(rebasing: self.data[self.offset..<end])
            self.offset = end
            self.number += 1
            // Steps of 0…63 s: enough to cross the reassembly timeout now and then.
            self.seconds += Int64(step & 0x3F)
            let info = FrameInfo(number: self.number, timestamp: Timestamp(seconds: self.seconds, nanoseconds: Int32(step) * 1000),
                                 capturedLength: bytes.count, originalLength: bytes.count + (self.truncated ? 100 : 0),
                                 linkType: self.linkType)
            return RawFrame(info: info, bytes: bytes)
        }
    }

    // MARK: file

    /// The input as a capture file: opened and read by `PcapFile`, every frame decoded, every packet
    /// encoded to JSON as `vpndoctor packets --json` does. Errors are results, not crashes.
    @discardableResult
    public static func file(_ data: UnsafeRawBufferPointer) -> Int {
        let path = self.scratchFile
        guard FileManager.default.createFile(atPath: path, contents: Data(data)) else { return 0 }
        return self.file(path: path)
    }

    /// Reads the capture at `path` as the `file` target does.
    @discardableResult
    public static func file(path: String) -> Int {
        let file: PcapFile
        do {
            file = try PcapFile(path: path)
        } catch {
            return error.description.count
        }
        let encoder = JSONEncoder()
        var (outcome, work) = self.run(file) { packet in
            var work = (try? encoder.encode(packet.layers).count) ?? 0
            if let stop = packet.stop { work += (try? encoder.encode(stop).count) ?? 0 }
            return work
        }
        let report = Report(capture: CaptureMetadata(file: path, format: file.format.rawValue, linkType: file.linkType,
                                                     error: outcome.error?.description),
                            analysis: outcome.analysis, judgement: outcome.judgement)
        work += TextRenderer.render([report], color: true, verbose: true).utf8.count
        work += JSONRenderer.render([report], evidence: true).utf8.count
        return work
    }

    /// Every frame of `source` through `Engine`, the commands' one entry point (data plane read
    /// from header bytes), and a second way beside it: decoded in full, consumed, `more` done with
    /// the packet, and added to an analyzer of its own. Traps when the two analyses differ
    /// (`checkSame`).
    static func run<Source: FrameSource>(_ source: Source, more: @escaping (DecodedPacket) -> Int = { _ in 0 })
        -> (outcome: Engine.Outcome, work: Int) {
        var decoder = PacketDecoder()
        var streams = TCPStreams()
        var packet = DecodedPacket(linkType: source.linkType)
        var analyzer = Analyzer(options: Self.analysisOptions)
        var work = 0
        let outcome = Engine(options: Self.analysisOptions).run(source, Engine.Observer(analyzed: { frame, _, _, _ in
            decoder.decode(frame, into: &packet)
            work += self.consume(packet, bytes: frame.bytes, decoder: decoder, streams: &streams)
            analyzer.add(packet, bytes: frame.bytes)
            work += more(packet)
        }))
        // Where the source was cut short is the source's, which the engine notes after analysing.
        var decoded = analyzer.finish()
        decoded.capture.cutShort = outcome.analysis.capture.cutShort
        self.checkSame(decoded, outcome.analysis)
        work += outcome.judgement.findings.count
        decoder.reassembler.finish()
        work += decoder.reassembler.expired.reduce(0) { $0 + $1.holes.count + $1.frames.count }
        return (outcome, work + streams.gaps + streams.overflows + streams.framingErrors)
    }

    /// A per-process scratch file for the `file` target (in /dev/shm when there is one).
    static let scratchFile: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(dir)/vpndoctor-fuzz-\(getpid()).pcap"
    }()

    // MARK: shared

    /// Traps when the same frames analyzed two ways — decoded, and through the analyzer's own
    /// entry (data plane read from header bytes) — give different analyses.
    static func checkSame(_ decoded: Analysis, _ wire: Analysis) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        precondition((try? encoder.encode(decoded)) == (try? encoder.encode(wire)), "the analyzer's wire path and the decoder disagree")
    }

    /// The CLI's analysis options, with a 16-flow table: eviction runs too, and a fresh table per
    /// input stays cheap (the CLI's 65 536 would dominate each run).
    static let analysisOptions: AnalysisOptions = {
        var options = AnalysisOptions()
        options.flowTableCapacity = 16
        return options
    }()

    /// IKE payload bodies are decoded on demand (typed views): decode every one, as the sessions
    /// layer would.
    static func typedViews(_ m: IKEv1Message) -> Int {
        var n = m.notifies.count + m.vendorIDs.count + m.natDetectionHashes.count + m.identifications.count
        n += m.securityAssociations.reduce(0) { $0 + $1.proposals.count }
        n += m.deletes.count + m.natOriginalAddresses.count + m.modeConfig.count + (m.fragment == nil ? 0 : 1)
        return n + m.vendorIDs.reduce(0) { $0 + $1.description.utf8.count }
    }

    static func typedViews(_ m: IKEv2Message) -> Int {
        var n = m.notifies.count + m.vendorIDs.count + m.natDetectionHashes.source.count + m.identifications.count
        n += (m.securityAssociation?.proposals.count ?? 0) + (m.keyExchange == nil ? 0 : 1)
        n += (m.authentication == nil ? 0 : 1) + m.trafficSelectors.count + m.deletes.count
        n += (m.configuration?.attributes.count ?? 0) + m.certificateRequests.count + m.certificates.count
        n += m.fragment.map { Int($0.total) } ?? 0
        return n + m.vendorIDs.reduce(0) { $0 + $1.description.utf8.count }
    }

    /// Everything a consumer of a decoded packet does with it: print each layer and the stop, feed
    /// the TCP control-stream reassembler and decode what it completes.
    static func consume(_ packet: DecodedPacket, bytes: UnsafeRawBufferPointer, decoder: PacketDecoder,
                        streams: inout TCPStreams) -> Int {
        var work = packet.layers.count
        for layer in packet.layers {
            work += layer.summary.utf8.count
            if layer.ipEndpoints != nil { work += 1 }
            if layer.ports != nil { work += 1 }
            switch layer {
            case .isakmp(let m): work += self.typedViews(m)
            case .ikev2(let m): work += self.typedViews(m)
            default: break
            }
        }
        if let stop = packet.stop { work += stop.explanation.utf8.count }
        let messages: [TCPStreams.Message]
        if let datagram = decoder.lastDatagram {
            messages = datagram.payload.withUnsafeBytes { streams.add(packet, bytes: $0) }
        } else {
            messages = streams.add(packet, bytes: bytes)
        }
        for message in messages where !message.decodedPerFrame {
            switch message.framing {
            case .pptp: work += (try? PPTP.decode(message.bytes))?.summary.utf8.count ?? 0
            case .dns: work += (try? DNS.decode(message.bytes))?.summary.utf8.count ?? 0
            case .openvpn: work += (try? OpenVPN.decode(message.bytes))?.summary.utf8.count ?? 0
            case .ikeTCP: work += ((try? TCPEncapsulation.decode(message.bytes)) ?? []).map(\.summary.utf8.count).reduce(0, +)
            }
        }
        return work
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FuzzHarness {
    /// The plain-build `main` of a fuzz target: runs `body` on every file named on the command line
    /// (directories: every file in them), so a crasher reproduces without libFuzzer:
    /// `.build/debug/FuzzFrame fuzz-corpus/crashes/frame/crash-…`. Exits 0 when all ran.
    public static func replay(_ arguments: [String], _ body: (UnsafeRawBufferPointer) -> Int) -> Never {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("\(argument): no such file\n".utf8))
                exit(2)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                files += names.sorted().map { "\(argument)/\($0)" }
            } else {
                files.append(argument)
            }
        }
        if files.isEmpty {
            print("usage: \(CommandLine.arguments[0]) FILE|DIR… (replays inputs; build with -DFUZZING for libFuzzer)")
            exit(2)
        }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            _ = data.withUnsafeBytes(body)
        }
        print("replayed \(files.count) inputs without a crash")
        exit(0)
    }
}

#if FUZZING
/// libFuzzer's entry point for programs that have their own `main` (compiler-rt FuzzerDriver.cpp).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The target run by `runFuzzer` (one per process).
nonisolated(unsafe) private var fuzzTarget: (UnsafeRawBufferPointer) -> Int = { _ in 0 }

/// Runs libFuzzer (built with -DFUZZING -sanitize=fuzzer) over `target`, with libFuzzer's flags
/// from the command line. The fuzz executables call it from their `main`.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                      _ target: @escaping (UnsafeRawBufferPointer) -> Int) -> CInt {
    fuzzTarget = target
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        _ = fuzzTarget(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#endif
