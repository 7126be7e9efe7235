import Foundation
import Testing
import TestSupport
@testable import VPNDoctorCLI

/// Issue 17's list of what a new user stumbles on, each on the built binary.
@Suite struct CLIPolishTests {
    static let wrongPSK = "Captures/lab-ikev1-main-wrong-psk-client.pcap"

    /// `-q`: each session's verdict line, then only its error and warning findings, one line each.
    @Test func quietPrintsTheVerdictAndTheErrorsAndWarnings() throws {
        let quiet = try runVPNDoctor(["analyze", "-q", Self.wrongPSK], directory: Corpus.packageRoot)
        let full = try runVPNDoctor(["analyze", Self.wrongPSK], directory: Corpus.packageRoot)
        #expect(quiet.status == 1 && full.status == 1)
        let lines = quiet.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let findings = full.stdout.split(separator: "\n").filter { $0.hasPrefix("  ERROR") || $0.hasPrefix("  WARN") }.map(String.init)
        #expect(!findings.isEmpty)
        #expect(lines.first?.hasPrefix("\(Self.wrongPSK): session 1: FAILED") == true, "\(lines)")
        #expect(Array(lines.dropFirst()) == findings)
        #expect(!quiet.stdout.contains("INFO") && !quiet.stdout.contains("→"))
    }

    @Test(arguments: ["--version", "-V"])
    func versionIsPrinted(_ flag: String) throws {
        let run = try runVPNDoctor([flag])
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, "\(run.stdout)")
    }

    static let subcommands = ["analyze", "packets", "watch", "interfaces", "rules", "explain", "capture-filter"]

    @Test(arguments: subcommands)
    func everySubcommandsHelpHasExamples(_ command: String) throws {
        let run = try runVPNDoctor([command, "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Examples:"))
        #expect(run.stdout.contains("vpndoctor \(command)") || run.stdout.contains("vpndoctor watch"), "\(run.stdout)")
    }

    @Test(arguments: [
        (["anlyze", "x.pcap"], "Did you mean 'analyze'?"),
        (["pakcets", "x.pcap"], "Did you mean 'packets'?"),
        (["analyze", "--jsn", "x.pcap"], "Did you mean '--json'?"),
        (["explain", "ike.no-respnse"], "Did you mean 'ike.no-response'?"),
        (["analyze", "--ignore", "ike.no-respnse", "x.pcap"], "Did you mean 'ike.no-response'?"),
    ])
    func mistypedNamesGetTheRightOne(_ arguments: [String], _ hint: String) throws {
        let run = try runVPNDoctor(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains(hint), "\(arguments): \(run.stderr)")
        #expect(!run.stderr.contains("no such file"))
    }

    /// A file that happens to be named like a subcommand is still a file.
    @Test func aFileNamedLikeASubcommandIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anlyze-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: Corpus.capturePath("lab-ikev2-psk-ok-client.pcap"), toPath: dir.appendingPathComponent("anlyze").path)
        let run = try runVPNDoctor(["anlyze"], directory: dir)
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// `capture-filter` prints watch's filter; libpcap compiles it, and a capture filtered with it
    /// keeps what the diagnosis needs (plain ESP included): the same verdict as unfiltered.
    @Test func captureFilterIsWatchsFilterAndKeepsESP() throws {
        let plain = try runVPNDoctor(["capture-filter"])
        #expect(plain.status == 0)
        let filter = plain.stdout.trimmingCharacters(in: .newlines)
        #expect(filter.contains("proto 50") || filter.contains("esp"), "\(filter)")
        let server = try runVPNDoctor(["capture-filter", "--server", "203.0.113.5"])
        #expect(server.stdout.contains("203.0.113.5"))
        #expect(try runVPNDoctor(["capture-filter", "--server", "nope"]).status == 2)
        let capture = "Captures/lab-ikev1-main-psk-ok-client.pcap"
        let all = try runVPNDoctor(["analyze", "-q", capture], directory: Corpus.packageRoot)
        let filtered = try runVPNDoctor(["analyze", "-q", "--filter", filter, capture], directory: Corpus.packageRoot)
        #expect(filtered.status == 0 && all.status == 0)
        #expect(filtered.stdout == all.stdout)
        #expect(all.stdout.contains("CONNECTED"), "\(all.stdout)")
    }

    /// The README's old capture recipe (`udp port 500 or udp port 4500`) on a real IKEv2 capture
    /// with ESP both ways (arkime/IKEv2.pcap) leaves only IKE: the report says the capture looks
    /// filtered; the whole capture does not.
    @Test(.enabled(if: Strict.runs(Corpus.publicCorpusAvailable, needs: "the public corpus")))
    func anIKEOnlyCaptureIsSaidToLookFiltered() throws {
        let capture = Corpus.publicPath("arkime/IKEv2.pcap")
        let filtered = try runVPNDoctor(["analyze", "--filter", "udp port 500 or udp port 4500", capture])
        #expect(filtered.stdout.contains("[capture.ike-only]"), "\(filtered.stdout)")
        #expect(filtered.stdout.contains("it looks filtered"))
        let whole = try runVPNDoctor(["analyze", capture])
        #expect(!whole.stdout.contains("capture.ike-only"), "\(whole.stdout)")
        #expect(whole.stdout.contains("CONNECTED"))
    }

    /// Wording: "1 packet"; no "(client = --server)"; a verb that agrees with "the client and the
    /// server" (tcpdump/ikev2four.pcap: both peers force UDP encapsulation).
    @Test(.enabled(if: Strict.runs(Corpus.publicCorpusAvailable, needs: "the public corpus")))
    func wordingAgrees() throws {
        let one = try runVPNDoctor(["analyze", "--no-color", Corpus.publicPath("libreswan/01-isakmp-vid-first-resp.pcap")])
        #expect(one.stdout.contains(", 1 packet, "), "\(one.stdout)")
        let server = try runVPNDoctor(["analyze", "--no-color", "--server", "203.0.113.20", Self.wrongPSK], directory: Corpus.packageRoot)
        #expect(!server.stdout.contains("(client = --server)"))
        #expect(server.stdout.contains("(server as given by --server)"))
        let both = try runVPNDoctor(["analyze", "--no-color", Corpus.publicPath("tcpdump/ikev2four.pcap")])
        #expect(both.stdout.contains("The client and the server force UDP encapsulation"), "\(both.stdout)")
        #expect(!both.stdout.contains("server forces"))
    }

    /// `packets` does not say an L2TP control message's header twice ("L2TP tunnel=… / L2TP SCCRQ
    /// tunnel=…"), and keeps the header's session ID.
    @Test func packetsLinesSayEachL2TPMessageOnce() throws {
        let run = try runVPNDoctor(["packets", "Captures/lab-l2tp-ppp-fails-client.pcap"], directory: Corpus.packageRoot)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 13)
        for line in lines { #expect(line.components(separatedBy: "L2TP ").count == 2, "\(line)") }
        #expect(lines[5].hasSuffix("L2TP ICRP tunnel=7237 Ns=1 Nr=3 assigned-session=41651 session=38734"), "\(lines[5])")
    }

    /// watch's terminal view shows each session's most severe finding, in colour, with its reason
    /// beside the failed stage's ✘ — not the newest finding (here an info line that comes after
    /// the error). The analysis of the lab's wrong-PSK capture, as watch would make it.
    @Test func liveViewShowsTheMostSevereFinding() throws {
        let (analysis, judgement) = try TerminalSafetyTests.analyze(Corpus.capturePath("lab-ikev1-main-wrong-psk-client.pcap"))
        #expect(judgement.findings.last?.severity == .info)
        let plain = LiveView.screen(interface: "eth0", analysis: analysis, findings: judgement.findings, packets: 14)
        #expect(plain.contains("  error: Main Mode stops at message 5 after a clean MM1–MM4: likely a pre-shared key mismatch."), "\(plain)")
        #expect(!plain.contains { $0.contains("info:") || $0.contains("latest") })
        #expect(plain.contains { $0.hasPrefix("  ✘ IKE authentication") && $0.contains("— Main Mode stops at message 5") }, "\(plain)")
        let coloured = LiveView.screen(interface: "eth0", analysis: analysis, findings: judgement.findings, packets: 14, color: true)
        #expect(coloured.contains("\u{1B}[31m  error: Main Mode stops at message 5 after a clean MM1–MM4: likely a pre-shared key mismatch.\u{1B}[0m"))
        #expect(coloured.contains { $0.hasPrefix("\u{1B}[31m  ✘ IKE authentication") })
    }

    /// Many sessions with the same finding are said once before the per-session detail
    /// (zeek/ip6_esp.pcap: twelve one-way ESP tunnels, each still shown below).
    @Test(.enabled(if: Strict.runs(Corpus.publicCorpusAvailable, needs: "the public corpus")))
    func sessionsWithTheSameFindingAreGrouped() throws {
        let run = try runVPNDoctor(["analyze", "--no-color", Corpus.publicPath("zeek/ip6_esp.pcap")])
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines[1...3]) == ["", "Findings shared by several sessions (each session's detail below)",
                                        "  ERROR 12 sessions: ESP flows in one direction only  [esp.one-way] — sessions 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"],
                "\(lines.prefix(5))")
        #expect(lines.filter { $0.contains("[esp.one-way]") }.count == 13)
        // One session: nothing to group.
        let one = try runVPNDoctor(["analyze", "--no-color", Self.wrongPSK], directory: Corpus.packageRoot)
        #expect(!one.stdout.contains("shared by several sessions"))
    }

    /// Time going backwards (nDPI/ipsec_isakmp_esp.pcap: frames out of time order, the last frame
    /// older than the first) gives a positive duration and a warning naming the first such frame.
    @Test(.enabled(if: Strict.runs(Corpus.publicCorpusAvailable, needs: "the public corpus")))
    func timeGoingBackwardsIsNoticedAndDurationsStayPositive() throws {
        let run = try runVPNDoctor(["analyze", "--json", Corpus.publicPath("nDPI/ipsec_isakmp_esp.pcap")])
        let report = try #require(((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["reports"] as? [[String: Any]])?.first)
        let duration = try #require((report["capture"] as? [String: Any])?["duration"] as? Double)
        #expect(duration > 0)
        let findings = try #require(report["captureFindings"] as? [[String: Any]])
        let backwards = findings.first { $0["rule"] as? String == "capture.time-backwards" }
        #expect(backwards?["severity"] as? String == "warning")
        #expect((backwards?["summary"] as? String)?.contains("(first at frame 16)") == true, "\(String(describing: backwards))")
        let ordered = try runVPNDoctor(["analyze", Self.wrongPSK], directory: Corpus.packageRoot)
        #expect(!ordered.stdout.contains("capture.time-backwards"))
    }

    /// Completion scripts ask the binary for rule ids, interfaces and capture files.
    @Test func completionsCompleteRuleIDsInterfacesAndCaptures() throws {
        let bash = try runVPNDoctor(["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("---completion"))
        #expect(bash.stdout.contains("pcapng"))
        let rules = try runVPNDoctor(["---completion", "explain", "--", "positional@0", "0", "0", "ike.no"])
        #expect(rules.stdout.split(separator: "\n").contains("ike.no-response"), "\(rules)")
        let ignore = try runVPNDoctor(["---completion", "analyze", "--", "--ignore", "1", "0", "--ignore", "dns."])
        #expect(ignore.stdout.split(separator: "\n").contains("dns.failed"), "\(ignore)")
        let interfaces = try runVPNDoctor(["---completion", "watch", "--", "-i", "1", "0", "-i", "l"])
        #expect(interfaces.stdout.split(separator: "\n").contains("lo"), "\(interfaces)")
    }

    /// The man page argument-parser's generator makes from the --help texts (`make man`; the
    /// generate-manual tool is built by `make test`).
    @Test(.enabled(if: Strict.runs(FileManager.default.isExecutableFile(atPath: CLIPolishTests.generateManual),
                                   needs: "generate-manual (swift build --product generate-manual)")))
    func manPageCoversEverySubcommand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("man-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runCommand(Self.generateManual, [vpndoctorBinary, "--output-directory", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let page = try String(contentsOf: dir.appendingPathComponent("vpndoctor.1"), encoding: .utf8)
        for command in Self.subcommands { #expect(page.contains(command), "\(command)") }
        #expect(page.contains("Examples:"))
    }

    static let generateManual = URL(fileURLWithPath: vpndoctorBinary).deletingLastPathComponent().appendingPathComponent("generate-manual").path
}
