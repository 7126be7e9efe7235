import Foundation
import Testing
import TestSupport

/// Every JSON output of the built `vpndoctor` against `Schemas/report-v2.schema.json`, checked by a
/// real validator (`Schemas/validate.py`: python3's `jsonschema`, draft 2020-12), over every capture
/// in `Captures/` and the public corpus; and no number beyond 2^53 - 1 anywhere (`packets --json`
/// too). `watch --json` lines are checked in `WatchTests`.
@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct ReportSchemaTests {
    /// Every capture of `Captures/` (lab, synthetic, fixtures) and of the public corpus.
    static let allCaptures: [String] = {
        let root = Corpus.captures
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        let local = (enumerator?.allObjects as? [String] ?? [])
            .filter { [".pcap", ".pcapng", ".cap"].contains(where: $0.hasSuffix) }.sorted()
            .map { root.appendingPathComponent($0).path }
        return local + Corpus.publicFiles().map(Corpus.publicPath)
    }()

    /// Runs `Schemas/validate.py MODE` on `text`; its output says what is wrong.
    static func validate(_ mode: String, _ text: String) throws -> CommandResult {
        let python = try #require(which("python3"), "python3 is needed (make test-deps)")
        // One file per call: tests running in parallel validate at once.
        let file = NSTemporaryDirectory() + "vpndoctor-schema-\(getpid())-\(mode)-\(UUID().uuidString).json"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try runCommand(python, [Corpus.packageRoot.appendingPathComponent("Schemas/validate.py").path, mode, file])
    }

    /// True when `text` is a valid report (a failed check is recorded with what is wrong).
    static func validateOK(_ text: String) throws -> Bool {
        let check = try Self.validate("report", text)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        return check.status == 0
    }

    @Test(arguments: [false, true])
    func everyReportMatchesTheSchema(evidence: Bool) throws {
        let files = Self.allCaptures
        #expect(files.count > 200)
        let result = try runVPNDoctor(["analyze", "--json", "-q"] + (evidence ? ["--evidence"] : []) + files)
        // A damaged file still has a report (of the frames before the damage; exit status 2).
        #expect(analyzeReports(result.stdout).count > 200)
        let check = try Self.validate("report", result.stdout)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let sessions = analyzeReports(result.stdout).flatMap { $0["sessions"] as? [[String: Any]] ?? [] }
        #expect(sessions.count > 200)
        #expect(sessions.allSatisfy { ($0["evidence"] != nil) == evidence })
    }

    /// `packets --json` has no schema of its own, but no number in it may lose precision either.
    @Test func packetsJSONNumbersFitADouble() throws {
        let result = try runVPNDoctor(["packets", "--json", "-q"] + Self.allCaptures)
        let lines = result.stdout.split(separator: "\n").count
        #expect(lines > 10_000)
        let check = try Self.validate("numbers", result.stdout)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // IKE SPIs (the numbers that were beyond 2^53) are there, as hex strings.
        #expect(result.stdout.contains(#""initiatorSPI":"0x"#) && result.stdout.contains(#""initiatorCookie":"0x"#))
    }

    /// One file or several: the same top level, `reports` and `schemaVersion`.
    @Test func oneFileOrManyHaveOneShape() throws {
        let one = [Corpus.capturePath("lab-ikev2-psk-ok-client.pcap")]
        let two = one + [Corpus.capturePath("lab-ikev2-wrong-psk-client.pcap")]
        for files in [one, two] {
            let result = try runVPNDoctor(["analyze", "--json"] + files)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(document.keys.sorted() == ["reports", "schemaVersion"])
            #expect(document["schemaVersion"] as? Int == 2)
            #expect(analyzeReports(result.stdout).count == files.count)
        }
    }
}
