import Foundation
import Testing
import TestSupport

/// The command line run as a user runs it: a subprocess, its exit code, its output lines.
@Suite struct CLITests {
    static let sample = Corpus.capturePath("fixtures/loopback-ethernet.pcap")

    @Test func analyzeSummarisesACapture() throws {
        let result = try runVPNDoctor(["analyze", "--no-color", Self.sample])
        #expect(result.status == 0 || result.status == 1)
        #expect(result.stdout.contains("loopback-ethernet.pcap"))
        #expect(result.stderr.isEmpty)
    }

    @Test func analyzeIsTheDefaultCommand() throws {
        let explicit = try runVPNDoctor(["analyze", "--json", Self.sample])
        let implicit = try runVPNDoctor(["--json", Self.sample])
        #expect(explicit.stdout == implicit.stdout)
        #expect(explicit.status == implicit.status)
    }

    @Test func packetsPrintsOneLinePerFrame() throws {
        let result = try runVPNDoctor(["packets", Self.sample])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0].contains("127.0.0.1:") && lines[0].contains("> 127.0.0.1:500"))
    }

    @Test func packetsJSONIsOneObjectPerLine() throws {
        let result = try runVPNDoctor(["packets", "--json", Self.sample])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        for (i, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["frame"] as? Int == i + 1)
            #expect((object?["layers"] as? [[String: Any]])?.first?["layer"] as? String == "ethernet")
        }
    }

    @Test func readsStandardInput() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.sample))
        let fromFile = try runVPNDoctor(["packets", Self.sample])
        let fromStdin = try runVPNDoctor(["packets", "-"], stdin: bytes)
        #expect(fromStdin.status == 0)
        // Exchange steps ("  [retransmission of frame 1]") included: the input is read once either way.
        #expect(fromStdin.stdout == fromFile.stdout)
    }

    /// Captures/synthetic-dns-nxdomain.pcap: a lookup of vpn.example.com fails, nothing follows. Only a
    /// possible cause (exit 0) until the user says it is the server's name; then the failure (exit 1).
    @Test func serverNameMakesItsFailedLookupTheFailure() throws {
        let capture = Corpus.capturePath("synthetic-dns-nxdomain.pcap")
        let plain = try runVPNDoctor(["analyze", capture])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("possible cause: the lookup of vpn.example.com failed (NXDOMAIN)"))
        let named = try runVPNDoctor(["analyze", "--server-name", "vpn.example.com", capture])
        #expect(named.status == 1)
        #expect(named.stdout.contains("[dns.failed]"))
    }

    @Test func serverOptionKeepsOnlyThatHost() throws {
        let none = try runVPNDoctor(["packets", "--server", "192.0.2.99", Self.sample])
        #expect(none.status == 0)
        #expect(none.stdout.isEmpty)
        let v6 = try runVPNDoctor(["packets", "--server", "::1", Self.sample])
        #expect(v6.stdout.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        (["analyze", "/nonexistent/capture.pcap"], "no such file"),
        (["analyze", "/tmp"], "is a directory"),
        (["analyze", "/dev/null"], "empty file"),
        (["packets", "--filter", "udp port", "FIXTURE"], "bad filter expression"),
        (["analyze", "--server", "not-an-ip", "FIXTURE"], "not an IPv4 or IPv6 address"),
        (["analyze"], "at least one capture file"),
        (["analyze", "--no-such-flag", "FIXTURE"], "--no-such-flag"),
    ])
    func inputAndUsageErrorsExitTwoWithOneClearLine(arguments: [String], message: String) throws {
        let result = try runVPNDoctor(arguments.map { $0 == "FIXTURE" ? Self.sample : $0 })
        #expect(result.status == 2)
        #expect(result.stderr.contains(message))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func oneBadFileDoesNotHideTheGoodOne() throws {
        let result = try runVPNDoctor(["analyze", "/nonexistent.pcap", Self.sample])
        #expect(result.status == 2)
        #expect(result.stdout.contains("loopback-ethernet.pcap"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// A real IKEv1 Main Mode with a wrong pre-shared key (lab capture): each message's place in
    /// its exchange and every repeat of MM5 are named on its line.
    @Test func packetsNameTheExchangeStepAndRetransmissions() throws {
        let result = try runVPNDoctor(["packets", Corpus.capturePath("lab-ikev1-main-wrong-psk-client.pcap")])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[2].hasSuffix("[MM3 of 6]"))
        #expect(lines[4].hasSuffix("[MM5 of 6]"))
        #expect(lines[6].hasSuffix("[MM5 of 6, retransmission of frame 5]"))
        // The input is read once, labels included: standard input, /dev/stdin and a FIFO give the
        // same lines (a first pass over the file used to hang on a FIFO and empty /dev/stdin).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath("lab-ikev1-main-wrong-psk-client.pcap")))
        for path in ["-", "/dev/stdin"] {
            let piped = try runVPNDoctor(["packets", path], stdin: bytes)
            #expect(piped.stdout.split(separator: "\n").map(String.init) == lines, "\(path)")
        }
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-fifo-\(getpid())").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let writer = Thread {
            guard let handle = FileHandle(forWritingAtPath: fifo) else { return }
            handle.write(bytes)
            try? handle.close()
        }
        writer.start()
        let fromFIFO = try runCommand("/usr/bin/timeout", ["20", vpndoctorBinary, "packets", fifo])
        #expect(fromFIFO.status == 0)
        #expect(fromFIFO.stdout.split(separator: "\n").map(String.init) == lines)
    }
}
