import Foundation
import Testing
import TestSupport

/// `Captures/EXPECTED.tsv`, one case per row: the built `vpndoctor analyze --json` on the capture must
/// give the row's primary finding, furthest stage and verdict, and exit 1 exactly when it reports an
/// error. Every capture in `Captures/` (lab and synthetic; not fixtures/) must have a row.
@Suite struct ExpectedCapturesTests {
    /// One row of EXPECTED.tsv.
    struct Row: CustomStringConvertible, Sendable {
        var capture: String, vantage: String, primary: String, furthest: String, verdict: String
        var description: String { self.capture }

        /// Parses the table (header line first, tab-separated, `-` for "no stage").
        static func table(_ text: String) -> [Row] {
            text.split(separator: "\n").dropFirst().compactMap { line in
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                return f.count >= 5 ? Row(capture: f[0], vantage: f[1], primary: f[2], furthest: f[3], verdict: f[4]) : nil
            }
        }
    }

    static let rows: [Row] = {
        let text = (try? String(contentsOf: Corpus.captures.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)) ?? ""
        return Row.table(text)
    }()

    /// What `analyze --json` says about a capture, reduced to the table's columns.
    struct Outcome {
        var status: Int32
        var primary: String?
        var furthest: String
        var verdict: String?
        var errors: [String]
        var all: [String]

        init(json: String, status: Int32) throws {
            let report = try #require(analyzeReports(json).first)
            let sessions = report["sessions"] as? [[String: Any]] ?? []
            let findings = (report["captureFindings"] as? [[String: Any]] ?? []) + sessions.flatMap { $0["findings"] as? [[String: Any]] ?? [] }
            self.status = status
            self.primary = report["primaryFinding"] as? String
            self.furthest = report["furthestStage"] as? String ?? "-"
            self.verdict = report["verdict"] as? String
            self.errors = findings.filter { $0["severity"] as? String == "error" }.compactMap { $0["rule"] as? String }
            self.all = findings.compactMap { f in (f["rule"] as? String).map { "\($0) (\(f["severity"] as? String ?? "?"))" } }
        }
    }

    /// Runs the binary from `Captures/` with a relative path, as a user would.
    static func analyze(_ capture: String, at directory: URL = Corpus.captures) throws -> Outcome {
        let result = try runVPNDoctor(["analyze", "--json", capture], directory: directory)
        #expect(result.stderr.isEmpty, "\(capture): stderr \(result.stderr)")
        return try Outcome(json: result.stdout, status: result.status)
    }

    /// The row's expectations against an outcome (shared with the CI lab test).
    static func check(_ row: Row, _ got: Outcome) {
        let context = "\(row.capture): findings \(got.all)"
        #expect(got.primary == row.primary, "primary finding: \(context)")
        #expect(got.furthest == row.furthest, "furthest stage: \(context)")
        #expect(got.verdict == row.verdict, "verdict: \(context)")
        #expect(got.status == (got.errors.isEmpty ? 0 : 1), "exit code follows error findings: \(context)")
        if row.primary == "healthy" {
            #expect(got.errors.isEmpty, "a healthy capture has no error finding: \(context)")
            #expect(got.status == 0, "a healthy capture exits 0: \(context)")
        }
        if row.verdict == "failed" {
            #expect(got.status == 1, "a failed capture exits 1: \(context)")
        }
    }

    @Test(.enabled(if: !rows.isEmpty), arguments: rows)
    func captureIsDiagnosedAsExpected(_ row: Row) throws {
        Self.check(row, try Self.analyze(row.capture))
    }

    @Test func everyCaptureHasARow() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        #expect(!files.isEmpty)
        let listed = Set(Self.rows.map(\.capture))
        for file in files.sorted() {
            #expect(listed.contains(file), "\(file) has no row in Captures/EXPECTED.tsv")
        }
        for row in Self.rows {
            #expect(files.contains(row.capture), "EXPECTED.tsv lists \(row.capture), which is not in Captures/")
        }
    }
}
