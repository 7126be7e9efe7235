import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A capture or `--write` path that cannot be used is reported by its real cause (a symbolic-link
/// loop, a directory that may not be entered, a file used as a directory), in one line naming the
/// path, with exit 2. The permission cases run as nobody, since root may enter any directory.
@Suite(.enabled(if: Scratch.isRoot))
struct PathErrorTests {
    static let sample = Corpus.capturePath("fixtures/loopback-ethernet.pcap")

    @Test(arguments: ["analyze", "packets"])
    func anInputPathSaysWhyItCannotBeRead(_ command: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let loop = scratch.loop("loop.pcap")
        let locked = try scratch.directory("locked", mode: 0o700)
        try FileManager.default.copyItem(atPath: Self.sample, toPath: locked + "/capture.pcap")
        let cases: [(path: String, asNobody: Bool, message: String)] = [
            (loop, false, "too many levels of symbolic links"),
            (Self.sample + "/capture.pcap", false, "not a directory"),
            (scratch.path + "/missing.pcap", false, "no such file or directory"),
            (scratch.path, false, "is a directory, not a capture file"),
            (locked + "/capture.pcap", true, "permission denied: the directory \(locked) may not be entered"),
        ]
        for (path, asNobody, message) in cases {
            let arguments = [command, "--no-color", path]
            let result = try asNobody ? Scratch.asNobody(arguments) : runVPNDoctor(arguments)
            #expect(result.status == 2, "\(path): \(result.stderr)")
            #expect(result.stderr == "vpndoctor: \(path): \(message)\n")
        }
    }

    @Test func aWritePathSaysWhyItCannotBeCreated() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let loop = scratch.loop("loop")
        let locked = try scratch.directory("locked", mode: 0o700)
        let readOnly = try scratch.directory("read-only", mode: 0o755)
        let cases: [(path: String, asNobody: Bool, message: String)] = [
            (loop + "/out.pcap", false, "\(loop)/out.pcap: cannot open its directory \(loop): too many levels of symbolic links"),
            (scratch.path + "/missing/out.pcap", false,
             "\(scratch.path)/missing/out.pcap: cannot open its directory \(scratch.path)/missing: no such file or directory"),
            (locked + "/out.pcap", true,
             "\(locked)/out.pcap: cannot open its directory \(locked): permission denied: the directory \(locked) may not be entered"),
            (readOnly + "/out.pcap", true, "\(readOnly)/out.pcap: cannot create a file in \(readOnly): permission denied"),
            (scratch.path + "/", false, "\(scratch.path)/: is a directory"),
        ]
        for (path, asNobody, message) in cases {
            let arguments = ["analyze", "--quiet", "--write", path, Self.sample]
            let result = try asNobody ? Scratch.asNobody(arguments) : runVPNDoctor(arguments)
            #expect(result.status == 2, "\(path): \(result.stderr)")
            #expect(result.stderr == "vpndoctor: \(message)\n")
            #expect(result.stdout.isEmpty)
        }
        #expect(try Scratch.entries(readOnly).isEmpty)
    }
}
