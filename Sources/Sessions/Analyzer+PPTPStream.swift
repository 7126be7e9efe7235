import Capture
import Decoding

/// PPTP control messages read from the reassembled TCP 1723 byte stream (both directions): a message
/// split over segments, or a segment that starts mid-message, is not decodable from one frame, and a
/// Start-Control-Connection-Reply refusing the call is exactly such a message when the server's stack
/// splits it. `TCPStreams` bounds the streams and their buffers (`DecodeLimits`).
extension Analyzer {
    /// Feeds a decoded TCP 1723 segment (and its fact) with the bytes it was decoded from; records the
    /// messages it completes that the per-frame dissector could not decode (the others are recorded).
    mutating func readPPTPStream(_ packet: DecodedPacket, _ fact: PacketFact, bytes: UnsafeRawBufferPointer) {
        let completed = self.pptpStreams.add(packet, bytes: bytes).filter { !$0.decodedPerFrame }
        guard !completed.isEmpty, let start = self.stats.start else { return }
        if let server = self.options.server, fact.source != server, fact.destination != server { return }
        let messages = completed.compactMap { try? PPTP.decode($0.bytes) }.map(Classifier.fact)
        self.addPPTP(messages, fact, time: fact.time.seconds(since: start))
    }
}
