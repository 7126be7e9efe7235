import ArgumentParser
import Capture
import Decoding
import Foundation

/// `vpndoctor analyze`: the main job.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Diagnose the VPN connection attempts in one or more captures (the default command).")

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let reader = CaptureReader(options: self.input)
        var summaries: [CaptureSummary] = []
        var failed = false
        for path in self.input.files {
            let file: PcapFile
            do {
                file = try reader.open(path)
            } catch {
                printError(error.description)
                failed = true
                continue
            }
            var summary = CaptureSummary(file: path, format: file.format.rawValue, linkType: file.linkType)
            do {
                try reader.forEachPacket(in: file) { packet in summary.add(packet) }
            } catch {
                summary.error = error.description
                printError(error.description)
                failed = true
            }
            summaries.append(summary)
        }
        if self.output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summaries), as: UTF8.self))
        } else if !summaries.isEmpty {
            print(summaries.map(\.text).joined(separator: "\n\n"))
        }
        if failed { throw ExitCode(ExitStatus.usageOrInput) }
    }
}

/// What a capture holds: packets, link type, protocols, time span.
struct CaptureSummary: Encodable {
    var file: String
    var format: String
    var linkType: LinkType
    var packets = 0
    var bytes = 0
    var first: Timestamp?
    var last: Timestamp?
    var protocols: [String: Int] = [:]
    var stops: [String: Int] = [:]
    var error: String?

    init(file: String, format: String, linkType: LinkType) {
        self.file = file
        self.format = format
        self.linkType = linkType
    }

    mutating func add(_ packet: DecodedPacket) {
        self.packets += 1
        self.bytes += packet.frame.originalLength
        if self.first == nil { self.first = packet.frame.timestamp }
        self.last = packet.frame.timestamp
        for layer in packet.layers { self.protocols[layer.kind.rawValue, default: 0] += 1 }
        if let stop = packet.stop { self.stops[stop.reason.rawValue, default: 0] += 1 }
    }

    var text: String {
        var lines = ["\(self.file): \(self.format), link type \(self.linkType), \(self.packets) packets, \(self.bytes) bytes"]
        if let first = self.first, let last = self.last {
            lines.append("  time span: \(String(format: "%.6f", last.seconds(since: first))) s")
        }
        let protocols = self.protocols.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        if !protocols.isEmpty {
            lines.append("  protocols: " + protocols.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !self.stops.isEmpty {
            lines.append("  not fully decoded: " + self.stops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        // A file that went bad part-way: this report covers only the frames before the damage.
        if let error = self.error { lines.append("  incomplete, reading stopped: \(error)") }
        return lines.joined(separator: "\n")
    }
}
