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

    /// Complete, working exchanges (MANIFEST.tsv): no error-level finding may appear.
    @Test(arguments: [
        "arkime/IKEv1.pcap", "arkime/IKEv2.pcap", "nDPI/esp.pcapng", "nDPI/ah.pcapng", "scapy/ikev2_nat_t.pcapng",
        "zeek-spicy-ipsec/ipsec-ikev1-isakmp-main-mode.pcap", "john-samples/lulu-password-pptp.pcap",
        "john-samples/solar-solarisalwaysbusy-pptp.pcap", "PcapPlusPlus/GrePackets.cap", "jnetpcap/test-l2tp.pcap",
        "flowcontainer/l2tp.pcap", "flowcontainer/pptp.pcap", "arkime/ah-esp.pcap",
    ])
    func healthyCapturesHaveNoError(_ file: String) throws {
        let report = try Self.report(file)
        let errors = report.findings.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(file): \(errors.map { "\($0.rule): \($0.summary)" })")
        #expect(report.exitCode == 0)
    }

    @Test func jsonIsStableAndDecodable() throws {
        let report = try Self.report("nDPI/esp.pcapng")
        let a = JSONRenderer.render([report]), b = JSONRenderer.render([report])
        #expect(a == b)
        #expect(a.contains("\"schemaVersion\" : 1"))
        let decoded = try JSONDecoder().decode(Report.self, from: Data(a.utf8))
        #expect(decoded.sessions.count == report.sessions.count)
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
            let whole = String(decoding: batch.count == 1 ? try encoder.encode(batch[0]) : try encoder.encode(batch), as: UTF8.self)
            #expect(JSONRenderer.render(batch) == whole + "\n")
        }
    }
}
