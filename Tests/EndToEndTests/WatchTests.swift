import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `vpndoctor watch` on a real interface: a veth pair between two network namespaces made by the
/// test (addresses exist only inside them), real datagrams from real sockets, and the events and
/// final report the command prints. Runs as root (CI is root); skipped with a note otherwise, and
/// failed on CI (`Strict`).
@Suite(.serialized, .enabled(if: WatchLab.available))
struct WatchTests {
    /// The UDP payload of a real IKEv2 IKE_SA_INIT request: frame 1 of tcpdump's
    /// tests/ikev2four.pcap (the same bytes Captures/fixtures/make-fixtures.sh sends).
    static let ikeSAInit: String = {
        let path = Corpus.capturePath("fixtures/loopback-ethernet.pcap")
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        // Frame 1 of the fixture: 24-byte file header, 16-byte record header, Ethernet 14 + IPv4 20 + UDP 8.
        return data.count > 82 ? data[(24 + 16 + 42)..<(24 + 16 + 14 + 20 + 384)].map { String(format: "%02x", $0) }.joined() : ""
    }()

    @Test func showsStagesAndFindingsAsTheyHappenThenTheReport() throws {
        let lab = try WatchLab()
        defer { lab.tearDown() }
        let written = lab.directory + "/watch.pcap"
        let watch = try lab.startWatch(["--duration", "4s", "--json", "--write", written])
        Thread.sleep(forTimeInterval: 1.0)
        try lab.sendIKE(Self.ikeSAInit)
        let result = watch.wait()
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let stages = events.filter { $0["event"] as? String == "stage" }
        #expect(stages.contains { $0["stage"] as? String == "ikeSAInit" })
        #expect(events.contains { $0["event"] as? String == "finding" && $0["rule"] as? String == "ike.port-unreachable" })
        // Every line is one JSON object of the schema's watchEvent; the last is the final report.
        #expect(events.count == lines.count)
        let check = try ReportSchemaTests.validate("watch", result.stdout)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let report = try #require(WatchLab.finalReport(result.stdout))
        let sessions = report["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.first?["verdict"] as? String == "failed")

        // --write saved a pcap that `analyze` reads back to the same verdict and findings.
        let again = try runVPNDoctor(["analyze", "--json", written])
        #expect(again.status == 1)
        let reread = try #require(analyzeReports(again.stdout).first)
        #expect(WatchLab.findingIDs(reread) == WatchLab.findingIDs(report))
        #expect(WatchLab.verdicts(reread) == WatchLab.verdicts(report))
    }

    @Test func sigintEndsWithTheReport() throws {
        let lab = try WatchLab()
        defer { lab.tearDown() }
        // --duration only as a safety net: SIGINT must end it long before.
        let watch = try lab.startWatch(["--json", "--duration", "30s"])
        let started = Date()
        Thread.sleep(forTimeInterval: 1.0)
        try lab.sendIKE(Self.ikeSAInit)
        Thread.sleep(forTimeInterval: 0.5)
        // `ip netns exec` execs vpndoctor (same process) or, in some versions, runs it as a child.
        kill(watch.process.processIdentifier, SIGINT)
        _ = try runCommand("/usr/bin/pkill", ["-INT", "-P", "\(watch.process.processIdentifier)"])
        let result = watch.wait()
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(result.status == 1)
        #expect(WatchLab.finalReport(result.stdout) != nil)
    }

    /// `--buffer-size` reaches libpcap: the packet ring libpcap maps for the socket (seen in the
    /// process's memory map as `socket:[…]`) is the size asked for, rounded to whole blocks.
    @Test(arguments: [1 << 20, 24 << 20])
    func theBufferSizeIsTheKernelRing(_ size: Int) throws {
        let lab = try WatchLab()
        defer { lab.tearDown() }
        let watch = try lab.startWatch(["--json", "--duration", "1.5s", "--buffer-size", "\(size)"])
        Thread.sleep(forTimeInterval: 0.7)
        // `ip netns exec` execs vpndoctor (same process) or, in some versions, runs it as a child.
        let pids = [watch.process.processIdentifier]
            + ((try? runCommand("/usr/bin/pgrep", ["-P", "\(watch.process.processIdentifier)"]))?.stdout
                .split(separator: "\n").compactMap { Int32($0) } ?? [])
        let rings = pids.flatMap { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? "").split(separator: "\n")
                .filter { $0.hasSuffix("socket:[") || $0.contains(" socket:[") }
                .compactMap { line -> Int? in
                    let range = line.split(separator: " ")[0].split(separator: "-").compactMap { Int($0, radix: 16) }
                    return range.count == 2 ? range[1] - range[0] : nil
                }
        }
        let result = watch.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let ring = try #require(rings.max(), "no packet ring in the memory map of \(pids)")
        #expect(ring >= size * 9 / 10 && ring <= size * 11 / 10, "ring of \(ring) bytes for --buffer-size \(size)")
    }

    @Test func dropsToAnotherUserAndWritesAsThatUser() throws {
        let lab = try WatchLab()
        defer { lab.tearDown() }
        chmod(lab.directory, 0o777)
        let written = lab.directory + "/as-nobody.pcap"
        let watch = try lab.startWatch(["--duration", "2s", "--user", "nobody", "--write", written])
        Thread.sleep(forTimeInterval: 0.8)
        try lab.sendIKE(Self.ikeSAInit)
        let result = watch.wait()
        #expect(result.status == 1, "\(result.stderr)")
        var info = stat()
        #expect(stat(written, &info) == 0)
        #expect(info.st_uid == getpwnam("nobody")!.pointee.pw_uid, "--write must not create the file as root")
    }

    @Test func withoutPrivilegeItSaysHowToGrantIt() throws {
        let result = try runCommand("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                                         vpndoctorBinary, "watch", "-i", "lo", "--duration", "1s"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("setcap cap_net_raw,cap_net_admin=eip"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func unknownInterfaceAndBadFilterAreOneLineErrors() throws {
        let unknown = try runVPNDoctor(["watch", "-i", "no-such-if0", "--duration", "1s"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no such interface"))
        let filter = try runVPNDoctor(["watch", "-i", "lo", "--filter", "udp port", "--duration", "1s"])
        #expect(filter.status == 2 && filter.stderr.contains("bad filter expression"))
    }
}

/// Two namespaces joined by a veth pair: the "client" (where watch runs) and the "server".
struct WatchLab {
    static let client = "10.98.0.1", server = "10.98.0.2"
    let id: String
    let directory: String

    /// Root and iproute2 (network namespaces); on CI (`Strict`) the tests run anyway and fail.
    static let available: Bool = {
        Strict.runs(getuid() == 0 && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
                                        || FileManager.default.isExecutableFile(atPath: "/sbin/ip")),
                    needs: "root and iproute2 (the watch tests' network namespaces)")
    }()

    init() throws {
        self.id = "vdw\(getpid() % 10000)\(Int.random(in: 0..<1000))"
        self.directory = NSTemporaryDirectory() + self.id
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        let a = self.id + "a", b = self.id + "b"
        for command in [
            ["netns", "add", a], ["netns", "add", b],
            ["link", "add", "veth0", "netns", a, "type", "veth", "peer", "name", "veth1", "netns", b],
            ["-n", a, "addr", "add", Self.client + "/24", "dev", "veth0"],
            ["-n", b, "addr", "add", Self.server + "/24", "dev", "veth1"],
            ["-n", a, "link", "set", "veth0", "up"], ["-n", b, "link", "set", "veth1", "up"],
        ] {
            let result = try runCommand(Self.ip, command)
            if result.status != 0 { self.tearDown(); throw LabError(message: "ip \(command.joined(separator: " ")): \(result.stderr)") }
        }
    }

    static var ip: String { FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip" }

    func tearDown() {
        _ = try? runCommand(Self.ip, ["netns", "del", self.id + "a"])
        _ = try? runCommand(Self.ip, ["netns", "del", self.id + "b"])
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    struct Running {
        let process: Process
        let out: Pipe, err: Pipe
        func wait() -> CommandResult {
            let outData = self.out.fileHandleForReading.readDataToEndOfFile()
            let errData = self.err.fileHandleForReading.readDataToEndOfFile()
            self.process.waitUntilExit()
            return CommandResult(status: self.process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                 stderr: String(decoding: errData, as: UTF8.self))
        }
    }

    /// Starts `vpndoctor watch -i veth0 …` inside the client namespace.
    func startWatch(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.ip)
        process.arguments = ["netns", "exec", self.id + "a", vpndoctorBinary, "watch", "-i", "veth0"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try withStopSignalsUnblocked { try process.run() }
        return Running(process: process, out: out, err: err)
    }

    /// Sends the IKE_SA_INIT bytes from a real UDP socket in the client namespace to the server's
    /// UDP 500, where nothing listens: the server's kernel answers ICMP port unreachable.
    func sendIKE(_ hex: String) throws {
        let script = "import socket,sys; s=socket.socket(); s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
            + "s.bind(('\(Self.client)',500)); s.sendto(bytes.fromhex(sys.argv[1]),('\(Self.server)',500))"
        let result = try runCommand(Self.ip, ["netns", "exec", self.id + "a", "python3", "-c", script, hex])
        if result.status != 0 { throw LabError(message: "send: \(result.stderr)") }
    }

    /// The capture report of the last line of `watch --json` (NDJSON), which must be the report event.
    static func finalReport(_ output: String) -> [String: Any]? {
        guard let last = output.split(separator: "\n").last,
              let event = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
              event["event"] as? String == "report", let document = event["report"] as? [String: Any]
        else { return nil }
        return (document["reports"] as? [[String: Any]])?.first
    }

    static func findingIDs(_ report: [String: Any]) -> [String] {
        let sessions = report["sessions"] as? [[String: Any]] ?? []
        let findings = sessions.flatMap { $0["findings"] as? [[String: Any]] ?? [] }
            + (report["captureFindings"] as? [[String: Any]] ?? [])
        return findings.compactMap { $0["rule"] as? String }.sorted()
    }

    static func verdicts(_ report: [String: Any]) -> [String] {
        (report["sessions"] as? [[String: Any]] ?? []).compactMap { $0["verdict"] as? String }
    }
}

struct LabError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

/// Watching a real strongSwan IKEv2 connection in the lab (Captures/lab/lab.sh with LAB_WATCH):
/// the stages appear in order, and the report equals `analyze` on the `--write` file and on the
/// tcpdump capture of the same interface.
@Suite(.enabled(if: LabWatch.enabled))
struct LabWatchTests {
    @Test func realStrongSwanConnectionStageByStage() throws {
        try #require(getuid() == 0, "the lab needs root (network namespaces)")
        let out = NSTemporaryDirectory() + "vpndoctor-labwatch-\(getpid())"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        var environment = ProcessInfo.processInfo.environment
        environment["LAB_WATCH"] = vpndoctorBinary
        let lab = try runCommand("/usr/bin/timeout", ["--kill-after=10", "180", "/bin/bash", Corpus.capturePath("lab/lab.sh"), "ikev2-psk-ok", out],
                                 environment: environment)
        #expect(lab.status == 0, "\(lab.stderr.suffix(2000))")
        let output = try String(contentsOfFile: out + "/lab-ikev2-psk-ok-watch.out", encoding: .utf8)
        let events = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let completed = events.filter { $0["event"] as? String == "stage" && $0["status"] as? String == "ok" }
            .compactMap { $0["stage"] as? String }
        #expect(completed.starts(with: ["ikeSAInit", "ikeAuth"]), "\(completed)")
        #expect(completed.contains("dataPlane") && completed.contains("connected"), "\(completed)")
        let report = try #require(WatchLab.finalReport(output))
        #expect(WatchLab.verdicts(report) == ["connected"])
        for file in ["lab-ikev2-psk-ok-watch.pcap", "lab-ikev2-psk-ok-client.pcap"] {
            let again = try runVPNDoctor(["analyze", "--json", out + "/" + file])
            let reread = try #require(analyzeReports(again.stdout).first)
            #expect(WatchLab.verdicts(reread) == WatchLab.verdicts(report), "\(file)")
            #expect(WatchLab.findingIDs(reread) == WatchLab.findingIDs(report), "\(file)")
        }
    }
}

enum LabWatch {
    /// Runs where the lab can: root and VPNDOCTOR_LAB=1 (it installs strongSwan if missing), and
    /// always on CI (`Strict`), where it fails when not root.
    static let enabled = Strict.runs(getuid() == 0 && ProcessInfo.processInfo.environment["VPNDOCTOR_LAB"] == "1",
                                     needs: "root and VPNDOCTOR_LAB=1 (the live strongSwan watch test)")
}
