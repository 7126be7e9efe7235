import Foundation
import Reporting
import Testing
import TestSupport

/// `JSONOutputEncoder` must write exactly the bytes Foundation's `JSONEncoder` writes with the same
/// options: pretty (the report) and compact (`packets --json`), whole or streamed in chunks.
@Suite struct JSONOutputTests {
    static let inf = JSONOutputEncoder.NonConformingFloats.convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    static func foundation(pretty: Bool, convertFloats: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        if convertFloats {
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        }
        return encoder
    }

    /// Foundation's bytes, ours whole, ours appended to a buffer, and ours streamed in chunks of
    /// several sizes (1 byte flushes whenever anything is final).
    static func expectSame<T: Encodable>(_ value: T, pretty: Bool, convertFloats: Bool = true,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = String(decoding: try Self.foundation(pretty: pretty, convertFloats: convertFloats).encode(value), as: UTF8.self)
        let encoder = JSONOutputEncoder(prettyPrinted: pretty, nonConformingFloats: convertFloats ? Self.inf : .throw)
        let whole = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(whole == expected, sourceLocation: sourceLocation)
        var appended = Array("prefix".utf8)
        try encoder.encode(value, appendingTo: &appended)
        #expect(String(decoding: appended, as: UTF8.self) == "prefix" + expected, sourceLocation: sourceLocation)
        for chunk in [1, 7, 1 << 16] {
            var streamed: [UInt8] = []
            try encoder.encode(value, chunkSize: chunk) { streamed.append(contentsOf: $0) }
            #expect(String(decoding: streamed, as: UTF8.self) == expected, "chunk \(chunk)", sourceLocation: sourceLocation)
        }
    }

    static func expectSameBothWays<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try self.expectSame(value, pretty: true, sourceLocation: sourceLocation)
        try self.expectSame(value, pretty: false, sourceLocation: sourceLocation)
    }

    // MARK: Every report

    static func captureFiles() -> [(path: String, name: String)] {
        let lab = ((try? FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)) ?? [])
            .filter { $0.hasSuffix(".pcap") }.sorted().map { (Corpus.capturePath($0), $0) }
        return lab + Corpus.publicFiles().map { (Corpus.publicPath($0), $0) }
    }

    /// Every capture's report document (lab and public corpus, with its evidence), alone and all
    /// in one, pretty as `analyze --json` writes it and compact; and `JSONRenderer` against JSONEncoder.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func everyReportMatchesJSONEncoder() throws {
        var reports: [Report] = []
        for file in Self.captureFiles() {
            // A file libpcap cannot open has no report (analyze says why instead).
            guard let report = try? CorpusTests.report(path: file.path, name: file.name) else { continue }
            let document = ReportDocument([report], evidence: true)
            try Self.expectSameBothWays(document)
            let rendered = JSONRenderer.render([report], evidence: true)
            #expect(rendered == String(decoding: try Self.foundation(pretty: true).encode(document), as: UTF8.self) + "\n", "\(file.name)")
            reports.append(report)
        }
        #expect(reports.count > 100)
        try Self.expectSameBothWays(ReportDocument(reports, evidence: true))
        for evidence in [false, true] {
            let whole = try Self.foundation(pretty: true).encode(ReportDocument(reports, evidence: evidence))
            #expect(JSONRenderer.render(reports, evidence: evidence) == String(decoding: whole, as: UTF8.self) + "\n")
        }
    }

    // MARK: Values

    struct Strings: Encodable {
        var values: [String]
        var keyed: [String: String]
    }

    static let awkward: [String] = {
        var all = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        all += ["", "\"", "\\", "/", "a/b\\c\"d", "\u{7F}", "é", "e\u{301}", "日本語", "😀", "a😀b", "\u{2028}\u{2029}", "\u{FEFF}",
                "\u{10FFFF}", "tab\there\nnew\r\u{8}\u{C}", "</script>", String(repeating: "long ", count: 100)]
        all.append((0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined())
        // Past the first eight-byte words `appendEscaped` skips while nothing in them needs escaping.
        all += ["0123456789\"abcdefghij", "0123456789ab\\cdefghij", "012345678\u{1F}abcdefghij", "abcdefgh" + String(repeating: "\u{7F}/é", count: 5)]
        return all
    }()

    @Test func strings() throws {
        // Each string as a value and as a key (keys sort by their UTF-8 bytes, escaped or not).
        let keyed = Dictionary(Self.awkward.enumerated().map { ($0.element, "v\($0.offset)") }, uniquingKeysWith: { a, _ in a })
        try Self.expectSameBothWays(Strings(values: Self.awkward, keyed: keyed))
        for s in Self.awkward { try Self.expectSameBothWays([s]) }
        try Self.expectSameBothWays("top-level / string \u{1}")
    }

    @Test func keyOrder() throws {
        let keys = ["a", "B", "_0", "a10", "a2", "A", "é", "e\u{300}", "ab", "ab c", "ab\"", "ab\\", "ab\t", "ab\u{1}", "", "z", "Z", "~", "0", "9", "10"]
        let dict = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, $0.offset) })
        try Self.expectSameBothWays(dict)
        try Self.expectSameBothWays([dict, [:], ["only": 1]])
        try Self.expectSameBothWays([1: "one", 10: "ten", 2: "two", -1: "minus"])
    }

    struct Numbers: Encodable {
        var doubles: [Double]
        var floats: [Float]
        var ints: [Int]
        var int8: Int8 = .min, int16: Int16 = .min, int32: Int32 = .min, int64: Int64 = .min
        var uint: UInt = .max, uint8: UInt8 = .max, uint16: UInt16 = .max, uint32: UInt32 = .max, uint64: UInt64 = .max
        var one: Double = 1, half: Float = 0.5, flag = true, other = false
    }

    static let doubles: [Double] = [0, -0.0, 1, -1, 1.5, 1e-7, 6.2e-05, 1e300, -1e300, 123456789.123, 0.1, 1.0 / 3, 100, 1e16, 1e15,
                                    .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 2.5e-8, 42.000001]

    @Test func numbers() throws {
        let numbers = Numbers(doubles: Self.doubles, floats: Self.doubles.map(Float.init) + [.infinity, .leastNonzeroMagnitude],
                              ints: [0, 1, -1, 9, 10, 99, 100, Int.min, Int.max, Int(Int32.max) + 1])
        try Self.expectSameBothWays(numbers)
        for d in Self.doubles { try Self.expectSameBothWays(d) }
        for d in Self.doubles { try Self.expectSameBothWays(["d": d]) }
        try Self.expectSameBothWays(UInt64.max)
        try Self.expectSameBothWays(Int.min)
    }

    @Test func nonConformingFloatsThrowByDefault() throws {
        for d in [Double.infinity, -.infinity, .nan] {
            #expect(throws: (any Error).self) { try Self.foundation(pretty: false, convertFloats: false).encode(["d": d]) }
            #expect(throws: (any Error).self) { try JSONOutputEncoder().encode(["d": d]) }
        }
        // The buffer is left as it was.
        var buffer = Array("kept".utf8)
        #expect(throws: (any Error).self) { try JSONOutputEncoder().encode([1.0, .nan], appendingTo: &buffer) }
        #expect(buffer == Array("kept".utf8))
        try Self.expectSame([1.5, 2], pretty: false, convertFloats: false)
    }

    struct Empty: Codable {}
    struct Nested: Encodable {
        var empty = Empty()
        var arrays: [[[Int]]] = [[], [[]], [[], [1]]]
        var objects: [[String: [String: Int]]] = [[:], ["a": [:]], ["b": ["c": 1], "a": [:]]]
        var deep = [[Empty()], []]
        var optional: Int?
        var present: Int? = 3
        var nestedOptional: [Int?] = [nil, 1, nil]
    }

    @Test func emptyContainersAndOptionals() throws {
        try Self.expectSameBothWays(Nested())
        try Self.expectSameBothWays(Empty())
        try Self.expectSameBothWays([Empty]())
        try Self.expectSameBothWays([String: Int]())
        try Self.expectSameBothWays([[Nested()], []])
        try Self.expectSameBothWays(Optional<Int>.none)
        try Self.expectSameBothWays([Optional<Nested>.none, Nested()])
    }

    enum Shape: Encodable {
        case circle(radius: Double)
        case square(Double)
        case labelled(String, Nested?)
        case none
    }

    /// Hand-written `encode(to:)` the way model types write them: two requests for the same
    /// container (DecodedLayer), keys out of order and twice, explicit nulls, nested containers,
    /// super encoders, a value that encodes nothing.
    struct Custom: Encodable {
        enum Keys: String, CodingKey { case zeta, alpha, beta, nested, list, parent, `super`, nothing, again }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode("z", forKey: .zeta)
            try c.encodeNil(forKey: .beta)
            var nested = c.nestedContainer(keyedBy: Keys.self, forKey: .nested)
            try nested.encode(2, forKey: .beta)
            try nested.encode(1, forKey: .alpha)
            var list = nested.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(true, forKey: .zeta)
            try list.encodeNil()
            var innerList = list.nestedUnkeyedContainer()
            try innerList.encode("x")
            try Nested().encode(to: list.superEncoder())
            _ = list.superEncoder()
            try c.encode(Nothing(), forKey: .nothing)
            try Empty().encode(to: c.superEncoder())
            try Nested().encode(to: c.superEncoder(forKey: .parent))
            try c.encode(1, forKey: .again)
            try c.encode(2, forKey: .again)
            var d = encoder.container(keyedBy: Keys.self)
            try d.encode("a", forKey: .alpha)
        }
    }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    struct Special: Encodable {
        var data = Data([0, 1, 2, 250, 255])
        var url = URL(string: "https://example.com/a b?q=1")
        var date = Date(timeIntervalSinceReferenceDate: 12.5)
        var decimal = Decimal(string: "12.340")!
    }

    @Test func customEncoding() throws {
        try Self.expectSameBothWays(Custom())
        try Self.expectSameBothWays([Custom(), Custom()])
        try Self.expectSameBothWays([Shape.circle(radius: 1), .square(2), .labelled("l", Nested()), .labelled("m", nil), .none])
        try Self.expectSameBothWays([Nothing()])
        try Self.expectSameBothWays(Special())
    }

    @Test func topLevelValueThatEncodesNothingThrows() throws {
        #expect(throws: (any Error).self) { try Self.foundation(pretty: true).encode(Nothing()) }
        #expect(throws: (any Error).self) { try JSONOutputEncoder(prettyPrinted: true).encode(Nothing()) }
    }

    /// Streamed, the report's sessions go out one by one: no chunk is much bigger than asked for
    /// plus one session.
    @Test(.enabled(if: Corpus.publicCorpusAvailable)) func streamingHandsOverSessionBySession() throws {
        let report = try CorpusTests.report("nDPI/ipsec_isakmp_esp.pcap")
        #expect(report.sessions.count > 1)
        var chunks: [Int] = []
        try JSONOutputEncoder(prettyPrinted: true, nonConformingFloats: Self.inf)
            .encode(ReportDocument([report], evidence: true), chunkSize: 1) { chunks.append($0.count) }
        #expect(chunks.count > report.sessions.count)
    }
}
