import ArgumentParser
import Capture
import Decoding
import Diagnosis
import Engine
import Foundation
import Reporting
import Sessions

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `vpndoctor watch`: a live capture that shows each VPN attempt climb its stage ladder while the
/// user clicks "Connect", then prints the same report as `analyze`.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Capture live from an interface and show each VPN attempt stage by stage as it happens.",
        discussion: """
            Needs root, or the capture capabilities on the binary: \
            sudo setcap cap_net_raw,cap_net_admin=eip $(command -v vpndoctor). \
            Without --filter it captures only VPN traffic (IKE, NAT-T, L2TP, PPTP, ESP, AH, GRE), \
            ICMP and DNS, to and from --server when given. Ctrl-C stops and prints the report. \
            With --json it prints NDJSON: one object per line per stage change and new finding, \
            then the report as one line (schema: Schemas/report-v2.schema.json).

            """ + Examples.watch)

    @Option(name: [.short, .long], help: ArgumentHelp("Interface to capture on (see 'vpndoctor interfaces').", valueName: "name"),
            completion: Completions.interfaces)
    var interface: String

    @Option(name: .long, help: ArgumentHelp("Watch only traffic to or from this VPN server.", valueName: "ip"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("A BPF expression replacing the built-in VPN filter.", valueName: "expr"))
    var filter: String?

    @Option(name: .long, help: ArgumentHelp("Stop after this long (e.g. 30s, 2m, 1h; plain seconds too).", valueName: "time"))
    var duration: String?

    @Option(name: .long, help: ArgumentHelp("Save the captured packets to this pcap file.", valueName: "file"))
    var write: String?

    @Option(name: .long, help: ArgumentHelp("Once the interface is open, drop to this user and group (like tcpdump -Z).", valueName: "user"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp(
        "The kernel buffer that holds packets until they are read (e.g. 64M; K, M, G are 1024-based; 64K to 1G).",
        discussion: "Default: 8M when drawing a terminal, 64M otherwise (--json or a pipe: fast traffic, no one to pause for).",
        valueName: "size"))
    var bufferSize: String?

    @Option(name: .long, help: ArgumentHelp("At the end, also write the report as one self-contained HTML page to this file.", valueName: "file"))
    var html: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var diagnosis: DiagnosisOptions
    @OptionGroup var keys: KeyOptions

    var serverAddress: IPAddress? { self.server.flatMap(IPAddress.init) }

    func validate() throws {
        if let server = self.server, IPAddress(server) == nil {
            throw ValidationError("--server '\(server)' is not an IPv4 or IPv6 address")
        }
        if let duration = self.duration, Self.parseDuration(duration) == nil {
            throw ValidationError("--duration '\(duration)' is not a time from 0.001s to 720h (such as 30s, 2m or 1h)")
        }
        if let size = self.bufferSize, Self.parseSize(size) == nil {
            throw ValidationError("--buffer-size '\(size)' is not a size from 64K to 1G (such as 512K, 64M or 1G)")
        }
    }

    /// The kernel buffer when not given: a terminal view is for a person following an attempt
    /// (a few packets a second); otherwise the output may be fed by a busy link, and a larger
    /// buffer rides out a judgement that takes longer than usual.
    static func defaultBufferSize(terminal: Bool) -> Int { terminal ? 8 << 20 : 64 << 20 }

    /// `64M`, `512K`, `1G` (1024-based) or plain bytes, within `LiveCapture.bufferSizes`; nil otherwise.
    static func parseSize(_ text: String) -> Int? {
        var digits = Substring(text)
        var shift = 0
        switch digits.last {
        case "K", "k": shift = 10
        case "M", "m": shift = 20
        case "G", "g": shift = 30
        default: break
        }
        if shift > 0 { digits = digits.dropLast() }
        guard let value = Int(digits), value >= 0, value <= LiveCapture.bufferSizes.upperBound >> shift else { return nil }
        return LiveCapture.bufferSizes.contains(value << shift) ? value << shift : nil
    }

    /// The longest `--duration`, 30 days (720h): long enough to wait for an intermittent failure,
    /// far from where the milliseconds or the deadline (now + duration) would overflow and trap.
    static let longestDuration = 30 * 86_400.0

    /// `30s`, `2m`, `1h`, `1.5s` or plain seconds, from 1 ms to `longestDuration`; nil otherwise
    /// (not a number, not finite, too short or too long).
    static func parseDuration(_ text: String) -> Duration? {
        var number = Substring(text)
        var scale = 1.0
        if let last = number.last, last.isLetter {
            switch last {
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            number = number.dropLast()
        }
        guard let value = Double(number) else { return nil }
        let seconds = value * scale
        guard seconds >= 0.001, seconds <= Self.longestDuration else { return nil }  // NaN fails both
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The built-in capture filter: every `ProtocolRegistry` entry (its VPN ones to or from `server`),
    /// and ICMP, which reports what became of them; untagged or behind one VLAN tag. WireGuard is
    /// caught on any UDP port by its bytes, TLS only by the segments its reader needs (each filter
    /// is written beside its recognition rule).
    static func vpnFilter(server: IPAddress?) -> String {
        func bpf(_ entry: ProtocolRegistry.Entry) -> String {
            switch (entry.carrier, entry.service) {
            case (.udp, .wireguard): WireGuard.captureFilter
            case (.tcp(let port), .tls): TLSRecord.captureFilter(port: port)
            case (.udp(let port), _): "udp port \(port)"
            case (.tcp(let port), _): "tcp port \(port)"
            case (.ip(let p), _): "ip proto \(p.rawValue) or ip6 proto \(p.rawValue)"
            }
        }
        let vpn = ProtocolRegistry.entries.filter(\.isVPN).map(bpf).joined(separator: " or ")
        let others = (ProtocolRegistry.entries.filter { !$0.isVPN }.map(bpf) + ["icmp", "icmp6"])
            .joined(separator: " or ")
        let filter = server.map { "(host \($0) and (\(vpn))) or \(others)" } ?? "\(vpn) or \(others)"
        // The same behind one 802.1Q tag (a trunk port, or a capture that keeps tags).
        return "\(filter) or (vlan and (\(filter)))"
    }

    func run() throws {
        let filter = self.filter ?? Self.vpnFilter(server: self.serverAddress)
        let terminal = isatty(STDOUT_FILENO) != 0 && !self.output.json
        let capture: LiveCapture
        do {
            // Immediate delivery only for a person watching; otherwise the kernel hands frames
            // over a block at a time (or after 100 ms), far fewer wake-ups at high rates.
            capture = try LiveCapture(interface: self.interface, filter: filter,
                                      duration: self.duration.flatMap(Self.parseDuration),
                                      bufferSize: self.bufferSize.flatMap(Self.parseSize) ?? Self.defaultBufferSize(terminal: terminal),
                                      immediate: terminal)
        } catch {
            printError(error.description)
            throw ExitCode(ExitStatus.usageOrInput)
        }
        if let user = self.user {
            do {
                _ = try Privileges.drop(to: user)
            } catch {
                printError("--user: \(error)")
                throw ExitCode(ExitStatus.usageOrInput)
            }
        }
        // Created only now, so that with --user the file is never written as root.
        let writer: PcapWriter?
        do {
            writer = try self.write.map { path throws(CaptureError) in try PcapWriter(path: path, linkType: capture.linkType) }
        } catch {
            printError(error.description)
            throw ExitCode(ExitStatus.usageOrInput)
        }
        StopSignals.install()

        var view = LiveView(interface: self.interface, terminal: terminal, json: self.output.json, color: self.output.useColor)
        var observer = Engine.Observer(judged: { analysis, judgement in
            view.update(analysis: analysis, findings: judgement.findings, packets: analysis.capture.packets)
        })
        if let writer {
            // A write that failed ends the watch: what is captured after it would be lost.
            observer.captured = { frame in
                writer.write(frame)
                return writer.failure == nil
            }
        }
        var engine = Engine(options: AnalysisOptions(server: self.serverAddress), ignoring: Set(self.diagnosis.ignore))
        engine.decrypter = try self.keys.decrypter()
        let outcome = engine.run(capture, observer)
        outcome.printKeyNotes()
        let failure = outcome.error
        var writeFailure: CaptureError?
        do {
            try writer?.close()
        } catch {
            writeFailure = error
        }
        view.close()
        let metadata = CaptureMetadata(file: self.interface, format: "live", linkType: capture.linkType,
                                       error: failure?.description)
        let report = Report(capture: metadata, analysis: outcome.analysis, judgement: outcome.judgement)
        if self.output.json {
            print(WatchEvent.line(WatchEvent.report(report, evidence: self.diagnosis.evidence)), terminator: "")
        } else {
            print(TextRenderer.render([report], color: self.output.useColor, verbose: self.diagnosis.verbose), terminator: "")
        }
        if let stats = capture.statistics, stats.dropped > 0 || stats.interfaceDropped > 0 {
            printError("warning: the capture lost packets (kernel dropped \(stats.dropped), interface dropped "
                       + "\(stats.interfaceDropped)): the report may miss parts of the exchange")
        }
        let htmlFailed = self.html.map { !HTMLOutput.write([report], to: $0, inputs: []) } ?? false
        if let writeFailure { printError(writeFailure.description) }
        if let failure { printError(failure.description) }
        if failure != nil || writeFailure != nil || htmlFailed { throw ExitCode(ExitStatus.usageOrInput) }
        if report.exitCode != ExitStatus.healthy { throw ExitCode(report.exitCode) }
    }
}

/// What `watch` shows while it runs: a redrawn status view on a terminal, otherwise one line (or
/// one JSON object) per stage change and per new finding.
struct LiveView {
    let interface: String
    let terminal: Bool
    let json: Bool
    let color: Bool
    /// Last printed status of each session's stages, and the findings already printed.
    private var stages: [String: StageStatus] = [:]
    private var findings: Set<String> = []

    init(interface: String, terminal: Bool, json: Bool, color: Bool) {
        self.interface = interface
        self.terminal = terminal
        self.json = json
        self.color = color
        if terminal { print(Self.clearScreen + TerminalText.escape("watching \(interface)… (Ctrl-C to stop)")) }
    }

    mutating func update(analysis: Analysis, findings: [Finding], packets: Int) {
        if self.terminal {
            self.redraw(analysis: analysis, findings: findings, packets: packets)
            return
        }
        for session in analysis.sessions {
            for rung in session.ladder where rung.status != .notReached && rung.status != .notSeen {
                let key = "\(session.id) \(rung.stage.rawValue)"
                guard self.stages[key] != rung.status else { continue }
                self.stages[key] = rung.status
                self.emitStage(session: session, rung: rung)
            }
        }
        for finding in findings {
            let key = "\(finding.session ?? 0) \(finding.rule.rawValue)"
            guard self.findings.insert(key).inserted else { continue }
            self.emitFinding(finding)
        }
        fflush(nil)  // all streams: stdout itself is not concurrency-safe to name
    }

    private func emitStage(session: Session, rung: StageResult) {
        if self.json {
            print(WatchEvent.line(WatchEvent.stage(session, rung)), terminator: "")
        } else {
            print(Self.stageLine(session: session, rung: rung))
        }
    }

    /// Line mode: one stage change, escaped for the terminal.
    static func stageLine(session: Session, rung: StageResult) -> String {
        let frames = rung.frames.isEmpty ? "" : " (frames \(rung.frames.prefix(6).map(String.init).joined(separator: ",")))"
        return TerminalText.escape("[\(session.id)] \(session.client) ⇄ \(session.server) \(session.protocolLabel): "
                                   + "\(Self.mark(rung.status)) \(rung.stage.title) \(rung.label)\(frames)")
    }

    private func emitFinding(_ finding: Finding) {
        if self.json {
            print(WatchEvent.line(WatchEvent.finding(finding)), terminator: "")
        } else {
            print(Self.findingLine(finding))
        }
    }

    /// Line mode: one new finding, escaped for the terminal.
    static func findingLine(_ finding: Finding) -> String {
        let session = finding.session.map { "[\($0)] " } ?? ""
        return TerminalText.escape("\(session)\(finding.severity.rawValue): \(finding.summary) (\(finding.rule.rawValue))")
    }

    private func redraw(analysis: Analysis, findings: [Finding], packets: Int) {
        print(Self.clearScreen + Self.screen(interface: self.interface, analysis: analysis, findings: findings, packets: packets, color: self.color)
            .joined(separator: "\n"))
        fflush(nil)  // all streams: stdout itself is not concurrency-safe to name
    }

    /// ESC [2J ESC [H: clear the terminal and go home, before each redraw.
    static let clearScreen = "\u{1B}[2J\u{1B}[H"

    /// The terminal view's lines (after `clearScreen`), each escaped for the terminal. Per session the
    /// most severe finding (not the newest, which is often an info line), in colour when `color`;
    /// its reason also stands beside the failed stage's ✘.
    static func screen(interface: String, analysis: Analysis, findings: [Finding], packets: Int, color: Bool = false) -> [String] {
        func paint(_ text: String, _ code: String) -> String {
            color ? "\u{1B}[\(code)m" + TerminalText.escape(text) + "\u{1B}[0m" : TerminalText.escape(text)
        }
        var lines = ["watching \(interface): \(packets) packet\(packets == 1 ? "" : "s") (Ctrl-C to stop)", ""].map(TerminalText.escape)
        if analysis.sessions.isEmpty { lines.append("no VPN attempt seen yet") }
        for session in analysis.sessions {
            let toServer = session.flows.reduce(0) { $0 + ($1.a.address == session.client ? $1.aToB.packets : $1.bToA.packets) }
            let toClient = session.flows.reduce(0) { $0 + ($1.a.address == session.client ? $1.bToA.packets : $1.aToB.packets) }
            lines.append(TerminalText.escape("\(session.client) ⇄ \(session.server)  \(session.protocolLabel)  →\(toServer) ←\(toClient)"))
            // The first of the most severe: findings come in the judge's order.
            let severest = findings.filter { $0.session == session.id }.max { $0.severity < $1.severity }
            for rung in session.ladder where rung.status != .notSeen {
                let line = "  \(Self.mark(rung.status)) \(rung.stage.title)  \(rung.label)"
                if rung.status == .failed, let reason = severest?.severity == .error ? severest?.summary : rung.detail {
                    lines.append(paint(line, "31") + TerminalText.escape("  — \(reason)"))
                } else {
                    lines.append(TerminalText.escape(line))
                }
            }
            if let f = severest {
                lines.append(paint("  \(f.severity.rawValue): \(f.summary)", f.severity == .error ? "31" : f.severity == .warning ? "33" : "36"))
            }
            lines.append("")
        }
        return lines
    }

    func close() {
        if self.terminal { print("") }
    }

    static func mark(_ status: StageStatus) -> String {
        switch status {
        case .ok: "✔"
        case .failed: "✘"
        case .incomplete: "…"
        case .notReached, .notSeen: "·"
        case .notObservable: "?"
        }
    }
}
