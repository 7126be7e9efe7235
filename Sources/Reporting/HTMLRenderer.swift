import Diagnosis
import Foundation
import Sessions

/// `analyze --html`: the report as one self-contained HTML page to attach to a ticket — per session
/// a ladder diagram, the stage ladder beside it, and the findings with their advice.
///
/// Built from the schema-v2 document (`ReportDocument` with evidence), so it shows what the JSON
/// report documents. Self-contained and inert: inline CSS and SVG, no script, and a
/// Content-Security-Policy that forbids fetching anything, so a hostile capture's text can neither
/// run nor call home even if it slipped past `HTML.text`. Clicking a finding highlights its frames
/// with CSS alone (`:target` inside `:has`).
public enum HTMLRenderer {
    /// `joint`: the attempts seen from several captures, drawn after the captures' own reports.
    public static func render(_ reports: [Report], joint: [JointAttempt] = []) -> String {
        self.render(ReportDocument(reports, evidence: true, joint: joint))
    }

    public static func render(_ document: ReportDocument) -> String {
        var page = HTMLPage()
        for (n, report) in document.reports.enumerated() { page.capture(report, index: n) }
        for (n, attempt) in (document.joint ?? []).enumerated() { page.joint(attempt, index: n) }
        let title = "vpndoctor — " + document.reports.map(\.capture.file).joined(separator: ", ")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(HTML.text(title))</title>
            <style>\(HTMLStyle.css)\(page.highlightRules.joined(separator: "\n"))</style>
            </head><body>
            <header><h1>vpndoctor report</h1><p class="muted">Schema-v2 report of \(document.reports.count) capture\(document.reports.count == 1 ? "" : "s"). \
            Hover or focus an arrow for its frame, time and fields; select a finding to highlight its frames.</p></header>
            <main>
            \(page.body)</main>
            </body></html>

            """
    }
}

/// Text made safe for HTML: terminal escapes first (`TerminalText.escape` makes controls and bidi
/// overrides visible, as in the text report), then the five characters HTML gives meaning to.
enum HTML {
    static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in TerminalText.escape(s) {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Lines of a tooltip (`<title>`): each made safe, joined by a character reference for the
    /// newline (`text` would show a raw newline as "\\n", as it does every control character).
    static func lines(_ lines: [String]) -> String { lines.map(Self.text).joined(separator: "&#10;") }

    /// 1234567 as "1,234,567".
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

/// The page body, built capture by capture, and the CSS rules that highlight each finding's frames.
struct HTMLPage {
    var body = ""
    var highlightRules: [String] = []

    /// Sessions drawn per capture; beyond it the summary table lists them (a gateway capture has
    /// thousands, and the page must stay small enough to attach).
    static let drawnSessions = 60
    /// Rows of the summary table.
    static let listedSessions = 2000

    mutating func capture(_ r: CaptureReport, index: Int) {
        let c = r.capture
        body += "<section class=\"capture\" aria-labelledby=\"c\(index)\"><h2 id=\"c\(index)\">\(HTML.text(c.file))</h2>\n"
        body += "<p class=\"meta\">\(HTML.text(c.format)), \(HTML.text("\(c.linkType)")), \(HTML.count(c.packets)) packets, "
            + String(format: "%.1f s", c.duration) + (r.server.map { ", server \(HTML.text("\($0)"))" } ?? "")
            + " — <span class=\"v-\(r.verdict.rawValue)\">\(r.verdict.rawValue.uppercased())</span></p>\n"
        if let e = c.error { body += "<p class=\"warn\">Capture file error: \(HTML.text(e)) (the frames before it were analysed)</p>\n" }
        if r.sessions.isEmpty { body += "<p>No VPN session in the capture.</p>\n" }
        if r.sessions.count > 1 { self.summary(r, index: index) }
        // Failed sessions first, then the rest in capture order.
        let order = r.sessions.filter { $0.verdict == .failed } + r.sessions.filter { $0.verdict != .failed }
        for s in order.prefix(Self.drawnSessions) { self.session(s, capture: index, folded: r.sessions.count > 1) }
        if r.sessions.count > Self.drawnSessions {
            body += "<p class=\"muted\">\(HTML.count(r.sessions.count - Self.drawnSessions)) more sessions are listed in the table above, not drawn.</p>\n"
        }
        if !r.captureFindings.isEmpty {
            body += "<h3>Capture findings</h3>\n" + self.findings(r.captureFindings, scope: "c\(index)", frames: [])
        }
        body += "</section>\n"
    }

    mutating func summary(_ r: CaptureReport, index: Int) {
        body += "<table class=\"summary\"><caption>\(HTML.count(r.sessions.count)) sessions</caption>"
            + "<thead><tr><th scope=\"col\">Session</th><th scope=\"col\">Protocol</th><th scope=\"col\">Client</th>"
            + "<th scope=\"col\">Server</th><th scope=\"col\">Verdict</th><th scope=\"col\">Main finding</th></tr></thead><tbody>\n"
        let drawn = Set((r.sessions.filter { $0.verdict == .failed } + r.sessions.filter { $0.verdict != .failed }).prefix(Self.drawnSessions).map(\.id))
        for s in r.sessions.prefix(Self.listedSessions) {
            let main = s.findings.first { $0.severity == .error } ?? s.findings.first { $0.severity == .warning } ?? s.findings.first
            let name = drawn.contains(s.id) ? "<a href=\"#c\(index)s\(s.id)\">\(s.id)</a>" : "\(s.id)"
            body += "<tr><td>\(name)</td><td>\(HTML.text(s.protocolLabel))</td><td>\(HTML.text("\(s.client)"))</td>"
                + "<td>\(HTML.text("\(s.server)"))</td><td class=\"v-\(s.verdict.rawValue)\">\(s.verdict.rawValue)</td>"
                + "<td>\(HTML.text(main?.summary ?? ""))</td></tr>\n"
        }
        body += "</tbody></table>\n"
        if r.sessions.count > Self.listedSessions {
            body += "<p class=\"muted\">\(HTML.count(r.sessions.count - Self.listedSessions)) more sessions: see the JSON report.</p>\n"
        }
    }

    mutating func session(_ s: SessionReport, capture: Int, folded: Bool) {
        let id = "c\(capture)s\(s.id)"
        let ladder = Ladder(s)
        let heading = "Session \(s.id): \(s.client) ⇄ \(s.server) — \(s.protocolLabel)"
        body += "<section class=\"session\" id=\"\(id)\" aria-label=\"\(HTML.text(heading))\">"
        body += folded ? "<details><summary>" : "<div>"
        body += "<h3 class=\"sh\">\(HTML.text(heading))</h3> <span class=\"verdict v-\(s.verdict.rawValue)\">\(HTML.text(s.verdictLine))</span>"
        body += folded ? "</summary>\n" : "\n"
        body += "<div class=\"pair\"><figure class=\"diagram\">"
            + LadderSVG(ladder: ladder, id: id).render()
            + "<figcaption>\(HTML.count(ladder.arrowCount)) control message\(ladder.arrowCount == 1 ? "" : "s") (retransmissions grouped), "
            + "client left, server right; arrows that stop were never answered.</figcaption></figure>\n"
        body += self.stages(s.ladder) + "</div>\n"
        body += "<h4>Findings</h4>\n" + self.findings(s.findings, scope: id, frames: ladder.drawnFrames)
        body += folded ? "</details>" : "</div>"
        body += "</section>\n"
    }

    func stages(_ ladder: [StageReport]) -> String {
        var out = "<ol class=\"stages\" aria-label=\"Stage ladder\">"
        for rung in ladder {
            let mark = switch rung.status {
            case .ok: "✔"
            case .failed: "✘"
            case .incomplete: "…"
            case .notReached: "·"
            case .notSeen: "–"
            case .notObservable: "◌"
            }
            let status = switch rung.status {
            case .ok: "done"
            case .failed: "failed"
            case .incomplete: "incomplete"
            case .notReached: "not reached"
            case .notSeen: "not in capture"
            case .notObservable: "inside encryption"
            }
            out += "<li class=\"st-\(rung.status.rawValue)\"><span class=\"mark\" aria-hidden=\"true\">\(mark)</span> "
                + "<b>\(HTML.text(rung.stage.title))</b> <span class=\"sr\">\(status)</span> \(HTML.text(rung.label))"
            if let d = rung.detail, rung.status != .notReached { out += "<br><small>\(HTML.text(d))</small>" }
            out += "</li>"
        }
        return out + "</ol>\n"
    }

    /// The findings as links; selecting one highlights its frames in the session's ladder.
    mutating func findings(_ findings: [FindingReport], scope: String, frames drawn: Set<Int>) -> String {
        guard !findings.isEmpty else { return "<p class=\"muted\">No findings.</p>\n" }
        var out = "<ul class=\"findings\">"
        for (n, f) in findings.enumerated() {
            let id = "\(scope)f\(n)"
            let frames = Set(f.evidence.flatMap(\.frames)).intersection(drawn).sorted()
            if !frames.isEmpty {
                self.highlightRules.append("#\(scope):has(#\(id):target) :is(" + frames.prefix(64).map { ".f\($0)" }.joined(separator: ",")
                                           + ")" + HTMLStyle.highlight)
            }
            out += "<li class=\"sev-\(f.severity.rawValue)\"><a class=\"finding\" id=\"\(id)\" href=\"#\(id)\">"
                + "<span class=\"tag\">\(f.severity.rawValue.uppercased())</span> \(HTML.text(f.summary)) <code>[\(HTML.text(f.rule.rawValue))]</code></a>"
            if let c = f.confidence { out += " <small>(inference, \(c.rawValue) confidence)</small>" }
            out += "<ul class=\"evidence\">"
            for e in f.evidence.prefix(6) {
                out += "<li>\(HTML.text(e.text))" + (e.frames.isEmpty ? "" : " <small>[frames \(LadderSVG.frameList(e.frames))]</small>") + "</li>"
            }
            out += "</ul>"
            if f.severity != .info || !f.advice.isEmpty {
                out += "<details class=\"why\"><summary>Why and what to do</summary><p>\(HTML.text(f.explanation))</p></details>"
            }
            if !f.advice.isEmpty {
                out += "<ul class=\"advice\">" + f.advice.map { "<li>\(HTML.text($0))</li>" }.joined() + "</ul>"
            }
            out += "</li>"
        }
        return out + "</ul>\n"
    }
}
