import Foundation
import Testing
import TestSupport

/// `analyze`, `packets`, `watch` and the fuzz harness turn frames into a judgement one way: each
/// calls `Engine.run` once, and none builds an `Analyzer` or a `DiagnosisEngine` of its own (the
/// harness's second, fully decoded analysis is the one it checks the engine against). Read from
/// the sources, so a command that grows its own loop again fails here.
@Suite struct OneEngineTests {
    static func source(_ path: String) throws -> String {
        try String(contentsOf: Corpus.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test(arguments: ["AnalyzeCommand", "PacketsCommand", "WatchCommand"])
    func eachCommandRunsTheEngineOnce(_ command: String) throws {
        let text = try Self.source("Sources/VPNDoctorCLI/\(command).swift")
        #expect(Self.count("engine.run(", in: text) == 1, "\(command)")
    }

    @Test func noCommandAnalysesOrJudgesOnItsOwn() throws {
        let directory = Corpus.packageRoot.appendingPathComponent("Sources/VPNDoctorCLI")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count >= 10)
        for file in files {
            let text = try Self.source("Sources/VPNDoctorCLI/\(file)")
            for forbidden in ["Analyzer(", "DiagnosisEngine(", ".diagnose(", "PacketDecoder(", "Classifier."] {
                #expect(!text.contains(forbidden), "\(file) uses \(forbidden): go through Engine.run")
            }
        }
    }

    @Test func theFuzzHarnessRunsTheEngineOnce() throws {
        let text = try Self.source("Sources/FuzzHarness/FuzzHarness.swift")
        #expect(Self.count(".run(source", in: text) == 1)
        #expect(Self.count("Engine(", in: text) == 1)
        #expect(Self.count("DiagnosisEngine(", in: text) == 0)
        // Its own analyzer: the one fully decoded analysis it compares the engine's with.
        #expect(Self.count("Analyzer(", in: text) == 1)
    }
}
