import Diagnosis
import Foundation
import Sessions

/// A report as text a network engineer reads in 30 seconds: one block per session (who, verdict,
/// stage ladder, findings with advice). Pure.
///
/// Every string shown goes through `TerminalText.escape` here, where it enters the text (`paint`
/// and `safe`), so no rule or tracker that quotes a capture has to remember it.
public enum TextRenderer {
    /// `joint`: the captures joined as one attempt (`VantageJoin`), each a section after the reports.
    public static func render(_ reports: [Report], color: Bool, verbose: Bool, joint: [JointAttempt] = []) -> String {
        let renderer = Renderer(color: color, verbose: verbose)
        return (reports.map(renderer.render) + joint.map(renderer.joint)).joined(separator: "\n")
    }
}

struct Renderer {
    let color: Bool
    let verbose: Bool

    enum Style: String { case red = "31", green = "32", yellow = "33", dim = "2", bold = "1", cyan = "36" }

    /// `text`, escaped for the terminal, in `style` when colour is on.
    func paint(_ text: String, _ style: Style) -> String {
        let text = self.safe(text)
        return self.color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// `text` escaped for the terminal, uncoloured.
    func safe(_ text: String) -> String { TerminalText.escape(text) }

    func render(_ r: Report) -> String {
        var out: [String] = []
        let c = r.capture
        out.append(self.paint(c.file, .bold) + self.safe(" — \(c.format), \(c.linkType), \(c.packets) packet\(c.packets == 1 ? "" : "s"), \(Self.seconds(c.duration))"
                   + (r.server.map { ", server \($0)" } ?? "")))
        if let error = c.error { out.append(self.paint("  capture file error: \(error) (analysed the frames before it)", .yellow)) }
        if c.interrupted == true { out.append(self.paint("  read interrupted (Ctrl-C or SIGTERM): analysed the frames read before it", .yellow)) }
        if r.sessions.isEmpty {
            let line = r.verdict == .failed ? "FAILED before any VPN session started (see below)" : "INCOMPLETE — no VPN session in the capture"
            out.append("  " + self.paint(line, r.verdict == .failed ? .red : .yellow))
        }
        out += self.groups(r)
        for s in r.sessions { out += [""] + self.session(s) }
        if !r.captureFindings.isEmpty {
            out.append("")
            out.append(self.paint("Capture", .bold))
            for f in r.captureFindings { out += self.finding(f) }
        }
        if self.verbose { out += [""] + self.captureDetails(r) }
        return out.joined(separator: "\n") + "\n"
    }

    func session(_ s: Report.SessionReport) -> [String] {
        var out: [String] = []
        out.append(self.paint("Session \(s.id): \(s.client) ⇄ \(s.server)  \(s.protocolLabel)", .bold)
                   + self.paint(s.rolesFrom == "--server" ? "  (server as given by --server)" : "  (client = \(s.rolesFrom))", .dim))
        let verdictStyle: Style = s.verdict == .connected ? .green : s.verdict == .failed ? .red : .yellow
        out.append("  " + self.paint(s.verdictLine, verdictStyle))
        for rung in s.ladder where self.verbose || !(rung.status == .notSeen && [.nameResolution, .reachability].contains(rung.stage)) {
            out.append("  " + self.rung(rung))
        }
        let shown = self.verbose ? s.findings : s.findings.filter { $0.severity != .info || $0.rule.rawValue == "healthy" || s.findings.count <= 4 }
        if !shown.isEmpty { out.append("") }
        for f in shown { out += self.finding(f) }
        if shown.count < s.findings.count {
            out.append(self.paint("  (+\(s.findings.count - shown.count) info finding(s); --verbose shows them)", .dim))
        }
        if self.verbose { out += self.sessionDetails(s.evidence) }
        return out
    }

    func rung(_ r: StageResult) -> String {
        let (mark, style): (String, Style) = switch r.status {
        case .ok: ("✔", .green)
        case .failed: ("✘", .red)
        case .incomplete: ("…", .yellow)
        case .notReached: ("·", .dim)
        case .notSeen: ("–", .dim)
        case .notObservable: ("◌", .dim)
        }
        // One string with room for the whole line, appended to: concatenating grew it piece by piece.
        var line = ""
        line.reserveCapacity(192)
        line += self.paint(mark, style)
        line += " "
        line += Self.column(self.safe(r.stage.title), 24)
        line += " "
        line += Self.column(self.safe(r.label), 24)
        switch r.status {
        case .notReached: line += self.paint(" not reached", .dim)
        case .notSeen: line += self.paint(" not in capture", .dim)
        case .notObservable: line += self.paint(" inside encryption (not visible)", .dim)
        default:
            if !r.frames.isEmpty {
                line += " frames "
                line += Self.frames(r.frames)
            }
            if let start = r.start {
                let end = r.end ?? start
                line += "  "
                line += Self.time(start)
                if end > start {
                    line += "–"
                    line += Self.time(end)
                }
            }
        }
        if let detail = r.detail, r.status != .notReached {
            let gap = r.frames.isEmpty && r.start == nil ? " " : "  "
            line += self.paint(gap + detail, r.status == .ok ? .dim : style)
        }
        return line
    }

    func finding(_ f: Finding) -> [String] {
        let (tag, style): (String, Style) = switch f.severity {
        case .error: ("ERROR", .red)
        case .warning: ("WARN ", .yellow)
        case .info: ("INFO ", .cyan)
        }
        var out = ["  " + self.paint(tag, style) + " " + self.safe(f.summary) + self.paint("  [\(f.rule)]", .dim)
                   + (f.confidence.map { self.paint($0 == .certain ? " (decrypted: certain)" : " (inference, \($0.rawValue) confidence)", .dim) } ?? "")]
        let evidence = self.verbose ? f.evidence : Array(f.evidence.prefix(2))
        for e in evidence {
            out.append("        " + self.paint("· \(e.text)" + (e.frames.isEmpty ? "" : " [frames \(Self.frames(e.frames))]"), .dim))
        }
        if self.verbose {
            out.append("        " + self.safe(f.explanation))
        }
        let advice = self.verbose ? f.advice : Array(f.advice.prefix(f.severity == .info ? 0 : 2))
        for a in advice { out.append("        → " + self.safe(a)) }
        return out
    }

    func sessionDetails(_ s: Session) -> [String] {
        var out: [String] = ["", "  Evidence"]
        for sa in s.ike {
            out.append("    IKEv\(sa.version) SA \(Self.hex(sa.initiatorSPI))/\(Self.hex(sa.responderSPI)) \(sa.initiator) → \(sa.responder)"
                       + (sa.lastCompleted.map { ", last completed \($0)" } ?? ""))
            for m in sa.messages {
                let arrow = m.fromInitiator ? "→" : "←"
                var line = "      #\(m.frame) \(Self.time(m.time)) \(arrow) \(m.step) len=\(m.length)"
                if m.encrypted { line += " enc" }
                if !m.notifyNames.isEmpty { line += " N(\(m.notifyNames.joined(separator: ",")))" }
                if let r = m.retransmissionOf { line += " retransmit of #\(r)" }
                if !m.ipFragments.isEmpty { line += " IP fragments \(Self.frames(m.ipFragments))" }
                if m.onNATTPort { line += " [4500]" }
                out.append(line)
            }
        }
        for e in s.esp {
            out.append("    \(e.isAH ? "AH" : "ESP") SPI \(e.spiHex) \(e.source) → \(e.destination): \(e.traffic.packets) pkts, \(e.traffic.bytes) bytes"
                       + (e.udpEncapsulated ? ", UDP-encapsulated" : "") + (e.missing > 0 ? ", \(e.missing) missing seq" : ""))
        }
        for g in s.gre {
            out.append("    GRE call \(g.callID) \(g.source) → \(g.destination): \(g.traffic.packets) pkts")
        }
        for f in s.flows {
            out.append("    \(f.label) \(f.a) → \(f.b): \(f.aToB.packets) pkts; \(f.b) → \(f.a): \(f.bToA.packets) pkts")
        }
        if let nat = s.nat { for d in nat.details { out.append("    NAT: \(d)") } }
        return out.map(self.safe)  // no colour in these lines
    }

    func captureDetails(_ r: Report) -> [String] {
        var out = ["  Protocols: " + r.capture.protocols.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
        if !r.capture.decodeStops.isEmpty {
            out.append("  Decode stops: " + r.capture.decodeStops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return out.map(self.safe)  // no colour in these lines
    }

    /// "1,2,3" (the first eight, then ",…"), written into one string.
    static func frames(_ frames: [Int]) -> String {
        var list = ""
        for (i, frame) in frames.prefix(8).enumerated() {
            if i > 0 { list += "," }
            list += String(frame)
        }
        return frames.count > 8 ? list + ",…" : list
    }

    /// `text` cut or padded with spaces to `width` UTF-16 units: what Foundation's
    /// `padding(toLength:withPad:startingAt:)` returns (a cut inside a surrogate pair leaves U+FFFD
    /// there too), without its NSString round trip (≈19,000 instructions a call, 5 per session).
    static func column(_ text: String, _ width: Int) -> String {
        let count = text.utf16.count
        if count <= width { return width - count < Self.spaces.count ? text + Self.spaces[width - count] : text + String(repeating: " ", count: width - count) }
        return String(decoding: Array(text.utf16.prefix(width)), as: UTF16.self)
    }

    /// Runs of 0…24 spaces, made once.
    static let spaces = (0...24).map { String(repeating: " ", count: $0) }

    static func time(_ t: Double) -> String { Printf.fixed(t, 3) + "s" }
    static func seconds(_ t: Double) -> String { Printf.fixed(t, 1) + " s" }
    static func hex(_ v: UInt64) -> String { String(format: "%016llx", v) }
}
