import Diagnosis

/// "did you mean …?" for a mistyped subcommand or rule id (argument-parser already suggests
/// options itself).
enum Suggestion {
    /// The candidate closest to `word` by edit distance, when it is close enough to be a typo: at
    /// most 2 edits, or a third of the word for long ones (`ike.nat-blokced` is 2 from
    /// `ike.nat-blocked`; `x.pcap` is not `analyze`).
    static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, self.distance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// " Did you mean 'x'?" or "".
    static func hint(_ word: String, in candidates: [String]) -> String {
        self.closest(to: word, in: candidates).map { " Did you mean '\($0)'?" } ?? ""
    }

    /// Every rule id, as `vpndoctor rules` lists them.
    static var ruleIDs: [String] { DiagnosisEngine.ruleInfos.map(\.id.rawValue) }

    /// Levenshtein distance, with a swap of two neighbours counting as one edit (optimal string
    /// alignment): "anlyze" is 1 from "analyze", "wacth" 1 from "watch".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
