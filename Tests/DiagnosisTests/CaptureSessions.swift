import Reporting
import TestSupport
import Testing

/// The sessions of a capture in `Captures/` (lab or synthetic), reported as the CLI reports them.
enum CaptureSessions {
    static func of(_ name: String) throws -> [Report.SessionReport] {
        try CorpusTests.report(path: Corpus.capturePath(name), name: name).sessions
    }

    static func first(_ name: String) throws -> Report.SessionReport { try #require(try Self.of(name).first) }
}
