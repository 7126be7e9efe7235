import Decoding
import Foundation
import Reporting
import Testing
import TestSupport

/// The report types of schema v2 hold no 64-bit unsigned (or other wider-than-2^53) integer: such a
/// field is a hex string (`HexIdentifier.text`). Checked by reflection on the documents of every
/// capture, evidence included, so a field added later is checked too.
@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct ReportDocumentTests {
    /// Paths of the values in `value` whose type can hold a number beyond 2^53 (an address holds
    /// them too, but encodes as text).
    static func wideIntegers(_ value: Any, path: String = "document") -> [String] {
        if value is IPAddress { return [] }
        if value is UInt64 || value is Int64 || value is UInt { return ["\(path): \(type(of: value))"] }
        return Mirror(reflecting: value).children.enumerated().flatMap { i, child in
            Self.wideIntegers(child.value, path: path + "." + (child.label ?? "\(i)"))
        }
    }

    @Test func noFieldWiderThanADouble() throws {
        var checked = 0
        for file in JSONOutputTests.captureFiles() {
            guard let report = try? CorpusTests.report(path: file.path, name: file.name) else { continue }
            let wide = Self.wideIntegers(ReportDocument([report], evidence: true)), none = wide.isEmpty
            #expect(none, "\(file.name): \(wide.prefix(5))")
            checked += report.sessions.filter { !$0.evidence.ike.isEmpty }.count
        }
        // Sessions with IKE SAs (the SPIs that once were UInt64) were among them.
        #expect(checked > 50)
    }
}
