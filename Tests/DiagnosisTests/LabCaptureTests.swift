import Capture
import Decoding
import Diagnosis
import Foundation
import Reporting
import Sessions
import TestSupport
import Testing

/// The lab's real captures (`Captures/EXPECTED.tsv`, or `VPNDOCTOR_LAB_CAPTURES`): each row's
/// expected primary finding must be among the findings, and an error-free row must stay error-free.
/// `VPNDOCTOR_PRINT=1` prints every report.
@Suite struct LabCaptureTests {
    struct Row: CustomStringConvertible, Sendable {
        var capture: String, primary: String, furthest: String, verdict: String
        var description: String { self.capture }
    }

    static let directory: URL = ProcessInfo.processInfo.environment["VPNDOCTOR_LAB_CAPTURES"].map { URL(fileURLWithPath: $0) }
        ?? Corpus.captures

    static let rows: [Row] = {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return f.count >= 5 ? Row(capture: f[0], primary: f[2], furthest: f[3], verdict: f[4]) : nil
        }
    }()

    @Test(.enabled(if: !rows.isEmpty), arguments: rows)
    func expectedPrimaryFinding(_ row: Row) throws {
        let report = try CorpusTests.report(path: Self.directory.appendingPathComponent(row.capture).path, name: row.capture)
        let ids = Set(report.findings.map(\.rule.rawValue))
        #expect(ids.contains(row.primary), "\(row.capture): expected \(row.primary), got \(ids.sorted())")
        if row.primary == "healthy" {
            #expect(report.findings.allSatisfy { $0.severity != .error }, "\(row.capture): \(report.findings.filter { $0.severity == .error }.map(\.rule))")
        }
    }
}
