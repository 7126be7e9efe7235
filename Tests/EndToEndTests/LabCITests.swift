import Foundation
import Testing
import TestSupport

/// The lab's CI subset (issue 5): `Captures/lab/lab.sh ci TMPDIR` runs real strongSwan daemons in
/// network namespaces (ikev2-psk-ok, ikev2-wrong-psk, natt-4500-blocked: about 15 s; apt-get installs
/// the daemons when missing), then each fresh capture must be diagnosed as its committed twin's
/// EXPECTED.tsv row says. Runs as root with `CI=true` or `VPNDOCTOR_LAB=1`; skipped otherwise.
@Suite struct LabCITests {
    static let environment = ProcessInfo.processInfo.environment
    static let requested = environment["CI"] == "true" || environment["VPNDOCTOR_LAB"] == "1"
    static let enabled = requested && getuid() == 0
    static let scenarios = ["ikev2-psk-ok", "ikev2-wrong-psk", "natt-4500-blocked"]

    /// The test runner's threads block SIGINT/SIGTERM and a child inherits that mask: lab.sh could not
    /// stop its tcpdumps (it would wait forever) nor run its cleanup trap. Unblock them for the spawn.
    static func withStopSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var stop = sigset_t(), old = sigset_t()
        sigemptyset(&stop)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&stop, signal) }
        pthread_sigmask(SIG_UNBLOCK, &stop, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        return try body()
    }

    @Test(.enabled(if: enabled, "lab CI subset: needs root and CI=true or VPNDOCTOR_LAB=1 (network namespaces, real daemons)"),
          .timeLimit(.minutes(10)))
    func freshLabCapturesAreDiagnosedAsExpected() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-lab-ci-\(getpid())")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let script = Corpus.captures.appendingPathComponent("lab/lab.sh").path
        let lab = try Self.withStopSignalsUnblocked { try runCommand("/bin/bash", [script, "ci", out.path]) }
        #expect(lab.status == 0, "lab.sh ci failed:\n\(lab.stderr.suffix(3000))")

        let rows = Dictionary(uniqueKeysWithValues: ExpectedCapturesTests.rows.map { ($0.capture, $0) })
        for scenario in Self.scenarios {
            for vantage in ["client", "server"] {
                let name = "lab-\(scenario)-\(vantage).pcap"
                let row = try #require(rows[name], "\(name) has no EXPECTED.tsv row")
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "lab.sh wrote no \(name)")
                ExpectedCapturesTests.check(row, try ExpectedCapturesTests.analyze(name, at: out))
            }
        }
        // The daemon logs land next to the captures, not in the repository.
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("lab/logs/ikev2-wrong-psk-server.log").path))
    }
}
