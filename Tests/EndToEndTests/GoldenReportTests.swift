import Foundation
import Testing
import TestSupport

/// Golden reports: `vpndoctor analyze --no-color` and `--json` on a few captures, run from `Captures/`
/// with a relative path (no absolute path, no wall-clock time in the output), compared byte for byte
/// with `Golden/<capture>.txt` and `.json`. A missing golden, or `RECORD_GOLDEN=1`, writes the file and
/// fails, so a re-record is always visible in the test run and in `git diff`.
@Suite struct GoldenReportTests {
    static let captures = [
        "lab-ikev2-psk-ok-client", "lab-ikev2-wrong-psk-client", "lab-natt-4500-blocked-client",
        "lab-ikev1-main-wrong-psk-client", "lab-l2tp-ipsec-ppp-fails-client",
        "synthetic-pptp-gre-one-way", "synthetic-pptp-mschapv2-691", "synthetic-windows-server-behind-nat",
    ]

    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let recording = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1"

    @Test(arguments: captures, [("txt", ["--no-color"]), ("json", ["--json"])])
    func reportMatchesGolden(_ capture: String, _ format: (ext: String, flags: [String])) throws {
        let result = try runVPNDoctor(["analyze"] + format.flags + ["\(capture).pcap"], directory: Corpus.captures)
        #expect(result.stderr.isEmpty)
        #expect(!result.stdout.contains(Corpus.packageRoot.path), "absolute path in the report")
        let golden = Self.goldenDirectory.appendingPathComponent("\(capture).\(format.ext)")
        guard !Self.recording, let expected = try? String(contentsOf: golden, encoding: .utf8) else {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try result.stdout.write(to: golden, atomically: true, encoding: .utf8)
            Issue.record("recorded \(golden.lastPathComponent); check it with git diff and run again")
            return
        }
        #expect(result.stdout == expected, "\(golden.lastPathComponent) differs: RECORD_GOLDEN=1 re-records, git diff shows what changed")
    }

    @Test func reportIsByteStable() throws {
        let path = "lab-ikev2-wrong-psk-client.pcap"
        let first = try runVPNDoctor(["analyze", "--json", path], directory: Corpus.captures)
        let second = try runVPNDoctor(["analyze", "--json", path], directory: Corpus.captures)
        #expect(first.stdout == second.stdout)
    }
}
