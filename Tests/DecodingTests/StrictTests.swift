import Testing
import TestSupport

/// What makes a run strict (`Strict`), and what a strict run needs that a parameterized test
/// cannot report by itself: a test whose arguments are the corpus files runs no case at all when
/// the corpus is missing.
@Suite struct StrictTests {
    @Test func ciValuesThatAreStrict() {
        for value in ["true", "TRUE", "1", "yes", "github"] { #expect(Strict.isStrict(ci: value), "\(value)") }
        for value in [nil, "", "0", "false", "False"] { #expect(!Strict.isStrict(ci: value), "\(value ?? "unset")") }
    }

    @Test(.enabled(if: Corpus.publicCorpusAvailable))
    func publicCorpusIsThere() {
        #expect(Corpus.publicFiles().count >= 150, "public corpus: \(Corpus.publicFiles().count) files in MANIFEST.tsv")
    }
}
