import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C in the README's pipeline, `tcpdump -w - | vpndoctor analyze -`: the terminal signals the
/// whole process group, and vpndoctor reports what it read instead of dying. The writer here is the
/// test: it writes a real capture (strongSwan, wrong pre-shared key) into vpndoctor's standard input
/// and keeps the pipe open, like tcpdump between packets, so vpndoctor sits in a blocked read(2)
/// that the signal must break. vpndoctor runs in a process group of its own (Foundation's `Process`
/// makes one), signalled as a terminal does; with `taskset -c 0` it reads on its main thread instead
/// of its reader thread.
@Suite(.serialized)
struct InterruptTests {
    static let capture = Corpus.capturePath("lab-ikev2-wrong-psk-client.pcap")

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var oneCore = false
        var signal = SIGINT
        var testDescription: String { "\(self.arguments.joined(separator: " "))\(self.oneCore ? " (one core)" : "") signal \(self.signal)" }
    }

    @Test(arguments: [
        Case(arguments: ["analyze", "--json", "-"]),
        Case(arguments: ["analyze", "--json", "-"], oneCore: true),
        Case(arguments: ["analyze", "--json", "-"], signal: SIGTERM),
        Case(arguments: ["analyze", "-"]),
        Case(arguments: ["packets", "-"]),
        Case(arguments: ["packets", "-"], oneCore: true),
    ])
    func signalToTheGroupReportsWhatWasRead(_ test: Case) throws {
        let result = try Self.interrupt(test)
        #expect(result.exitedNormally, "vpndoctor died by the signal: \(result.stderr)")
        #expect(result.stderr.contains("-: interrupted after"), "\(result.stderr)")
        // The same as reading the whole file without a signal, and the note.
        let whole = try runVPNDoctor(test.arguments.dropLast() + [Self.capture])
        switch test.arguments {
        case ["analyze", "--json", "-"]:
            #expect(result.status == 1, "exit by the diagnosis (an error finding): \(result.stderr)")
            let report = try #require(analyzeReports(result.stdout).first)
            let expected = try #require(analyzeReports(whole.stdout).first)
            let capture = report["capture"] as? [String: Any]
            #expect(capture?["interrupted"] as? Bool == true)
            #expect(capture?["packets"] as? Int == (expected["capture"] as? [String: Any])?["packets"] as? Int)
            #expect(report["primaryFinding"] as? String == "ikev2.auth-failed-likely")
            #expect(report["primaryFinding"] as? String == expected["primaryFinding"] as? String)
        case ["analyze", "-"]:
            #expect(result.status == 1)
            #expect(result.stdout.contains("Session 1:") && result.stdout.contains("read interrupted"), "\(result.stdout)")
        default:
            #expect(result.status == 0)
            let lines = result.stdout.split(separator: "\n")
            #expect(!lines.isEmpty && lines.count == whole.stdout.split(separator: "\n").count, "\(result.stdout)")
        }
    }

    /// A second signal ends vpndoctor at once, by that signal: SIGINT and SIGTERM sent together (two of
    /// one kind could merge into one pending signal) land while it is still stopping; the kernel may
    /// deliver either first.
    @Test func aSecondSignalEndsAtOnce() throws {
        let result = try Self.interrupt(Case(arguments: ["analyze", "-"]), signals: [SIGINT, SIGTERM])
        #expect(!result.exitedNormally && [SIGINT, SIGTERM].contains(result.status), "\(result.status) \(result.stderr)")
    }

    struct Outcome {
        var exitedNormally: Bool
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts vpndoctor, writes the capture into its standard input, waits until it has read all of
    /// it (the pipe is empty: it is blocked reading for more), sends its process group `signals`
    /// (default: the case's one), and collects what it printed. Fails when it is still running 15 s
    /// after the signal.
    static func interrupt(_ test: Case, signals: [Int32]? = nil) throws -> Outcome {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.capture))
        #expect(bytes.count < 60_000, "the capture must fit in the pipe's buffer")
        let process = Process()
        // taskset execs vpndoctor: the same process.
        process.executableURL = URL(fileURLWithPath: test.oneCore ? try #require(which("taskset")) : vpndoctorBinary)
        process.arguments = (test.oneCore ? ["-c", "0", vpndoctorBinary] : []) + test.arguments
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try withStopSignalsUnblocked { try process.run() }
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        try input.fileHandleForWriting.write(contentsOf: bytes)

        let writer = input.fileHandleForWriting.fileDescriptor
        var queued: Int32 = 1
        let readBy = Date().addingTimeInterval(30)
        while ioctl(writer, UInt(FIONREAD), &queued) == 0, queued > 0, Date() < readBy { Thread.sleep(forTimeInterval: 0.05) }
        #expect(queued == 0, "vpndoctor did not read its input")
        Thread.sleep(forTimeInterval: 0.3)
        // Never the test runner's own group.
        let pgid = getpgid(process.processIdentifier)
        try #require(pgid == process.processIdentifier && pgid != getpgrp(), "vpndoctor leads a process group of its own")
        for signal in signals ?? [test.signal] { kill(-pgid, signal) }
        if exited.wait(timeout: .now() + 15) == .timedOut {
            Issue.record("still running 15 s after the signal: the blocked read was not interrupted")
            kill(-pgid, SIGKILL)
        }
        try input.fileHandleForWriting.close()  // only now, as tcpdump would after vpndoctor was gone
        process.waitUntilExit()
        group.wait()
        return Outcome(exitedNormally: process.terminationReason == .exit, status: process.terminationStatus,
                       stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
