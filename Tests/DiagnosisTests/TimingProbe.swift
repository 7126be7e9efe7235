import Capture
import Decoding
import Diagnosis
import Foundation
import Reporting
import Sessions
import Testing

/// Not a test of correctness: `VPNDOCTOR_TIME=FILE` times decode+analyze+diagnose of FILE.
@Suite struct TimingProbe {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VPNDOCTOR_TIME"] != nil)) func time() throws {
        let path = ProcessInfo.processInfo.environment["VPNDOCTOR_TIME"]!
        let start = Date()
        let report = try CorpusTests.report(path: path, name: path)
        print("TIMING \(report.capture.packets) packets in \(Date().timeIntervalSince(start)) s; \(report.sessions.count) sessions, \(report.findings.count) findings")
        print(TextRenderer.render([report], color: false, verbose: false).split(separator: "\n").prefix(40).joined(separator: "\n"))
    }
}
