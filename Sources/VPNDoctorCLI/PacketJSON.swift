import Capture
import Decoding
import Foundation
import Reporting

/// NDJSON for `packets --json`, streamed: byte for byte what `JSONEncoder` (`.sortedKeys`,
/// `.withoutEscapingSlashes`) writes for a `PacketRecord`, without building its intermediate tree
/// per packet (7× slower than `tcpdump -n -r`; issue 7).
///
/// The data-plane layers (most of a capture), DNS and the record itself are written here, keys in
/// sorted order; any other layer (IKE, L2TP/PPP/PPTP control, ICMP) goes through the compact
/// `JSONOutputEncoder`. `PacketJSONTests` checks the result against `JSONEncoder` on the public corpus.
struct PacketJSONWriter {
    private(set) var buffer: [UInt8] = []
    private let encoder = JSONOutputEncoder()

    init() {
        self.buffer.reserveCapacity(1 << 17)
    }

    /// Appends one packet's line (with its newline).
    mutating func write(file: String, packet: DecodedPacket, start: Timestamp) {
        let f = packet.frame
        var o = Object(into: &self.buffer)
        o.key("capturedLength", in: &self.buffer); self.int(f.capturedLength)
        o.key("file", in: &self.buffer); self.string(file)
        o.key("frame", in: &self.buffer); self.int(f.number)
        o.key("layers", in: &self.buffer); self.buffer.append(UInt8(ascii: "["))
        for (i, layer) in packet.layers.enumerated() {
            if i > 0 { self.buffer.append(UInt8(ascii: ",")) }
            self.write(layer)
        }
        self.buffer.append(UInt8(ascii: "]"))
        o.key("originalLength", in: &self.buffer); self.int(f.originalLength)
        if !packet.reassembledFrom.isEmpty {
            o.key("reassembledFrom", in: &self.buffer)
            self.buffer.append(UInt8(ascii: "["))
            for (i, n) in packet.reassembledFrom.enumerated() {
                if i > 0 { self.buffer.append(UInt8(ascii: ",")) }
                self.int(n)
            }
            self.buffer.append(UInt8(ascii: "]"))
        }
        o.key("relativeTime", in: &self.buffer)
        self.double((f.timestamp.seconds(since: start) * 1e9).rounded() / 1e9)
        if let stop = packet.stop {
            o.key("stop", in: &self.buffer)
            self.write(stop)
        }
        o.key("timestamp", in: &self.buffer); self.string(f.timestamp.description)
        self.buffer.append(contentsOf: "}\n".utf8)
    }

    /// Writes the buffer to standard output once it holds `threshold` bytes (0: always).
    mutating func flush(threshold: Int = 0) {
        guard self.buffer.count >= max(threshold, 1) else { return }
        self.buffer.withUnsafeBytes(writeStandardOutput)
        self.buffer.removeAll(keepingCapacity: true)
    }

    /// Takes the bytes written so far (tests).
    mutating func take() -> [UInt8] {
        defer { self.buffer.removeAll(keepingCapacity: true) }
        return self.buffer
    }

    // MARK: Layers

    private mutating func write(_ layer: DecodedLayer) {
        switch layer {
        case .ethernet, .ipv4, .udp, .tcp, .esp, .gre, .ppp, .udpEncapsulation, .dns:
            break
        default:
            // Control plane and rarer headers: through their Codable conformance.
            do {
                try self.encoder.encode(layer, appendingTo: &self.buffer)
            } catch {
                self.buffer.append(contentsOf: "{}".utf8)
            }
            return
        }
        var o = Object(into: &self.buffer)
        switch layer {
        case .ethernet(let h):
            o.key("destination", in: &self.buffer); self.mac(h.destination)
            o.key("etherType", in: &self.buffer); self.wire(h.etherType)
            o.key("layer", in: &self.buffer); self.string("ethernet")
            o.key("source", in: &self.buffer); self.mac(h.source)
        case .ipv4(let h):
            o.key("checksum", in: &self.buffer); self.int(h.checksum)
            o.key("destination", in: &self.buffer); self.address(h.destination)
            o.key("dontFragment", in: &self.buffer); self.bool(h.dontFragment)
            o.key("fragmentOffset", in: &self.buffer); self.int(h.fragmentOffset)
            o.key("headerLength", in: &self.buffer); self.int(h.headerLength)
            o.key("identification", in: &self.buffer); self.int(h.identification)
            o.key("layer", in: &self.buffer); self.string("ipv4")
            o.key("moreFragments", in: &self.buffer); self.bool(h.moreFragments)
            o.key("optionsLength", in: &self.buffer); self.int(h.optionsLength)
            o.key("payload", in: &self.buffer); self.range(h.payload)
            o.key("protocolNumber", in: &self.buffer); self.wire(h.protocolNumber)
            o.key("source", in: &self.buffer); self.address(h.source)
            o.key("tos", in: &self.buffer); self.int(h.tos)
            o.key("totalLength", in: &self.buffer); self.int(h.totalLength)
            o.key("ttl", in: &self.buffer); self.int(h.ttl)
        case .udp(let h):
            o.key("checksum", in: &self.buffer); self.int(h.checksum)
            o.key("destinationPort", in: &self.buffer); self.int(h.destinationPort)
            o.key("layer", in: &self.buffer); self.string("udp")
            o.key("length", in: &self.buffer); self.int(h.length)
            o.key("payload", in: &self.buffer); self.range(h.payload)
            o.key("sourcePort", in: &self.buffer); self.int(h.sourcePort)
        case .tcp(let h):
            o.key("acknowledgmentNumber", in: &self.buffer); self.int(h.acknowledgmentNumber)
            o.key("checksum", in: &self.buffer); self.int(h.checksum)
            o.key("destinationPort", in: &self.buffer); self.int(h.destinationPort)
            o.key("flags", in: &self.buffer); self.int(h.flags.rawValue)
            o.key("headerLength", in: &self.buffer); self.int(h.headerLength)
            o.key("layer", in: &self.buffer); self.string("tcp")
            o.key("payload", in: &self.buffer); self.range(h.payload)
            o.key("sequenceNumber", in: &self.buffer); self.int(h.sequenceNumber)
            o.key("sourcePort", in: &self.buffer); self.int(h.sourcePort)
            o.key("urgentPointer", in: &self.buffer); self.int(h.urgentPointer)
            o.key("window", in: &self.buffer); self.int(h.window)
        case .esp(let h):
            if h.decrypted == true { o.key("decrypted", in: &self.buffer); self.bool(true) }
            o.key("layer", in: &self.buffer); self.string("esp")
            o.key("payload", in: &self.buffer); self.range(h.payload)
            o.key("payloadLength", in: &self.buffer); self.int(h.payloadLength)
            o.key("sequence", in: &self.buffer); self.int(h.sequence)
            o.key("spi", in: &self.buffer); self.int(h.spi)
        case .gre(let h):
            if let v = h.acknowledgment { o.key("acknowledgment", in: &self.buffer); self.int(v) }
            if let v = h.callID { o.key("callID", in: &self.buffer); self.int(v) }
            if let v = h.checksum { o.key("checksum", in: &self.buffer); self.int(v) }
            o.key("flagsAndVersion", in: &self.buffer); self.int(h.flagsAndVersion)
            if let v = h.key { o.key("key", in: &self.buffer); self.int(v) }
            o.key("layer", in: &self.buffer); self.string("gre")
            o.key("payload", in: &self.buffer); self.range(h.payload)
            if let v = h.payloadLength { o.key("payloadLength", in: &self.buffer); self.int(v) }
            o.key("protocolType", in: &self.buffer); self.wire(h.protocolType)
            if let v = h.sequence { o.key("sequence", in: &self.buffer); self.int(v) }
        case .ppp(let h):
            o.key("addressControlPresent", in: &self.buffer); self.bool(h.addressControlPresent)
            o.key("layer", in: &self.buffer); self.string("ppp")
            o.key("protocolCompressed", in: &self.buffer); self.bool(h.protocolCompressed)
            o.key("protocolNumber", in: &self.buffer); self.wire(h.protocolNumber)
        case .udpEncapsulation(let h):
            o.key("kind", in: &self.buffer); self.string(h.kind.rawValue)
            o.key("layer", in: &self.buffer); self.string("udpEncapsulation")
        case .dns(let h):
            // DNS is control plane but common (5% of the bench capture): worth writing by hand.
            o.key("additionalCount", in: &self.buffer); self.int(h.additionalCount)
            o.key("answerCount", in: &self.buffer); self.int(h.answerCount)
            o.key("answers", in: &self.buffer)
            self.array(h.answers) { w, r in
                var a = Object(into: &w.buffer)
                a.key("data", in: &w.buffer)
                switch r.data {
                case .address(let ip):
                    w.buffer.append(contentsOf: #"{"address":{"_0":"#.utf8); w.address(ip)
                case .name(let name):
                    w.buffer.append(contentsOf: #"{"name":{"_0":"#.utf8); w.string(name)
                case .other(let length):
                    w.buffer.append(contentsOf: #"{"other":{"length":"#.utf8); w.int(length)
                }
                w.buffer.append(contentsOf: "}}".utf8)
                a.key("name", in: &w.buffer); w.string(r.name)
                a.key("recordClass", in: &w.buffer); w.int(r.recordClass)
                a.key("ttl", in: &w.buffer); w.int(r.ttl)
                a.key("type", in: &w.buffer); w.wire(r.type)
                w.buffer.append(UInt8(ascii: "}"))
            }
            o.key("answersIncomplete", in: &self.buffer); self.bool(h.answersIncomplete)
            o.key("authoritative", in: &self.buffer); self.bool(h.authoritative)
            o.key("authorityCount", in: &self.buffer); self.int(h.authorityCount)
            o.key("id", in: &self.buffer); self.int(h.id)
            o.key("isResponse", in: &self.buffer); self.bool(h.isResponse)
            o.key("layer", in: &self.buffer); self.string("dns")
            o.key("opcode", in: &self.buffer); self.wire(h.opcode)
            o.key("overTCP", in: &self.buffer); self.bool(h.overTCP)
            o.key("questionCount", in: &self.buffer); self.int(h.questionCount)
            o.key("questions", in: &self.buffer)
            self.array(h.questions) { w, q in
                var a = Object(into: &w.buffer)
                a.key("name", in: &w.buffer); w.string(q.name)
                a.key("recordClass", in: &w.buffer); w.int(q.recordClass)
                a.key("type", in: &w.buffer); w.wire(q.type)
                w.buffer.append(UInt8(ascii: "}"))
            }
            o.key("rcode", in: &self.buffer); self.wire(h.rcode)
            o.key("recursionAvailable", in: &self.buffer); self.bool(h.recursionAvailable)
            o.key("recursionDesired", in: &self.buffer); self.bool(h.recursionDesired)
            o.key("truncated", in: &self.buffer); self.bool(h.truncated)
        default:
            break
        }
        self.buffer.append(UInt8(ascii: "}"))
    }

    private mutating func array<T>(_ items: [T], _ element: (inout Self, T) -> Void) {
        self.buffer.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { self.buffer.append(UInt8(ascii: ",")) }
            element(&self, item)
        }
        self.buffer.append(UInt8(ascii: "]"))
    }

    private mutating func write(_ stop: DecodeStop) {
        var o = Object(into: &self.buffer)
        if let detail = stop.detail { o.key("detail", in: &self.buffer); self.string(detail) }
        if let e = stop.error {
            o.key("error", in: &self.buffer)
            var inner = Object(into: &self.buffer)
            inner.key("available", in: &self.buffer); self.int(e.available)
            inner.key("code", in: &self.buffer); self.string(e.code.rawValue)
            if e.detail.utf8CodeUnitCount > 0 { inner.key("detail", in: &self.buffer); self.string("\(e.detail)") }
            inner.key("layer", in: &self.buffer); self.string(e.layer.rawValue)
            inner.key("lengthSource", in: &self.buffer); self.string(e.lengthSource.rawValue)
            inner.key("needed", in: &self.buffer); self.int(e.needed)
            inner.key("offset", in: &self.buffer); self.int(e.offset)
            self.buffer.append(UInt8(ascii: "}"))
        }
        o.key("layer", in: &self.buffer); self.string(stop.layer.rawValue)
        o.key("offset", in: &self.buffer); self.int(stop.offset)
        o.key("reason", in: &self.buffer); self.string(stop.reason.rawValue)
        self.buffer.append(UInt8(ascii: "}"))
    }

    // MARK: Values

    private mutating func int(_ v: some BinaryInteger) {
        if let signed = Int64(exactly: v) {
            JSONText.appendInteger(signed, to: &self.buffer)
        } else {
            JSONText.appendInteger(UInt64(v), to: &self.buffer)
        }
    }

    private mutating func bool(_ v: Bool) { self.buffer.append(contentsOf: (v ? "true" : "false").utf8) }

    private mutating func double(_ v: Double) { JSONText.appendNumber(v, to: &self.buffer) }

    private mutating func range(_ r: ByteRange) {
        self.buffer.append(contentsOf: #"{"end":"#.utf8)
        self.int(r.end)
        self.buffer.append(contentsOf: #","start":"#.utf8)
        self.int(r.start)
        self.buffer.append(UInt8(ascii: "}"))
    }

    /// `{"name":…,"value":…}`, as `WireValue` encodes itself.
    private mutating func wire<W: WireValue>(_ w: W) {
        self.buffer.append(contentsOf: #"{"name":"#.utf8)
        if let name = W.names[w.rawValue] { self.string(name) } else { self.string(w.description) }
        self.buffer.append(contentsOf: #","value":"#.utf8)
        self.int(w.rawValue)
        self.buffer.append(UInt8(ascii: "}"))
    }

    private mutating func mac(_ m: MACAddress) {
        let hex = Array("0123456789abcdef".utf8)
        self.buffer.append(UInt8(ascii: "\""))
        for i in 0..<6 {
            if i > 0 { self.buffer.append(UInt8(ascii: ":")) }
            let byte = Int(truncatingIfNeeded: m.rawValue >> UInt64((5 - i) * 8)) & 0xFF
            self.buffer.append(hex[byte >> 4])
            self.buffer.append(hex[byte & 0xF])
        }
        self.buffer.append(UInt8(ascii: "\""))
    }

    private mutating func address(_ a: IPAddress) {
        guard case .v4(let v) = a else { return self.string(a.description) }
        self.buffer.append(UInt8(ascii: "\""))
        for shift in [24, 16, 8, 0] {
            if shift != 24 { self.buffer.append(UInt8(ascii: ".")) }
            self.int((v >> UInt32(shift)) & 0xFF)
        }
        self.buffer.append(UInt8(ascii: "\""))
    }

    private mutating func string(_ s: String) { JSONText.appendString(s, to: &self.buffer) }

    /// An object being written: opens with `{`, puts commas between keys. Keys must come sorted.
    private struct Object {
        private var first = true
        init(into buffer: inout [UInt8]) { buffer.append(UInt8(ascii: "{")) }
        mutating func key(_ name: StaticString, in buffer: inout [UInt8]) {
            if !self.first { buffer.append(UInt8(ascii: ",")) }
            self.first = false
            buffer.append(UInt8(ascii: "\""))
            buffer.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            buffer.append(contentsOf: #"":"#.utf8)
        }
    }
}

/// Writes bytes to standard output, after whatever `print` buffered.
func writeStandardOutput(_ bytes: UnsafeRawBufferPointer) {
    fflush(nil)
    var done = 0
    while done < bytes.count {
        let n = Foundation.write(STDOUT_FILENO, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 { if errno == EINTR { continue } else { break } }  // EPIPE: the reader went away
        done += n
    }
}
