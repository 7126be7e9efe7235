import Foundation

/// Draws a `Ladder` as inline SVG: lifelines, one arrow per row, a time column on the left.
///
/// Every label sits on its own row, cut to fit between its arrow's ends (the whole text is in the
/// arrow's `<title>`), so no two labels can overlap whatever the capture says. Each arrow is a
/// focusable group (`tabindex`, in row order) whose `<title>` is what a screen reader reads and a
/// mouse shows; its classes name its frames (`f12`) so a finding can highlight them with CSS alone.
struct LadderSVG {
    let ladder: Ladder
    /// Prefix of the ids in this SVG (unique in the page).
    let id: String

    static let rowHeight = 34.0
    static let top = 52.0
    static let timeColumn = 96.0
    static let firstLane = 160.0
    static let laneGap = 400.0
    static let thirdPartyGap = 220.0
    /// Room right of the last lifeline, for its address.
    static let rightMargin = 110.0
    /// Average advance of the monospace label font (12 px), for cutting labels to fit.
    static let charWidth = 7.4

    func x(_ lane: Int) -> Double {
        lane < 2 ? Self.firstLane + Double(lane) * Self.laneGap : Self.firstLane + Self.laneGap + Double(lane - 1) * Self.thirdPartyGap
    }

    func render() -> String {
        let rows = self.ladder.rows
        let height = Self.top + Double(rows.count) * Self.rowHeight + 16
        let width = self.x(self.ladder.lifelines.count - 1) + Self.rightMargin
        var out = "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\""
            + " viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"group\" aria-label=\"Ladder diagram: \(rows.count) rows\">"
        out += "<line class=\"axis\" x1=\"\(Self.timeColumn - 6)\" y1=\"\(Self.top - 10)\" x2=\"\(Self.timeColumn - 6)\" y2=\"\(height - 8)\"/>"
        out += "<text class=\"head\" x=\"\(Self.timeColumn - 12)\" y=\"18\" text-anchor=\"end\">time</text>"
        for (i, lane) in self.ladder.lifelines.enumerated() {
            let x = self.x(i)
            out += "<text class=\"head\" x=\"\(x)\" y=\"18\" text-anchor=\"middle\">\(HTML.text(lane.title))</text>"
            out += "<text class=\"addr\" x=\"\(x)\" y=\"34\" text-anchor=\"middle\">\(HTML.text(Self.fit("\(lane.address)", width: 2 * Self.rightMargin, charWidth: 6.7)))</text>"
            out += "<line class=\"life\" x1=\"\(x)\" y1=\"\(Self.top - 10)\" x2=\"\(x)\" y2=\"\(height - 8)\"/>"
        }
        var previous: Double?
        for (n, row) in rows.enumerated() {
            let y = Self.top + Double(n) * Self.rowHeight + 20
            switch row {
            case .message(let m):
                out += self.arrow(m, y: y, index: n, previousTime: &previous)
            case .band(let b):
                out += self.band(b, y: y, index: n)
            case .omitted(let count):
                out += "<text class=\"gap\" x=\"\(self.x(0))\" y=\"\(y)\">⋯ \(HTML.count(count)) more rows not drawn (the JSON report has them all)</text>"
            }
        }
        return out + "</svg>"
    }

    func timeText(_ t: Double?, y: Double, previous: inout Double?) -> String {
        guard let t else { return "" }
        var out = "<text class=\"time\" x=\"\(Self.timeColumn - 12)\" y=\"\(y + 4)\" text-anchor=\"end\">+\(String(format: "%.3f", t - self.ladder.origin)) s</text>"
        // A pause of a second or more is marked on the axis: rows are not to time scale.
        if let p = previous, t - p >= 1 {
            out += "<text class=\"gap\" x=\"4\" y=\"\(y - 14)\">⋮ \(String(format: "%.1f", t - p)) s</text>"
        }
        previous = t
        return out
    }

    func arrow(_ m: Ladder.Message, y: Double, index: Int, previousTime: inout Double?) -> String {
        let x1 = self.x(m.from), x2full = self.x(m.to)
        let direction = x2full > x1 ? 1.0 : -1.0
        // An unanswered request stops part-way: nothing shows it arrived.
        let x2 = m.unanswered ? x1 + (x2full - x1) * 0.6 : x2full
        let classes = (["msg"] + (m.unanswered ? ["lost"] : []) + m.frames.map { "f\($0)" }).joined(separator: " ")
        let label = m.label + (m.frames.count > 1 ? " ×\(m.frames.count)" : "")
        // Below the arrow: how often it was repeated and what never came.
        let note = [m.frames.count > 1 ? Self.intervals(m.times) : "", m.unanswered ? m.missing : ""].filter { !$0.isEmpty }.joined(separator: " — ")
        var title = [label + (note.isEmpty ? "" : " (\(note))"), "frame\(m.frames.count > 1 ? "s" : "") " + Self.frameList(m.frames)]
        if let t = m.times.first ?? nil { title.append(String(format: "at %.6f s", t)) }
        title += m.fields
        var out = "<g class=\"\(classes)\" id=\"\(self.id)-r\(index)\" tabindex=\"0\"><title>\(HTML.lines(title))</title>"
        out += self.timeText(m.times.first ?? nil, y: y, previous: &previousTime)
        out += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\"/>"
        if m.unanswered {
            out += "<path class=\"stop\" d=\"M\(x2 - 5) \(y - 5)l10 10m0 -10l-10 10\"/>"
        } else {
            out += "<path class=\"head\" d=\"M\(x2) \(y)l\(-8 * direction) -4v8z\"/>"
        }
        let width = abs(x2full - x1) - 16
        let mid = (x1 + x2full) / 2
        out += "<text class=\"lbl\" x=\"\(mid)\" y=\"\(y - 6)\" text-anchor=\"middle\">\(HTML.text(Self.fit(label, width: width)))</text>"
        if !note.isEmpty {
            // After the frame number ("#1536339" in a gateway capture), in the same 10 px font.
            let offset = 14 + Double("#\(m.frames[0])".count) * 6.2
            out += "<text class=\"note\" x=\"\(x1 + offset * direction)\" y=\"\(y + 13)\" text-anchor=\"\(direction > 0 ? "start" : "end")\">"
                + "\(HTML.text(Self.fit(note, width: width - offset, charWidth: 6.2)))</text>"
        }
        out += "<text class=\"fr\" x=\"\(x1 + 6 * direction)\" y=\"\(y + 13)\" text-anchor=\"\(direction > 0 ? "start" : "end")\">#\(m.frames[0])</text>"
        return out + "</g>"
    }

    func band(_ b: Ladder.Band, y: Double, index: Int) -> String {
        let x1 = self.x(0), x2 = self.x(1)
        let classes = (["band"] + (b.toServer == 0 || b.toClient == 0 ? ["oneway"] : []) + b.frames.map { "f\($0)" }).joined(separator: " ")
        let label = "\(b.label) \(HTML.count(b.toServer)) → / \(HTML.count(b.toClient)) ←"
        var title = [label + " packets (client → server / server → client)"]
        if let s = b.start, let e = b.end { title.append(String(format: "from %.3f s to %.3f s", s, e)) }
        if !b.frames.isEmpty { title.append("frames " + Self.frameList(b.frames) + " (first and last of each direction)") }
        var out = "<g class=\"\(classes)\" id=\"\(self.id)-r\(index)\" tabindex=\"0\"><title>\(HTML.lines(title))</title>"
        out += "<rect x=\"\(x1)\" y=\"\(y - 14)\" width=\"\(x2 - x1)\" height=\"22\" rx=\"4\"/>"
        out += "<text class=\"lbl\" x=\"\((x1 + x2) / 2)\" y=\"\(y + 2)\" text-anchor=\"middle\">\(HTML.text(label))</text>"
        return out + "</g>"
    }

    /// "1.0, 2.0 s apart": the gaps between retransmissions ("" when their times are unknown).
    static func intervals(_ times: [Double?]) -> String {
        let known = times.compactMap { $0 }
        guard known.count > 1 else { return "" }
        let gaps = zip(known.dropFirst(), known).map { String(format: "%.1f", $0 - $1) }
        let shown = gaps.count > 4 ? gaps.prefix(4).joined(separator: ", ") + ", …" : gaps.joined(separator: ", ")
        return "\(shown) s apart"
    }

    static func frameList(_ frames: [Int]) -> String {
        let list = frames.prefix(12).map(String.init).joined(separator: ", ")
        return frames.count > 12 ? list + ", …" : list
    }

    /// `text` cut with "…" to about `width` pixels of label font.
    static func fit(_ text: String, width: Double, charWidth: Double = Self.charWidth) -> String {
        let room = max(4, Int(width / charWidth))
        return text.count <= room ? text : String(text.prefix(room - 1)) + "…"
    }
}
