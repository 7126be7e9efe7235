import Capture
import Decoding
import Diagnosis
import Foundation
import Reporting
import Sessions
import TestSupport
import Testing

/// End-to-end on real public captures: decode → analyze → diagnose → render.
/// `VPNDOCTOR_PRINT=1 swift test --filter CorpusTests` prints the text reports.
@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct CorpusTests {
    /// Runs on a thread with an 8 MiB stack, as the CLI's main thread has (the test runner's
    /// threads have less, and decoding large control-plane layers needs more).
    static func report(_ relative: String, server: String? = nil) throws -> Report {
        try Self.report(path: Corpus.publicPath(relative), name: relative, server: server)
    }

    static func report(path: String, name: String, server: String? = nil, ignoring: Set<String> = []) throws -> Report {
        nonisolated(unsafe) var result: Result<Report, any Error>?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result = Result { try Self.decodeAndDiagnose(path: path, name: name, server: server, ignoring: ignoring) }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        return try result!.get()
    }

    static func decodeAndDiagnose(path: String, name relative: String, server: String?, ignoring: Set<String> = []) throws -> Report {
        var file = try PcapFile(path: path)
        var decoder = PacketDecoder()
        var analyzer = Analyzer(options: AnalysisOptions(server: server.flatMap(IPAddress.init)))
        while let frame = try file.next() { analyzer.add(decoder.decode(frame), bytes: frame.bytes) }
        let analysis = analyzer.finish()
        let report = Report(capture: CaptureMetadata(file: relative, format: file.format.rawValue, linkType: file.linkType),
                            analysis: analysis, judgement: DiagnosisEngine(ignoring: ignoring).diagnose(analysis))
        if ProcessInfo.processInfo.environment["VPNDOCTOR_PRINT"] != nil {
            print(TextRenderer.render([report], color: false, verbose: ProcessInfo.processInfo.environment["VPNDOCTOR_PRINT"] == "v"))
        }
        return report
    }

    /// Complete, working exchanges (MANIFEST.tsv): no error-level finding may appear, and the
    /// sessions are found and connected: (file, sessions, of which connected); a capture with a
    /// session that is not connected says why.
    static let healthy: [(file: String, sessions: Int, connected: Int)] = [
        ("arkime/IKEv1.pcap", 1, 1), ("arkime/IKEv2.pcap", 1, 1), ("nDPI/esp.pcapng", 1, 1), ("nDPI/ah.pcapng", 1, 1),
        ("scapy/ikev2_nat_t.pcapng", 1, 1),
        // Main Mode only: the capture ends before Quick Mode and any ESP, so the outcome is not visible.
        ("zeek-spicy-ipsec/ipsec-ikev1-isakmp-main-mode.pcap", 1, 0),
        ("john-samples/lulu-password-pptp.pcap", 1, 1), ("john-samples/solar-solarisalwaysbusy-pptp.pcap", 1, 1),
        ("PcapPlusPlus/GrePackets.cap", 1, 1), ("jnetpcap/test-l2tp.pcap", 1, 1), ("flowcontainer/l2tp.pcap", 1, 1),
        ("flowcontainer/pptp.pcap", 1, 1), ("arkime/ah-esp.pcap", 1, 1),
    ]

    @Test(arguments: healthy.map(\.file))
    func healthyCapturesHaveNoError(_ file: String) throws {
        let report = try Self.report(file)
        let errors = report.findings.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(file): \(errors.map { "\($0.rule): \($0.summary)" })")
        #expect(report.exitCode == 0)
        let expected = try #require(Self.healthy.first { $0.file == file })
        let verdicts = report.sessions.map { "\($0.verdict)" }
        #expect(report.sessions.count == expected.sessions, "\(file): sessions \(verdicts)")
        #expect(verdicts.filter { $0 == "connected" }.count == expected.connected, "\(file): sessions \(verdicts)")
        #expect(expected.sessions > 0)
    }

    /// Two analyses of the same capture render the same bytes (no hash or address order leaks
    /// into the report), with and without the evidence section, and the JSON decodes as a document.
    @Test func jsonIsStableAndDecodable() throws {
        let report = try Self.report("nDPI/ipsec_isakmp_esp.pcap")
        let again = try Self.report("nDPI/ipsec_isakmp_esp.pcap")
        #expect(report.sessions.count > 1)
        for evidence in [false, true] {
            let a = JSONRenderer.render([report], evidence: evidence), b = JSONRenderer.render([again], evidence: evidence)
            #expect(a == b)
            #expect(a.contains("\"schemaVersion\" : 2"))
            let decoded = try JSONDecoder().decode(ReportDocument.self, from: Data(a.utf8))
            #expect(decoded.reports.count == 1)
            #expect(decoded.reports[0].sessions.count == report.sessions.count)
            #expect(decoded.reports[0].sessions.allSatisfy { ($0.evidence != nil) == evidence })
        }
    }

    /// The renderer streams the report a session at a time (issue 7: bounded memory); its bytes must
    /// be those of JSONEncoder encoding the whole document, for one report and for several.
    /// nDPI/ipsec_isakmp_esp.pcap has several sessions (with empty arrays: blank lines stay blank);
    /// arkime/IKEv2.pcap one.
    @Test func sessionAtATimeJSONMatchesWholeDocument() throws {
        let reports = [try Self.report("nDPI/ipsec_isakmp_esp.pcap"), try Self.report("arkime/IKEv2.pcap")]
        #expect(reports[0].sessions.count > 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        for batch in [[reports[0]], [reports[1]], reports] {
            for evidence in [false, true] {
                let whole = String(decoding: try encoder.encode(ReportDocument(batch, evidence: evidence)), as: UTF8.self)
                #expect(JSONRenderer.render(batch, evidence: evidence) == whole + "\n")
            }
        }
    }
}
