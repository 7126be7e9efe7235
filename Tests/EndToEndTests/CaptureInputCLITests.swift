import Foundation
import Testing
import TestSupport

/// The command line on captures cut while being written and on gzip-compressed captures: real lab
/// captures, cut or compressed at test time, as files and on standard input.
@Suite struct CaptureInputCLITests {
    /// (capture, exit status of the whole file): a failed attempt and a healthy one.
    static let captures = [("lab-natt-4500-blocked-client.pcap", Int32(1)), ("lab-ikev2-psk-ok-client.pcap", Int32(0))]

    /// The one report of an `analyze --json` document.
    static func json(_ text: String) throws -> [String: Any] {
        try #require(analyzeReports(text).first, "\(text.prefix(300))")
    }

    /// The pcap and, when editcap is here, the pcapng form of a lab capture.
    static func forms(_ name: String, in dir: URL) throws -> [[UInt8]] {
        let pcap = Corpus.capturePath(name)
        var forms = [[UInt8](try Data(contentsOf: URL(fileURLWithPath: pcap)))]
        if let editcap = which("editcap") {
            let pcapng = dir.appendingPathComponent("\(name)ng").path
            #expect(try runCommand(editcap, ["-F", "pcapng", pcap, pcapng]).status == 0)
            forms.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: pcapng))))
        } else if Strict.isOn {
            Issue.record("editcap is required on CI")
        }
        return forms
    }

    /// Cut inside its last record (header or frame), pcap and pcapng, from a file and from standard
    /// input: the diagnosis's exit status, a `capture.cut-short` warning citing the last whole frame,
    /// nothing on standard error.
    @Test(arguments: captures)
    func cutInLastRecordIsAnalysedWithAWarning(name: String, status: Int32) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-cutcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Self.json(try runVPNDoctor(["analyze", "--json", Corpus.capturePath(name)]).stdout)
        let packets = try #require((whole["capture"] as? [String: Any])?["packets"] as? Int)
        for form in try Self.forms(name, in: dir) {
            for (kind, bytes) in CorruptCaptures.cutInLastRecord(form) {
                let path = dir.appendingPathComponent("cut-\(kind)").path
                FileManager.default.createFile(atPath: path, contents: Data(bytes))
                for fromStdin in [false, true] {
                    let label = "\(name) \(form.prefix(1)) \(kind) stdin=\(fromStdin)"
                    let result = fromStdin ? try runVPNDoctor(["analyze", "--json", "-"], stdin: Data(bytes))
                                           : try runVPNDoctor(["analyze", "--json", path])
                    #expect(result.status == status, "\(label): \(result.stderr)")
                    #expect(result.stderr.isEmpty, "\(label): \(result.stderr)")
                    let report = try Self.json(result.stdout)
                    #expect((report["capture"] as? [String: Any])?["packets"] as? Int == packets - 1, "\(label)")
                    let findings = report["captureFindings"] as? [[String: Any]] ?? []
                    let cut = findings.first { $0["rule"] as? String == "capture.cut-short" }
                    #expect(cut?["severity"] as? String == "warning", "\(label)")
                    let frames = (cut?["evidence"] as? [[String: Any]])?.first?["frames"] as? [Int]
                    #expect(frames == [packets - 1], "\(label)")
                }
            }
        }
    }

    /// `packets` lists every whole frame of a cut file, says where it was cut, and exits 0.
    @Test func packetsListsTheWholeFramesOfACutFile() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath("lab-natt-4500-blocked-client.pcap"))))
        let cut = try #require(CorruptCaptures.cutInLastRecord(bytes).last)
        let result = try runVPNDoctor(["packets", "--no-color", "-"], stdin: Data(cut.bytes))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 7)
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("warning: -: ") && result.stderr.contains("after frame 7"))
    }

    /// A gzip-compressed capture, as a file and on standard input, gives the report of the plain
    /// file (but for the file name).
    @Test(.enabled(if: which("gzip") != nil || Strict.isOn), arguments: captures)
    func gzipCaptureGivesTheSameAnalysis(name: String, status: Int32) throws {
        let plain = Corpus.capturePath(name)
        let gz = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-\(UUID().uuidString)-\(name).gz").path
        defer { try? FileManager.default.removeItem(atPath: gz) }
        #expect(try runCommand("/bin/sh", ["-c", "gzip -c '\(plain)' > '\(gz)'"]).status == 0)
        func report(_ result: CommandResult) throws -> NSDictionary {
            #expect(result.status == status, "\(result.stderr)")
            var json = try Self.json(result.stdout)
            var capture = json["capture"] as? [String: Any] ?? [:]
            capture["file"] = nil
            json["capture"] = capture
            return json as NSDictionary
        }
        let expected = try report(try runVPNDoctor(["analyze", "--json", plain]))
        #expect(try report(try runVPNDoctor(["analyze", "--json", gz])) == expected)
        #expect(try report(try runVPNDoctor(["analyze", "--json", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: gz)))) == expected)
    }
}
