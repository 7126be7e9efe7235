import Capture
import Decoding
import Foundation
import Sessions
import Testing
import TestSupport
@testable import Engine

/// `Engine` reads on one thread and analyzes on another (`FramePipeline`). It must give exactly
/// the analysis of the single-threaded loop — the same frames, in the same order — on every
/// capture, on the benchmark mix (batches full of readings and copies), and on damaged files,
/// where it must stop with the same error after analyzing the same frames.
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct FramePipelineTests {
    static func encoded(_ analysis: Analysis) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(analysis)
    }

    /// The analysis and error of `path` read both ways.
    @discardableResult
    static func compare(_ path: String) throws -> String? {
        var positions = 0
        var engine = Engine()
        engine.twoThreads = true
        let pipelined = engine.run(try PcapFile(path: path), Engine.Observer(progress: { _ in positions += 1 }))
        engine.twoThreads = false
        let sequential = engine.run(try PcapFile(path: path))
        #expect(pipelined.error?.description == sequential.error?.description, "\(path)")
        #expect(positions >= 1)
        #expect(try Self.encoded(pipelined.analysis) == Self.encoded(sequential.analysis), "\(path): analyses differ")
        return pipelined.error?.description
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
