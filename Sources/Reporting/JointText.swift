import Diagnosis
import Foundation

/// The joint section of the text report: per attempt, which file is which vantage point, the
/// clocks and NAT between them, and per session one ladder with a column per vantage point.
extension Renderer {
    /// Ladder rows shown per joint session; the JSON lists every message.
    static let jointRows = 40

    func joint(_ a: JointAttempt) -> String {
        var out = [self.paint("Joint report: \(a.vantages.count) captures of one attempt", .bold)
                   + self.paint("  (\(a.matchedPackets) packets seen at more than one)", .dim)]
        let width = a.vantages.map(\.name.count).max() ?? 0
        for v in a.vantages {
            out.append("  " + self.safe(v.name.padding(toLength: width, withPad: " ", startingAt: 0)) + " " + self.safe(v.file)
                       + self.paint("  (\(v.how))", .dim))
        }
        for c in a.clocks {
            let name = a.vantages[c.vantage].name
            guard let offset = c.offset else {
                out.append("  Clock: \(self.safe(name)) unknown (no packet seen at both it and the \(self.safe(a.vantages[0].name)))")
                continue
            }
            var line = "  Clock: \(self.safe(name)) is " + String(format: "%+.6f s", offset) + " from the \(self.safe(a.vantages[0].name))"
            if let delay = c.oneWayDelay {
                line += String(format: "; one-way delay %.3f ms", delay * 1000) + " (\(c.forward) packets forward, \(c.backward) back)"
            } else {
                line += " including the one-way delay (packets matched one way only)"
            }
            out.append(line)
        }
        for m in a.nat { out.append("  NAT: " + self.safe(m.text)) }
        if a.printsDropped > 0 {
            out.append(self.paint("  \(a.printsDropped) frames past the matching ceiling (65,536 IP packets per file) were not matched", .yellow))
        }
        for s in a.sessions { out += [""] + self.jointSession(s, a) }
        return out.joined(separator: "\n") + "\n"
    }

    func jointSession(_ s: JointSession, _ a: JointAttempt) -> [String] {
        let where_ = s.lossLocation == .none ? "nothing lost" : "loss: \(s.lossLocation.rawValue)"
            + (s.lossSegment.map { " (between the \($0.from) and the \($0.to))" } ?? "")
        var out = [self.paint("Joint session: \(s.client) ⇄ \(s.server)  \(s.protocolLabel)", .bold) + "  "
                   + self.paint(where_, s.lossLocation == .none ? .green : .red)]
        let columns = a.vantages.map { $0.name.padding(toLength: max(10, $0.name.count + 2), withPad: " ", startingAt: 0) }
        out.append("         time  " + "message".padding(toLength: 50, withPad: " ", startingAt: 0) + self.safe(columns.joined()))
        let rows = Self.jointRuns(s.messages)
        for run in rows.prefix(Self.jointRows) {
            let m = run[0]
            let label = m.label + (run.count > 1 ? " ×\(run.count)" : "")
            var line = (m.fromClient ? "  →" : "  ←") + String(format: "%9.3fs  ", m.time)
                + self.safe(String(label.prefix(48))).padding(toLength: 50, withPad: " ", startingAt: 0)
            for (p, width) in columns.map(\.count).enumerated() {
                let cell: String
                if let first = m.frames[p], let last = run.last!.frames[p] {
                    cell = first == last ? "#\(first)" : "#\(first)–\(last)"
                } else if let after = m.lostAfter, p == (m.fromClient ? after + 1 : after - 1) {
                    cell = "✘ lost"
                } else {
                    cell = "–"
                }
                let padded = cell.padding(toLength: width, withPad: " ", startingAt: 0)
                line += cell.hasPrefix("✘") ? self.paint(padded, .red) : padded
            }
            out.append(line)
        }
        if rows.count > Self.jointRows {
            out.append(self.paint("  (+\(rows.count - Self.jointRows) more rows; --json lists every message)", .dim))
        }
        if !s.findings.isEmpty { out.append("") }
        for f in s.findings {
            let (tag, style): (String, Style) = f.severity == .error ? ("ERROR", .red) : f.severity == .warning ? ("WARN ", .yellow) : ("INFO ", .cyan)
            out.append("  " + self.paint(tag, style) + " " + self.safe(f.summary) + self.paint("  [\(f.rule)]", .dim))
            for side in f.frames where !side.frames.isEmpty {
                out.append("        " + self.paint("· \(side.vantage): \(side.file) frames \(Self.frames(side.frames))", .dim))
            }
            for advice in f.advice.prefix(self.verbose ? f.advice.count : 2) { out.append("        → " + self.safe(advice)) }
        }
        return out
    }

    /// Consecutive messages alike (same words, direction, where seen and where lost) as one row.
    static func jointRuns(_ messages: [JointSession.Message]) -> [[JointSession.Message]] {
        Self.runs(messages) { a, b in
            a.label == b.label && a.fromClient == b.fromClient && a.lostAfter == b.lostAfter && a.frames.map { $0 == nil } == b.frames.map { $0 == nil }
        }
    }

    /// Consecutive items `alike` as one run (the text and the HTML joint ladders' rows).
    static func runs<T>(_ items: [T], alike: (T, T) -> Bool) -> [[T]] {
        var runs: [[T]] = []
        for item in items {
            if let last = runs.last?.last, alike(last, item) {
                runs[runs.count - 1].append(item)
            } else {
                runs.append([item])
            }
        }
        return runs
    }
}
