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
            summary.finish()
            summaries.append(summary)
        }
        if self.output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summaries), as: UTF8.self))
        } else {
            print(summaries.map(\.text).joined(separator: "\n\n"))
        }
        if failed { throw ExitCode(ExitStatus.usageOrInput) }
    }
}

/// What a capture holds: packets, link type, protocols, time span.
struct CaptureSummary: Encodable {
    private enum CodingKeys: String, CodingKey { case file, format, linkType, packets, bytes, first, last, protocols, stops, error }

    var file: String
    var format: String
    var linkType: LinkType
    var packets = 0
    var bytes = 0
    var first: Timestamp?
    var last: Timestamp?
    var protocols: [String: Int] = [:]
    var stops: [String: Int] = [:]
    /// Per-packet counts kept by case index (no hashing per layer: a dictionary here cost as much as
    /// decoding); folded into `protocols` and `stops` by `finish()`.
    private var layerCounts = [Int](repeating: 0, count: 256)
    private var stopCounts = [Int](repeating: 0, count: 256)

    /// The case index of a payload-free enum (its one-byte in-memory form).
    private static func index<E>(_ value: E) -> Int {
        precondition(MemoryLayout<E>.size == 1)
        return withUnsafeBytes(of: value) { Int($0[0]) }
    }
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
        for layer in packet.layers { self.layerCounts[Self.index(layer.kind)] += 1 }
        if let stop = packet.stop { self.stopCounts[Self.index(stop.reason)] += 1 }
    }

    mutating func finish() {
        for kind in LayerKind.allCases where self.layerCounts[Self.index(kind)] > 0 {
            self.protocols[kind.rawValue, default: 0] += self.layerCounts[Self.index(kind)]
        }
        for reason in [DecodeStop.Reason.truncated, .malformed, .unsupported, .fragment, .limit]
        where self.stopCounts[Self.index(reason)] > 0 {
            self.stops[reason.rawValue, default: 0] += self.stopCounts[Self.index(reason)]
        }
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
        return lines.joined(separator: "\n")
    }
}
