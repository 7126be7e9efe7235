import Reporting
import TestSupport
import Testing

/// The sessions of a capture in `Captures/` (lab or synthetic), reported as the CLI reports them.
enum CaptureSessions {
    static func of(_ name: String) throws -> [Report.SessionReport] {
        try CorpusTests.report(path: Corpus.capturePath(name), name: name).sessions
    }

    static func first(_ name: String) throws -> Report.SessionReport { try #require(try Self.of(name).first) }

    /// The first session of a public corpus capture (path as in its MANIFEST.tsv).
    static func firstPublic(_ relative: String) throws -> Report.SessionReport {
        try #require(try CorpusTests.report(path: Corpus.publicPath(relative), name: relative).sessions.first)
    }
}
