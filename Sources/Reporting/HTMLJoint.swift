import Diagnosis
import Foundation

/// The joint report on the HTML page (`analyze --html` with captures of one attempt from several
/// places): per joint session one ladder with a lifeline per vantage point, client's first. Each
/// arrow runs from where its packet was first seen to the last point that saw it; a lost one stops
/// part-way to the next point with a cross, so the picture shows where it died.
extension HTMLPage {
    mutating func joint(_ a: JointAttemptReport, index: Int) {
        let names = a.vantages.map(\.vantage)
        body += "<section class=\"capture\" aria-labelledby=\"j\(index)\"><h2 id=\"j\(index)\">Joint report: \(a.vantages.count) captures of one attempt</h2>\n"
        body += "<p class=\"meta\">" + a.vantages.map { "\(HTML.text($0.vantage)): \(HTML.text($0.file))" }.joined(separator: "; ")
            + " — \(HTML.count(a.matchedPackets)) packets seen at more than one</p>\n"
        let notes = a.clocks.map { c in
            "Clock: \(c.vantage) " + (c.offset.map { String(format: "%+.6f s", $0) + " from the \(names[0])" } ?? "unknown")
                + (c.oneWayDelay.map { String(format: "; one-way delay %.3f ms", $0 * 1000) } ?? "")
        } + a.nat.map { "NAT: " + $0.text }
        if !notes.isEmpty { body += "<ul class=\"evidence\">" + notes.map { "<li>\(HTML.text($0))</li>" }.joined() + "</ul>\n" }
        for (n, s) in a.sessions.enumerated() {
            let id = "j\(index)s\(n)"
            let lossText = s.lossLocation == .none ? "nothing lost" : "loss: \(s.lossLocation.rawValue)"
                + (s.lossSegment.map { " (between the \($0.from) and the \($0.to))" } ?? "")
            let heading = "Joint session: \(s.client) ⇄ \(s.server) — \(s.protocol)"
            body += "<section class=\"session\" id=\"\(id)\" aria-label=\"\(HTML.text(heading))\"><div>"
            body += "<h3 class=\"sh\">\(HTML.text(heading))</h3> <span class=\"verdict \(s.lossLocation == .none ? "v-connected" : "v-failed")\">"
                + "\(HTML.text(lossText))</span>\n"
            let ladder = JointLadderSVG(names: names, files: a.vantages.map(\.file), messages: s.messages, id: id)
            body += "<figure class=\"diagram\">" + ladder.render()
                + "<figcaption>\(HTML.count(ladder.runs.count)) row\(ladder.runs.count == 1 ? "" : "s") (repeats grouped), one lifeline per vantage point; "
                + "an arrow ends at the last point that saw it, and one that stops with a cross was lost before the next.</figcaption></figure>\n"
            body += "<h4>Findings</h4>\n" + self.jointFindings(s.findings)
            body += "</div></section>\n"
        }
        body += "</section>\n"
    }

    func jointFindings(_ findings: [JointSessionReport.FindingReport]) -> String {
        guard !findings.isEmpty else { return "<p class=\"muted\">No findings.</p>\n" }
        var out = "<ul class=\"findings\">"
        for f in findings {
            out += "<li class=\"sev-\(f.severity.rawValue)\"><span class=\"tag\">\(f.severity.rawValue.uppercased())</span> "
                + "\(HTML.text(f.summary)) <code>[\(HTML.text(f.rule))]</code><ul class=\"evidence\">"
                + f.frames.filter { !$0.frames.isEmpty }.map { "<li>\(HTML.text("\($0.vantage): \($0.file) frames \(LadderSVG.frameList($0.frames))"))</li>" }.joined()
                + "</ul>"
            if !f.advice.isEmpty { out += "<ul class=\"advice\">" + f.advice.map { "<li>\(HTML.text($0))</li>" }.joined() + "</ul>" }
            out += "</li>"
        }
        return out + "</ul>\n"
    }
}

/// One joint session drawn as SVG, in `LadderSVG`'s look (same classes: `g.msg`, `g.lost`, titles).
struct JointLadderSVG {
    let names: [String]
    let files: [String]
    /// Consecutive alike messages as one row (`Renderer.runs`), at most `LadderSVG`'s row budget.
    let runs: [[JointSessionReport.MessageReport]]
    let id: String

    static let laneGap = 260.0
    static let rows = 60

    init(names: [String], files: [String], messages: [JointSessionReport.MessageReport], id: String) {
        (self.names, self.files, self.id) = (names, files, id)
        self.runs = Renderer.runs(messages) { a, b in
            a.label == b.label && a.direction == b.direction && a.lostAfter == b.lostAfter && a.seenAt.map(\.vantage) == b.seenAt.map(\.vantage)
        }
    }

    func x(_ lane: Int) -> Double { LadderSVG.firstLane + Double(lane) * Self.laneGap }

    func render() -> String {
        let shown = self.runs.prefix(Self.rows)
        let height = LadderSVG.top + Double(shown.count + (self.runs.count > Self.rows ? 1 : 0)) * LadderSVG.rowHeight + 16
        let width = self.x(self.names.count - 1) + LadderSVG.rightMargin + 30
        var out = "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\""
            + " viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"group\" aria-label=\"Joint ladder diagram: \(shown.count) rows\">"
        out += "<text class=\"head\" x=\"\(LadderSVG.timeColumn - 12)\" y=\"18\" text-anchor=\"end\">time</text>"
        for (i, name) in self.names.enumerated() {
            out += "<text class=\"head\" x=\"\(self.x(i))\" y=\"18\" text-anchor=\"middle\">\(HTML.text(LadderSVG.fit(name, width: Self.laneGap - 20)))</text>"
            out += "<text class=\"addr\" x=\"\(self.x(i))\" y=\"34\" text-anchor=\"middle\">\(HTML.text(LadderSVG.fit(self.files[i], width: Self.laneGap - 20, charWidth: 6.7)))</text>"
            out += "<line class=\"life\" x1=\"\(self.x(i))\" y1=\"\(LadderSVG.top - 10)\" x2=\"\(self.x(i))\" y2=\"\(height - 8)\"/>"
        }
        for (n, run) in shown.enumerated() { out += self.arrow(run, y: LadderSVG.top + Double(n) * LadderSVG.rowHeight + 20, index: n) }
        if self.runs.count > Self.rows {
            out += "<text class=\"gap\" x=\"\(self.x(0))\" y=\"\(LadderSVG.top + Double(shown.count) * LadderSVG.rowHeight + 20)\">⋯ "
                + "\(HTML.count(self.runs.count - Self.rows)) more rows not drawn (the JSON report has them all)</text>"
        }
        return out + "</svg>"
    }

    func arrow(_ run: [JointSessionReport.MessageReport], y: Double, index: Int) -> String {
        let m = run[0]
        let toServer = m.direction == "client-to-server"
        let lanes = m.seenAt.compactMap { self.names.firstIndex(of: $0.vantage) }
        guard let low = lanes.min(), let high = lanes.max() else { return "" }
        let (start, end) = toServer ? (low, high) : (high, low)
        let lost = m.lostAfter != nil
        let step = toServer ? 1 : -1
        let x1 = self.x(start)
        // Lost: on past the last point that saw it, stopping before the next one.
        let x2 = lost ? self.x(end) + Double(step) * Self.laneGap * 0.6 : self.x(end)
        // A packet seen at one point only and not lost (nothing to compare it with) is a short stub.
        let tip = x2 == x1 ? x1 + Double(step) * 40 : x2
        let frames = run.flatMap { r in r.seenAt.map(\.frame) }
        let label = m.label + (run.count > 1 ? " ×\(run.count)" : "")
        var title = [label + (lost ? " — lost after the \(m.lostAfter!)" : ""), String(format: "at %.6f s (the \(self.names[0])'s clock)", m.time)]
        for (p, name) in self.names.enumerated() {
            let seen = run.compactMap { r in r.seenAt.first { $0.vantage == name }?.frame }
            title.append("\(name): " + (seen.isEmpty ? "not seen" : "frame\(seen.count > 1 ? "s" : "") " + LadderSVG.frameList(seen)) + " (\(self.files[p]))")
        }
        let classes = (["msg"] + (lost ? ["lost"] : []) + Set(frames).sorted().prefix(64).map { "f\($0)" }).joined(separator: " ")
        var out = "<g class=\"\(classes)\" id=\"\(self.id)-r\(index)\" tabindex=\"0\"><title>\(HTML.lines(title))</title>"
        out += "<text class=\"time\" x=\"\(LadderSVG.timeColumn - 12)\" y=\"\(y + 4)\" text-anchor=\"end\">+\(String(format: "%.3f", m.time)) s</text>"
        out += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(tip)\" y2=\"\(y)\"/>"
        out += lost ? "<path class=\"stop\" d=\"M\(tip - 5) \(y - 5)l10 10m0 -10l-10 10\"/>"
                    : "<path class=\"head\" d=\"M\(tip) \(y)l\(-8 * Double(step)) -4v8z\"/>"
        out += "<text class=\"lbl\" x=\"\((x1 + tip) / 2)\" y=\"\(y - 6)\" text-anchor=\"middle\">"
            + "\(HTML.text(LadderSVG.fit(label, width: max(abs(tip - x1), Self.laneGap) - 16)))</text>"
        // Each point's frame number beside its lifeline, on the side the arrow leaves towards.
        for p in lanes.sorted() {
            let seen = run.compactMap { r in r.seenAt.first { $0.vantage == self.names[p] }?.frame }
            let text = seen.count > 1 ? "#\(seen[0])–\(seen.last!)" : "#\(seen[0])"
            out += "<text class=\"fr\" x=\"\(self.x(p) + 6 * Double(step))\" y=\"\(y + 13)\" text-anchor=\"\(toServer ? "start" : "end")\">\(text)</text>"
        }
        return out + "</g>"
    }
}
