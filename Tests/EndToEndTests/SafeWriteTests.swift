import Capture
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `--write` run as root onto paths a stranger may control (issue 13): only an absent path or a
/// regular file that is not an input is replaced, with its owner, group and (never wider) mode
/// kept; nothing else is followed, opened or replaced; a failed write leaves no partial file.
/// Every case runs the built binary as root (CI is root); skipped with a note otherwise.
@Suite(.enabled(if: Scratch.isRoot))
struct SafeWriteTests {
    static let sample = Corpus.capturePath("fixtures/loopback-ethernet.pcap")

    /// A path `--write` must refuse, made by `make` in a fresh directory, and a word of the reason.
    struct Refusal: Sendable, CustomStringConvertible {
        var description: String
        var reason: String
        var make: @Sendable (_ path: String) throws -> Void
    }

    static let refusals: [Refusal] = [
        Refusal(description: "device node", reason: "is a device") { path in
            let made = try runCommand("/usr/bin/mknod", ["-m", "666", path, "c", "1", "3"])  // a second /dev/null
            guard made.status == 0 else { throw LabError(message: "mknod: \(made.stderr)") }
        },
        Refusal(description: "FIFO", reason: "is a FIFO") { path in
            guard mkfifo(path, 0o644) == 0 else { throw LabError(message: "mkfifo: \(errno)") }
        },
        Refusal(description: "symbolic link to a file", reason: "is a symbolic link") { path in
            _ = FileManager.default.createFile(atPath: path + ".target", contents: Data("untouched".utf8))
            guard symlink(path + ".target", path) == 0 else { throw LabError(message: "symlink: \(errno)") }
        },
        Refusal(description: "symbolic link to nowhere", reason: "is a symbolic link") { path in
            guard symlink(path + ".would-be-created", path) == 0 else { throw LabError(message: "symlink: \(errno)") }
        },
        // What /dev/stdout is, made here: a test must not risk the machine's own /dev.
        Refusal(description: "link to /proc/self/fd/1", reason: "is a symbolic link") { path in
            guard symlink("/proc/self/fd/1", path) == 0 else { throw LabError(message: "symlink: \(errno)") }
        },
        Refusal(description: "directory", reason: "is a directory") { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        },
    ]

    @Test(arguments: Self.refusals)
    func refusesWhatIsNotARegularFile(_ refusal: Refusal) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path + "/out.pcap"
        try refusal.make(path)
        let before = try Scratch.entries(scratch.path)
        let result = try runVPNDoctor(["analyze", "--quiet", "--write", path, Self.sample])
        Self.expectRefused(result, path: path, reason: refusal.reason)
        // Every entry is as it was: same type, mode, owner, device number and bytes; nothing added.
        #expect(try Scratch.entries(scratch.path) == before)
    }

    /// The process's own standard output, through procfs (which no rename can replace, so this
    /// is safe to try even with a broken writer): refused, never followed.
    @Test func refusesItsOwnStandardOutput() throws {
        let result = try runVPNDoctor(["analyze", "--quiet", "--write", "/proc/self/fd/1", Self.sample])
        Self.expectRefused(result, path: "/proc/self/fd/1", reason: "is a symbolic link")
    }

    @Test func refusesToOverwriteItsInput() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let input = scratch.path + "/in.pcap"
        try FileManager.default.copyItem(atPath: Self.sample, toPath: input)
        let hardLink = scratch.path + "/same-file.pcap"
        #expect(link(input, hardLink) == 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.sample))
        for (output, reading) in [(input, input), (hardLink, input), (input, hardLink)] {
            let result = try runVPNDoctor(["analyze", "--quiet", "--write", output, reading])
            Self.expectRefused(result, path: output, reason: "is the capture being read")
        }
        // Standard input redirected from the file is the same file.
        let shell = try runCommand("/bin/sh", ["-c", "exec \"$0\" analyze --quiet --write \"$1\" - < \"$1\"", vpndoctorBinary, input])
        Self.expectRefused(shell, path: input, reason: "is the capture being read")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == original)
        #expect(try Scratch.entries(scratch.path).count == 2)
    }

    /// Decided: replacing another user's file keeps its owner, group and mode (root can give the
    /// new file away); a user who cannot keep them is refused.
    @Test func replacingAFileKeepsItsOwnerGroupAndMode() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path + "/theirs.pcap"
        _ = FileManager.default.createFile(atPath: path, contents: Data("old".utf8))
        #expect(chown(path, Scratch.nobody, Scratch.nogroup) == 0 && chmod(path, 0o640) == 0)
        let result = try runVPNDoctor(["analyze", "--quiet", "--write", path, Self.sample])
        #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let info = try #require(Scratch.status(path))
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(info.st_uid == Scratch.nobody && info.st_gid == Scratch.nogroup)
        #expect(try Scratch.frames(path) == Scratch.frames(Self.sample))
        #expect(try Scratch.entries(scratch.path).count == 1)
    }

    @Test func aUserWhoCannotKeepTheOwnerIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        chmod(scratch.path, 0o777)
        let path = scratch.path + "/roots.pcap"
        _ = FileManager.default.createFile(atPath: path, contents: Data("root's".utf8))
        chmod(path, 0o644)
        let result = try Scratch.asNobody(["analyze", "--quiet", "--write", path, Self.sample])
        Self.expectRefused(result, path: path, reason: "which this user cannot keep")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("root's".utf8))
        #expect(Scratch.status(path)?.st_uid == 0)
        #expect(try Scratch.entries(scratch.path).count == 1)
    }

    /// A new file gets 0666 less the umask (0600 while it is written, so never wider).
    @Test(arguments: [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
    func aNewFileTakesItsModeFromTheUmask(umask: Int, mode: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path + "/new.pcap"
        let result = try runCommand("/bin/sh", ["-c", "umask \(String(umask, radix: 8)); exec \"$0\" analyze --quiet --write \"$1\" \"$2\"",
                                                vpndoctorBinary, path, Self.sample])
        #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
        #expect(Scratch.status(path).map { Int($0.st_mode & 0o7777) } == mode)
        #expect(try Scratch.entries(scratch.path).count == 1)
    }

    /// A full filesystem (a 64 KiB tmpfs in a private mount namespace, gone with it): exit 2, the
    /// path and the cause on standard error, and nothing left in the directory.
    @Test func aFullDiskIsAnErrorAndLeavesNoPartialFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let input = scratch.path + "/big.pcap"
        try Scratch.repeatedCapture(Self.sample, times: 200).write(to: URL(fileURLWithPath: input))
        let mount = try scratch.directory("small", mode: 0o755)
        let script = """
            mount -t tmpfs -o size=64k vpndoctor-test "$1" || exit 99
            "$2" analyze --quiet --write "$1/out.pcap" "$3" >/dev/null
            echo "exit $?"
            ls -A "$1"
            """
        let result = try runCommand("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                                                         mount, vpndoctorBinary, input])
        #expect(result.stdout == "exit 2\n", "\(result.stdout) \(result.stderr)")  // exit 2 and `ls -A` printed nothing
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("vpndoctor: \(mount)/out.pcap: cannot write") == true, "\(result.stderr)")
        #expect(result.stderr.contains("no space left on device"))
    }

    /// `watch` on a full disk stops at the first failed write (what it captured after would be
    /// lost) instead of running to its --duration: the report, then the error line, exit 2, and
    /// no partial file. The 32 KiB tmpfs is mounted on a directory here and unmounted after.
    @Test(.enabled(if: WatchLab.available))
    func watchStopsAtTheFirstFailedWrite() throws {
        let lab = try WatchLab()
        defer { lab.tearDown() }
        let mount = lab.directory + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: false)
        let mounted = try runCommand("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=32k", "vpndoctor-test", mount])
        try #require(mounted.status == 0, "\(mounted.stderr)")
        defer { _ = try? runCommand("/usr/bin/umount", ["--lazy", mount]) }  // lazy: even if something still holds it
        let started = Date()
        let watch = try lab.startWatch(["--duration", "30s", "--json", "--write", mount + "/out.pcap"])
        Thread.sleep(forTimeInterval: 1.0)
        // 100 datagrams of 1400 bytes to UDP 500 (which the VPN filter keeps): about 145 KB to save.
        try lab.sendUDP(count: 100, size: 1400)
        let result = watch.wait()
        #expect(Date().timeIntervalSince(started) < 20, "ran on after the write failed")
        #expect(result.status == 2, "\(result.stderr)")
        #expect(WatchLab.finalReport(result.stdout) != nil)
        #expect(result.stderr.hasSuffix("vpndoctor: \(mount)/out.pcap: cannot write: no space left on device\n"), "\(result.stderr)")
        #expect(try Scratch.entries(mount).isEmpty)
    }

    /// What is at the path is checked again just before the rename: a path that became a FIFO, or
    /// a file replaced by another, while `watch` ran is left as it was then.
    @Test(.enabled(if: WatchLab.available), arguments: [
        ("FIFO", "is a FIFO (named pipe), not a file: not writing to it"),
        ("another file", "was replaced by another file while writing: not replacing it"),
    ])
    func theTargetIsCheckedAgainBeforeTheRename(change: String, message: String) throws {
        let lab = try WatchLab()
        defer { lab.tearDown() }
        let path = lab.directory + "/out.pcap"
        if change == "another file" { _ = FileManager.default.createFile(atPath: path, contents: Data("first".utf8)) }
        let watch = try lab.startWatch(["--duration", "3s", "--write", path])
        Thread.sleep(forTimeInterval: 1.0)
        if change == "FIFO" {
            #expect(mkfifo(path, 0o644) == 0)
        } else {
            // Made beside it, then renamed over it, so it cannot get the first one's inode back.
            _ = FileManager.default.createFile(atPath: path + ".new", contents: Data("second".utf8))
            #expect(rename(path + ".new", path) == 0)
        }
        var changed = try Scratch.entries(lab.directory)
        // The file being written sits beside the path until the end; then it must be gone.
        #expect(changed.keys.filter { $0.hasPrefix(".vpndoctor-") }.count == 1)
        changed = changed.filter { !$0.key.hasPrefix(".vpndoctor-") }
        let result = watch.wait()
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasSuffix("vpndoctor: \(path): \(message)\n"), "\(result.stderr)")
        #expect(try Scratch.entries(lab.directory) == changed)
    }

    /// The attack the old `--write` lost on its 5th try: an unprivileged user who may write the
    /// output directory (world-writable, no sticky bit) keeps pointing the output name, and any
    /// temporary file it sees, at a root-only file, while root writes there over and over. The
    /// root-only file must never change. Bounded: 4 seconds of attack.
    @Test func aSymlinkRaceFromAnotherUserChangesNothingOutside() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let shared = try scratch.directory("shared", mode: 0o777)
        let victim = scratch.path + "/victim"
        _ = FileManager.default.createFile(atPath: victim, contents: Data("root only".utf8))
        chmod(victim, 0o600)
        // As fast as a script can: a link to the victim renamed over the output name (atomic, so
        // the name is a link nearly all the time), then the name removed; every 64th turn, each
        // temporary file in the directory is swapped for such a link too.
        let attack = """
            import os, sys, time
            directory, victim = sys.argv[1], sys.argv[2]
            link, target = os.path.join(directory, "link"), os.path.join(directory, "out.pcap")
            end, turn = time.monotonic() + 4, 0
            while time.monotonic() < end:
                turn += 1
                try:
                    os.symlink(victim, link)
                    os.rename(link, target)
                    if turn % 2: os.unlink(target)
                    if turn % 64 == 0:
                        for name in os.listdir(directory):
                            if name.startswith(".vpndoctor-"):
                                os.symlink(victim, link)
                                os.rename(link, os.path.join(directory, name))
                except OSError:
                    pass
            """
        let attacker = Process()
        attacker.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        attacker.arguments = ["--reuid=\(Scratch.nobody)", "--regid=\(Scratch.nogroup)", "--clear-groups", "/usr/bin/python3", "-c", attack,
                              shared, victim]
        try attacker.run()
        var runs = 0, refused = 0
        while attacker.isRunning {
            let result = try runVPNDoctor(["analyze", "--quiet", "--write", shared + "/out.pcap", Self.sample])
            runs += 1
            if result.status == 2 {
                refused += 1
                #expect(result.stderr.hasPrefix("vpndoctor: \(shared)/out.pcap: "), "\(result.stderr)")
            } else {
                #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
            }
        }
        attacker.waitUntilExit()
        print("note: symlink race: \(runs) writes under attack, \(refused) refused")
        #expect(runs >= 5)
        let info = try #require(Scratch.status(victim))
        #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) == Data("root only".utf8))
        #expect(info.st_mode & 0o7777 == 0o600 && info.st_uid == 0)
    }

    static func expectRefused(_ result: CommandResult, path: String, reason: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "refused before reading", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("vpndoctor: \(path): ") == true, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(reason), "\(result.stderr)", sourceLocation: sourceLocation)
    }
}

/// A fresh directory for one test, and the facts the tests compare.
struct Scratch {
    let path: String
    static let nobody: uid_t = 65534
    static let nogroup: gid_t = 65534

    static var isRoot: Bool {
        if geteuid() != 0 { print("note: --write and file-error tests need root (mknod, chown, setpriv, mount); skipped") }
        return geteuid() == 0
    }

    init() throws {
        self.path = NSTemporaryDirectory() + "vpndoctor-io-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: false)
        chmod(self.path, 0o755)
    }

    func remove() { try? FileManager.default.removeItem(atPath: self.path) }

    /// Makes the directory `name` here with `mode` (not masked); returns its path.
    func directory(_ name: String, mode: mode_t) throws -> String {
        let path = self.path + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        chmod(path, mode)
        return path
    }

    /// Makes `name` here a symbolic link to itself; returns its path.
    func loop(_ name: String) -> String {
        let path = self.path + "/" + name
        symlink(path, path)
        return path
    }

    /// `lstat` of `path` (never following a link).
    static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    /// Each entry of `directory` (hidden ones too) with its type, mode, owner, device number and,
    /// for a regular file, its bytes.
    static func entries(_ directory: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let path = directory + "/" + name
            guard let info = status(path) else { continue }
            var text = "mode \(String(info.st_mode, radix: 8)) uid \(info.st_uid) gid \(info.st_gid) rdev \(info.st_rdev)"
            if info.st_mode & S_IFMT == S_IFREG { text += " bytes " + (try Data(contentsOf: URL(fileURLWithPath: path))).base64EncodedString() }
            out[name] = text
        }
        return out
    }

    /// Runs vpndoctor as nobody.
    static func asNobody(_ arguments: [String]) throws -> CommandResult {
        try runCommand("/usr/bin/setpriv", ["--reuid=\(nobody)", "--regid=\(nogroup)", "--clear-groups", vpndoctorBinary] + arguments)
    }

    /// The bytes of each frame of `capture`.
    static func frames(_ capture: String) throws -> [[UInt8]] {
        let file = try PcapFile(path: capture)
        var frames: [[UInt8]] = []
        while let frame = try file.next() { frames.append(Array(frame.bytes)) }
        return frames
    }

    /// The frames of `capture` (real bytes) written `times` times over, a second apart: a capture
    /// of any size needed.
    static func repeatedCapture(_ capture: String, times: Int) throws -> Data {
        var frames: [(FrameInfo, [UInt8])] = []
        let file = try PcapFile(path: capture)
        while let frame = try file.next() { frames.append((frame.info, Array(frame.bytes))) }
        let writer = PcapWriter(linkType: file.linkType)
        for round in 0..<times {
            for (info, bytes) in frames {
                let time = Timestamp(seconds: info.timestamp.seconds + Int64(round), nanoseconds: info.timestamp.nanoseconds)
                writer.write(timestamp: time, bytes: bytes, originalLength: info.originalLength)
            }
        }
        return writer.bytes
    }
}

extension WatchLab {
    /// Sends `count` datagrams of `size` zero bytes from the client namespace to the server's UDP
    /// 500, from one real socket.
    func sendUDP(count: Int, size: Int) throws {
        let script = "import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            + "for _ in range(\(count)): s.sendto(bytes(\(size)),('\(Self.server)',500)); time.sleep(0.002)"
        let result = try runCommand(Self.ip, ["netns", "exec", self.id + "a", "python3", "-c", script])
        if result.status != 0 { throw LabError(message: "send: \(result.stderr)") }
    }
}
