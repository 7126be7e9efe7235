import Capture
import Decoding
import Foundation
import Sessions
import Testing
import TestSupport
@testable import VPNDoctorCLI

/// `analyze` reads on one thread and analyzes on another (`FramePipeline`). It must give exactly
/// the analysis of the single-threaded loop — the same frames, in the same order — on every
/// capture, on the benchmark mix (batches full of readings and copies), and on damaged files,
/// where it must stop with the same error after analyzing the same frames.
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct FramePipelineTests {
    static func encoded(_ analyzer: inout Analyzer) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(analyzer.finish())
    }

    /// The analysis and error of `path` read both ways.
    @discardableResult
    static func compare(_ path: String) throws -> String? {
        var pipelined = Analyzer(options: AnalysisOptions()), sequential = Analyzer(options: AnalysisOptions())
        var pipelineError: String?, sequentialError: String?
        var positions = 0
        do {
            try FramePipeline.analyze(try PcapFile(path: path), into: &pipelined) { _ in positions += 1 }
        } catch {
            pipelineError = "\(error)"
        }
        do {
            try CaptureReader(options: try InputOptions.parse([path])).analyze(try PcapFile(path: path), into: &sequential)
        } catch {
            sequentialError = "\(error)"
        }
        #expect(pipelineError == sequentialError, "\(path)")
        #expect(positions >= 1)
        #expect(try Self.encoded(&pipelined) == Self.encoded(&sequential), "\(path): analyses differ")
        return pipelineError
    }

    @Test func everyCaptureIsAnalyzedAsByOneThread() throws {
        let ours = try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)
            .filter { $0.hasSuffix(".pcap") }.sorted().map(Corpus.capturePath)
        for path in ours + Corpus.publicFiles().map(Corpus.publicPath) { try Self.compare(path) }
    }

    /// 40,000 packets of the benchmark's mix: many full batches, most frames read from their headers.
    @Test func benchmarkMixIsAnalyzedAsByOneThread() throws {
        let path = try Corpus.benchmarkMix(packets: 40_000)
        try Self.compare(path)
    }

    @Test func damagedFilesStopAfterTheSameFrames() throws {
        let (directory, files) = try CorruptCaptures.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let damaged = files.filter { $0.framesBefore != nil }
        #expect(!damaged.isEmpty)
        for file in damaged { #expect(try Self.compare(file.path) != nil, "\(file): no error") }
    }
}
