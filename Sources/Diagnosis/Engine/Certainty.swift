import Sessions

extension DiagnosisEngine {
    /// Findings proven by payloads decrypted with the user's keys (issue 16). An error or warning
    /// that cites a decrypted frame read what the peers said, not what the sizes suggest: it is
    /// `certain`, and its summary names the frame. A session with a certain error no longer needs
    /// the inferences that guessed at the same failure: they go.
    static func certify(_ findings: [Finding], _ analysis: Analysis) -> [Finding] {
        let decrypted = analysis.decryptedFrames
        guard !decrypted.isEmpty else { return findings }
        var out = findings
        var provenSessions = Set<Int>()
        for i in out.indices where out[i].confidence == nil && out[i].severity != .info {
            guard let frame = out[i].frames.first(where: decrypted.contains) else { continue }
            out[i].confidence = .certain
            out[i].summary += " (decrypted: frame \(frame))"
            if out[i].severity == .error, let s = out[i].session { provenSessions.insert(s) }
        }
        return out.filter { f in
            guard let s = f.session, provenSessions.contains(s), f.severity == .error,
                  let c = f.confidence, c != .certain else { return true }
            return false
        }
    }
}
