import Capture
import Diagnosis
import Sessions

/// `analyze`'s several files as vantage points of one attempt: each file's sessions and a second,
/// separate pass over its packets for the matching (`PacketPrinter`), kept apart from the analysis
/// so the analysis of one file stays what it is alone.
struct VantageInput {
    /// `--vantage NAME=FILE`, by file.
    let names: [String: String]
    var captures: [VantageCapture] = []

    /// Parses `--vantage NAME=FILE` options; the message says what is wrong.
    static func names(_ options: [String], files: [String]) throws(ValidationFailure) -> [String: String] {
        var out: [String: String] = [:]
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, files.contains(parts[1]) else {
                throw ValidationFailure("--vantage '\(option)': expected NAME=FILE with FILE one of the files analyzed (NAME: client, server, or a point between such as router-inside)")
            }
            guard out[parts[1]] == nil, !out.values.contains(parts[0]) else {
                throw ValidationFailure("--vantage '\(option)': each file and each name once")
            }
            out[parts[1]] = parts[0]
        }
        return out
    }

    struct ValidationFailure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Adds the file named `path`, read again from `source` for its packets (standard input from
    /// its `StdinSpool`; without one it cannot be read again, and is skipped).
    mutating func add(_ path: String, from source: String, reader: CaptureReader, analysis: Analysis, judgement: Judgement) {
        guard source != "-", var source = try? reader.open(source) else { return }
        var printer = PacketPrinter()
        try? printer.read(&source)  // a damaged file: the packets before the damage (its report says so)
        let sessions = analysis.sessions.map { s in
            VantageCapture.SessionSide(id: s.id, client: s.client, server: s.server, protocolLabel: s.protocolLabel,
                                       failed: judgement.verdict(of: s.id)?.verdict == .failed, keys: SessionKey.of(s))
        } + Self.named(analysis, failed: judgement.verdict == .failed)
        self.captures.append(VantageCapture(file: path, sessions: sessions, prints: printer.prints, printsDropped: printer.dropped,
                                            named: self.names[path],
                                            span: Self.span(analysis.capture)))
    }

    /// The VPNs named but not diagnosed (`Analysis.otherVPNs`) as sessions of the join, numbered
    /// after the capture's sessions: they have no `Session`, but their client and server say which
    /// packets are theirs (TLS, DTLS) and which file is the client's, so a datagram lost on the way
    /// or the client's reset is placed as for any session. Failed when the capture's verdict is
    /// (no verdict of their own).
    static func named(_ analysis: Analysis, failed: Bool) -> [VantageCapture.SessionSide] {
        let first = (analysis.sessions.map(\.id).max() ?? -1) + 1
        // One with a diagnosed part (Tailscale's WireGuard) already has its session.
        return analysis.otherVPNs.filter { $0.diagnosedPart == nil }.enumerated().map { i, v in
            VantageCapture.SessionSide(id: first + i, client: v.client, server: v.server.address, protocolLabel: v.name, failed: failed, keys: [])
        }
    }

    /// When the capture ran: its first and last frame's times, in either order (a capture's clock
    /// can step back).
    static func span(_ c: CaptureStatistics) -> ClosedRange<Timestamp>? {
        guard let start = c.start, let end = c.end else { return nil }
        return min(start, end)...max(start, end)
    }

    /// The attempts seen from several files; every file in one when the user named vantage points.
    func join(ignoring: Set<String>) -> [JointAttempt] {
        self.captures.count > 1 ? VantageJoin.join(self.captures, together: !self.names.isEmpty, ignoring: ignoring) : []
    }
}
