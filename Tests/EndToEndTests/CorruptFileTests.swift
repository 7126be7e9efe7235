import Foundation
import Testing
import TestSupport

/// Every broken capture (`CorruptCaptures`) through the command line: exit 2 and exactly one line
/// on standard error naming the file; a file that goes bad part-way still gets its report (or its
/// packets) for the frames before the damage, with a note of where reading stopped.
@Suite struct CorruptFileTests {
    static let setpriv = which("setpriv")

    /// Runs vpndoctor; the no-permission file as an unprivileged user when we are root.
    static func run(_ arguments: [String], unprivileged: Bool) throws -> CommandResult? {
        guard unprivileged, geteuid() == 0 else { return try runVPNDoctor(arguments) }
        guard let setpriv else { return nil }
        return try runCommand(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", vpndoctorBinary] + arguments)
    }

    @Test(arguments: ["analyze", "packets"])
    func eachBrokenFileIsOneLineAndExitTwo(_ command: String) throws {
        let (dir, files) = try CorruptCaptures.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in files {
            let unprivileged = f.code == .permissionDenied
            guard let result = try Self.run([command, "--no-color", f.path], unprivileged: unprivileged) else {
                print("note: \(f.name) skipped: running as root and setpriv is missing, so no read can be refused")
                continue
            }
            #expect(result.status == 2, "\(f.name): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(f.name): \(result.stderr)")
            #expect(lines.first?.hasPrefix("vpndoctor: \(f.path): ") == true, "\(f.name): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
            if let frames = f.framesBefore {
                #expect(lines.first?.contains("after frame \(frames)") == true, "\(f.name)")
                if command == "analyze" {
                    #expect(result.stdout.contains(frames == 1 ? "1 packet," : "\(frames) packets"), "\(f.name): \(result.stdout)")
                    #expect(result.stdout.contains("capture file error:"), "\(f.name)")
                } else {
                    #expect(result.stdout.split(separator: "\n").count == frames, "\(f.name): \(result.stdout)")
                }
            } else {
                #expect(result.stdout.isEmpty, "\(f.name): \(result.stdout)")
            }
        }
    }

    /// The JSON report of a file that went bad part-way carries the error with the frames read.
    @Test func jsonReportNamesTheDamage() throws {
        let (dir, files) = try CorruptCaptures.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try #require(files.first { $0.name == "garbage-record.pcap" })
        let result = try runVPNDoctor(["analyze", "--json", f.path])
        #expect(result.status == 2)
        let report = analyzeReports(result.stdout).first
        let capture = report?["capture"] as? [String: Any]
        #expect(capture?["packets"] as? Int == 2)
        #expect((capture?["error"] as? String)?.contains("after frame 2") == true)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
