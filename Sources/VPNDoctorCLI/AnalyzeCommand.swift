import ArgumentParser
import Capture
import Decoding
import Diagnosis
import Engine
import Foundation
import Reporting
import Sessions

/// `vpndoctor analyze`: the main job.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Diagnose the VPN connection attempts in one or more captures (the default command).",
        discussion: "Each file is analyzed on its own; captures of one attempt from several places (they share packets, or --vantage names them) are also reported together: where each lost packet died, clocks and NAT between them.\n\n"
            + Examples.analyze)

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var diagnosis: DiagnosisOptions
    @OptionGroup var keys: KeyOptions

    @Option(name: .long, help: ArgumentHelp("Also save the analyzed packets (those of --server, when given) to this pcap file.", valueName: "file"))
    var write: String?

    @Option(name: .long, help: ArgumentHelp(
        "Name the vantage point of a file (repeatable): client, server, or a point between (router-inside…).",
        discussion: "Files that share packets are joined as one attempt without it; named files are always joined.", valueName: "name=file"))
    var vantage: [String] = []
    @Option(name: .long, help: ArgumentHelp("Also write the report as one self-contained HTML page (ladder diagrams) to this file.", valueName: "file"),
            completion: .file(extensions: ["html"]))
    var html: String?

    func validate() throws {
        do {
            _ = try VantageInput.names(self.vantage, files: self.input.files)
        } catch {
            throw ValidationError(error.message)
        }
        if self.write != nil, self.input.files.count > 1 {
            throw ValidationError("--write takes one input file")
        }
    }

    func run() throws {
        StopSignals.install()
        let reader = CaptureReader(options: self.input)
        let decrypter = try self.keys.decrypter()
        var reports: [Report] = []
        var inputFailed = false
        var writeFailure: CaptureError?
        var vantages = VantageInput(names: (try? VantageInput.names(self.vantage, files: self.input.files)) ?? [:])
        // Joined with other files, standard input is read twice: kept in a file of its own first.
        var stdin: StdinSpool?
        if self.input.files.count > 1, self.input.files.contains("-") {
            do {
                stdin = try StdinSpool()
            } catch {
                printError(error.description)
                throw ExitCode(ExitStatus.usageOrInput)
            }
        }
        for path in self.input.files where !StopRequest.isRequested {
            let file: PcapFile
            let source = path == "-" ? stdin?.path ?? path : path
            do {
                file = try reader.open(source)
            } catch {
                printError(error.description)
                inputFailed = true
                continue
            }
            let writer: PcapWriter?
            do {
                writer = try self.write.map { output throws(CaptureError) in
                    try PcapWriter(path: output, linkType: file.linkType, inputs: self.input.files)
                }
            } catch {
                printError(error.description)
                throw ExitCode(ExitStatus.usageOrInput)
            }
            let server = self.input.serverAddress
            let progress = Progress(total: file.fileSize, enabled: !self.output.quiet)
            var observer = Engine.Observer(progress: progress.show(position:))
            if let writer {
                observer.analyzed = { frame, reading, packet, _ in
                    let involved = switch reading {
                    case .dataPlane(let source, let destination): server.map { source == $0 || destination == $0 } ?? true
                    case .decoded: server.map { packet.involves($0) } ?? true
                    }
                    if involved { writer.write(frame) }
                }
            }
            var engine = Engine(options: self.input.analysisOptions, ignoring: Set(self.diagnosis.ignore))
            engine.decrypter = decrypter
            let outcome = engine.run(file, observer)
            outcome.printKeyNotes()
            progress.finish()
            if outcome.error != nil { inputFailed = true }
            do {
                try writer?.close()
            } catch {
                writeFailure = error
            }
            let metadata = CaptureMetadata(file: path, format: file.format.rawValue, linkType: file.linkType,
                                           error: outcome.error?.description, interrupted: StopRequest.isRequested)
            reports.append(Report(capture: metadata, analysis: outcome.analysis, judgement: outcome.judgement))
            if self.input.files.count > 1 {
                vantages.add(path, from: source, reader: reader, analysis: outcome.analysis, judgement: outcome.judgement)
            }
        }
        let joint = vantages.join(ignoring: Set(self.diagnosis.ignore))
        if !reports.isEmpty {
            if self.output.json {
                JSONRenderer.write(reports, evidence: self.diagnosis.evidence, joint: joint, to: writeStandardOutput)
            } else if self.output.quiet {
                print(TextRenderer.renderQuiet(reports, color: self.output.useColor), terminator: "")
            } else {
                print(TextRenderer.render(reports, color: self.output.useColor, verbose: self.diagnosis.verbose, joint: joint), terminator: "")
            }
        }
        if let html = self.html, !HTMLOutput.write(reports, joint: joint, to: html, inputs: self.input.files) { inputFailed = true }
        // The damage line goes last so it is the one line a script or a person sees at the end.
        for report in reports {
            if let error = report.capture.error { printError(error) }
            if report.capture.interrupted == true {
                printError("\(report.capture.file): interrupted after \(report.capture.packets) frames: reported what was read")
            }
        }
        if let writeFailure { printError(writeFailure.description) }
        if inputFailed || writeFailure != nil { throw ExitCode(ExitStatus.usageOrInput) }
        let jointFailed = joint.contains { $0.sessions.contains { $0.findings.contains { $0.severity == .error } } }
        let worst = (reports.map(\.exitCode) + (jointFailed ? [ExitStatus.problemFound] : [])).max() ?? ExitStatus.healthy
        if worst != ExitStatus.healthy { throw ExitCode(worst) }
    }
}

/// How the diagnosis is done and shown.
struct DiagnosisOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Show every piece of evidence behind each finding.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Do not run this rule (repeatable; see 'vpndoctor rules').", valueName: "rule-id"),
            completion: Completions.ruleIDs)
    var ignore: [String] = []

    @Flag(name: .long, help: ArgumentHelp(
        "With --json: add each session's evidence (IKE SAs and messages, ESP per SPI, GRE per call ID, PPTP/L2TP/PPP, DNS, ICMP errors, NAT).",
        discussion: "Without it the JSON report carries the summary: sessions, stage ladder, findings and flows (schema: Schemas/report-v2.schema.json)."))
    var evidence = false

    func validate() throws {
        let known = Set(DiagnosisEngine.ruleInfos.map(\.id.rawValue))
        for id in self.ignore where !known.contains(id) {
            throw ValidationError("--ignore '\(id)' is not a rule id (see 'vpndoctor rules')." + Suggestion.hint(id, in: Suggestion.ruleIDs))
        }
    }
}
