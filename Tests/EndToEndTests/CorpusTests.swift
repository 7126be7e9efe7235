import Foundation
import Testing
import TestSupport

/// The whole public corpus — tcpdump's malformed-packet captures included — through the built
/// binary, as a user runs it: `analyze` and `packets --json`, one file per run. No crash, exit 0
/// or 1; exit 2 (one line on stderr) only for the files libpcap itself refuses, listed here.
@Suite struct CorpusTests {
    /// Files libpcap (1.10, Debian 12) refuses part-way, and why. tshark reads the pcapng ones.
    static let refusedByLibpcap: [String: String] = [
        "PcapPlusPlus/GrePackets.pcap": "pcapng interfaces with different snapshot lengths",
        "PcapPlusPlus/ipsec.pcapng": "pcapng interfaces with different snapshot lengths",
        "PcapPlusPlus/WireGuard.pcap": "pcapng interfaces with different snapshot lengths (added to the corpus later)",
        "ferozbaig96-pcaps/isakmp.pcap": "file cut at 4096 bytes inside frame 23 (see MANIFEST)",
    ]

    @Test(.enabled(if: Corpus.publicCorpusAvailable), arguments: ["analyze", "packets"])
    func everyPublicCaptureRunsCleanly(_ command: String) throws {
        let files = Corpus.publicFiles()
        #expect(files.count > 100)
        for file in files {
            let arguments = command == "analyze" ? ["analyze", "--no-color"] : ["packets", "--json"]
            let result = try runVPNDoctor(arguments + [Corpus.publicPath(file)])
            #expect(!result.stderr.contains("Fatal error") && result.status < 128, "\(file) crashed: \(result.stderr)")
            if Self.refusedByLibpcap[file] != nil {
                #expect(result.status == 2, "\(file)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(file): \(result.stderr)")
            } else {
                #expect(result.status == 0 || result.status == 1, "\(file): exit \(result.status) \(result.stderr)")
            }
            if command == "packets" {
                for line in result.stdout.split(separator: "\n") {
                    guard (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any] else {
                        Issue.record("\(file): not one JSON object per line: \(line.prefix(120))")
                        break
                    }
                }
            }
        }
    }

    /// The capture files the `file` fuzz target crashed on, through the CLI as a user runs them.
    @Test func fuzzRegressionFilesRunCleanly() throws {
        let dir = Corpus.packageRoot.appendingPathComponent("Tests/DecodingTests/Regressions/file").path
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }
        for name in names.sorted() {
            for arguments in [["analyze", "--no-color"], ["packets", "--json"]] {
                let result = try runVPNDoctor(arguments + ["\(dir)/\(name)"])
                #expect(!result.stderr.contains("Fatal error") && result.status <= 2, "\(name) \(arguments[0]): \(result.stderr)")
            }
        }
    }
}
