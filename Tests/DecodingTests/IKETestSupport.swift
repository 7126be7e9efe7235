import Capture
import Decoding
import TestSupport

/// One frame of a public corpus capture: its bytes (copied) and its decoded packet.
struct CorpusFrame {
    var bytes: [UInt8]
    var info: FrameInfo
    var packet: DecodedPacket

    /// Frame `number` (1-based, as in Wireshark) of `file`.
    init(_ file: String, _ number: Int) throws {
        var source = try PcapFile(path: Corpus.publicPath(file))
        while let frame = try source.next() {
            guard frame.info.number == number else { continue }
            self.bytes = Array(frame.bytes)
            self.info = frame.info
            self.packet = Dissector().decode(frame)
            return
        }
        throw CorpusFrameMissing()
    }

    struct CorpusFrameMissing: Error {}

    /// Decodes every prefix of the frame (as if the snaplen cut it) and returns the packets.
    func prefixes() -> [DecodedPacket] {
        (0..<self.bytes.count).map { decodeBytes(Array(self.bytes.prefix($0)), originalLength: self.bytes.count) }
    }
}
