import ArgumentParser
import Capture
import Decoding
import Engine
import Foundation
import Reporting
import Sessions

/// `vpndoctor packets`: one line per packet, like tcpdump's, with the VPN meaning of each.
struct PacketsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packets",
        abstract: "List every packet with its VPN meaning (--json: one JSON object per packet).",
        discussion: Examples.packets)

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var keys: KeyOptions

    func run() throws {
        StopSignals.install()
        let reader = CaptureReader(options: self.input)
        var engine = Engine(mode: .decodeEvery(only: self.input.serverAddress))
        engine.decrypter = try self.keys.decrypter()
        var json = PacketJSONWriter()
        defer { json.flush() }
        var failed = false
        for path in self.input.files where !StopRequest.isRequested {
            let file: PcapFile
            do {
                file = try reader.open(path)
            } catch {
                printError(error.description)
                failed = true
                continue
            }
            if self.input.files.count > 1, !self.output.json { print("==> \(TerminalText.escape(path)) <==") }
            // Text lines name each IKE message's place in its exchange as the analyzer records it,
            // in the one pass that reads the input (FIFOs and standard input can be read only once).
            var start: Timestamp?
            let outcome = engine.run(file, Engine.Observer(analyzed: { _, _, packet, analyzer in
                let origin = start ?? packet.frame.timestamp
                start = origin
                if self.output.json {
                    json.write(file: path, packet: packet, start: origin)
                    json.flush(threshold: 1 << 16)
                } else if let step = analyzer.lastIKEMessage(frame: packet.frame.number).flatMap(Self.label) {
                    print(PacketLine.text(packet, start: origin) + "  [\(step)]")
                } else {
                    print(PacketLine.text(packet, start: origin))
                }
                // IKE/ESP over TCP split over segments: one line each where the stream completes them.
                for m in analyzer.reassembledMessages(frame: packet.frame.number) where !self.output.json {
                    let from = m.firstFrame == packet.frame.number ? "read from the stream" : "reassembled from frames \(m.firstFrame)-\(packet.frame.number)"
                    print(TerminalText.escape(PacketLine.continuation + "\(from): \(m.summary)"))
                }
            }))
            outcome.printKeyNotes()
            if let error = outcome.error {
                json.flush()
                printError(error.description)
                failed = true
            }
            if StopRequest.isRequested {
                json.flush()
                printError("\(path): interrupted after frame \(file.framesRead): listed what was read")
            }
            // Not a failure: every whole packet was listed; say where the file was cut.
            if let cut = file.cutShort {
                json.flush()
                printError("warning: \(cut.description)")
            }
        }
        if failed { throw ExitCode(ExitStatus.usageOrInput) }
    }

    /// What a line does not say already: the position in an IKEv1 exchange ("MM3 of 6"), a repeat.
    static func label(_ message: IKEMessageRecord) -> String? {
        var parts: [String] = []
        if message.step.index > 0 { parts.append(message.step.description) }
        if let first = message.retransmissionOf { parts.append("retransmission of frame \(first)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

/// The text form of one packet, escaped for the terminal (layer summaries quote names and messages
/// from the capture).
enum PacketLine {
    static func text(_ packet: DecodedPacket, start: Timestamp) -> String {
        let time = packet.frame.timestamp.seconds(since: start)
        var line = "\(pad(String(packet.frame.number), 6)) \(String(format: "%10.6f", time))  "
        line += endpoints(packet)
        let meanings = describe(packet)
        if let meaning = meanings.first, !meaning.isEmpty { line += "  " + meaning }
        if let stop = packet.stop {
            line += "  [\(stop.reason.rawValue): \(stop.explanation)]"
        }
        if !packet.reassembledFrom.isEmpty {
            line += "  [reassembled from frames \(packet.reassembledFrom.map(String.init).joined(separator: ","))]"
        }
        return ([line] + meanings.dropFirst().map { continuation + $0 }).map(TerminalText.escape).joined(separator: "\n")
    }

    /// The start of a line that goes on with the frame above it (a segment's further messages).
    static let continuation = String(repeating: " ", count: 19) + "↳ "

    /// `src:port > dst:port` from the outermost IP layer and the transport layer above it.
    static func endpoints(_ packet: DecodedPacket) -> String {
        guard let ipIndex = packet.layers.firstIndex(where: { $0.ipEndpoints != nil }),
              let ip = packet.layers[ipIndex].ipEndpoints
        else {
            return packet.layers.first.map { $0.summary } ?? "(no layers)"
        }
        var ports: (source: UInt16, destination: UInt16)?
        if ipIndex + 1 < packet.layers.count { ports = packet.layers[ipIndex + 1].ports }
        func join(_ address: IPAddress, _ port: UInt16?) -> String {
            guard let port else { return address.description }
            return address.isV4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        }
        return "\(join(ip.source, ports?.source)) > \(join(ip.destination, ports?.destination))"
    }

    /// Summaries of the layers above the outermost transport (or IP) layer: the VPN meaning. One
    /// line's worth, or one per message when a TCP segment carries several RFC 8229 messages.
    static func describe(_ packet: DecodedPacket) -> [String] {
        guard let ipIndex = packet.layers.firstIndex(where: { $0.ipEndpoints != nil }) else { return [""] }
        var first = ipIndex + 1
        if first < packet.layers.count, packet.layers[first].ports != nil, first + 1 < packet.layers.count {
            first += 1
        }
        guard first < packet.layers.count else { return [packet.layers[ipIndex].summary] }
        var groups: [[DecodedLayer]] = [[]]
        var hasMessage = false
        for layer in packet.layers[first...] {
            let isMessage = layer.tcpEncapsulationKind.map { $0 != .streamPrefix } ?? false
            if isMessage, hasMessage { groups.append([]) }
            hasMessage = hasMessage || isMessage
            groups[groups.count - 1].append(layer)
        }
        return groups.map { Self.withoutRestatedHeaders($0.map(\.summary)).joined(separator: " / ") }
    }

    /// The summaries, leaving out a header the next layer restates (an L2TP control message repeats
    /// its header's tunnel, Ns and Nr: "L2TP tunnel=7 Ns=0 Nr=0 / L2TP SCCRQ tunnel=7 Ns=0 Nr=0 …"
    /// said it twice). The header's session ID, which the message does not repeat, is kept.
    static func withoutRestatedHeaders(_ summaries: [String]) -> [String] {
        var out: [String] = []
        var i = summaries.startIndex
        while i < summaries.endIndex {
            if i + 1 < summaries.endIndex {
                let next = Set(summaries[i + 1].split(separator: " "))
                let missing = summaries[i].split(separator: " ").filter { !next.contains($0) }
                if missing.allSatisfy({ $0.hasPrefix("session=") }) {
                    out.append(([summaries[i + 1]] + missing.map(String.init)).joined(separator: " "))
                    i += 2
                    continue
                }
            }
            out.append(summaries[i])
            i += 1
        }
        return out
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}

/// The JSON form of one packet (NDJSON: one object per line, stable field names). `PacketJSONWriter`
/// writes the same bytes without encoding this; it stays the reference the writer is tested against.
struct PacketRecord: Encodable {
    var file: String
    var frame: Int
    var timestamp: String
    var relativeTime: Double
    var capturedLength: Int
    var originalLength: Int
    var layers: [DecodedLayer]
    var stop: DecodeStop?
    var reassembledFrom: [Int]?

    init(file: String, packet: DecodedPacket, start: Timestamp) {
        self.file = file
        self.frame = packet.frame.number
        self.timestamp = packet.frame.timestamp.description
        self.relativeTime = (packet.frame.timestamp.seconds(since: start) * 1e9).rounded() / 1e9
        self.capturedLength = packet.frame.capturedLength
        self.originalLength = packet.frame.originalLength
        self.layers = packet.layers
        self.stop = packet.stop
        self.reassembledFrom = packet.reassembledFrom.isEmpty ? nil : packet.reassembledFrom
    }
}
