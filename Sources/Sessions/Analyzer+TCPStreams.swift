import Capture
import Decoding

/// Messages read from reassembled TCP streams (both directions): PPTP control on TCP 1723 and
/// OpenVPN over TCP. A message split over segments, or a segment that starts mid-message, is not
/// decodable from one frame — a Start-Control-Connection-Reply refusing the call is exactly such a
/// message when the server's stack splits it. `TCPStreams` bounds the streams and their buffers
/// (`DecodeLimits`).
extension Analyzer {
    /// Feeds a decoded TCP 1723 segment (and its fact) with the bytes it was decoded from; records the
    /// messages it completes that the per-frame dissector could not decode (the others are recorded).
    mutating func readPPTPStream(_ packet: DecodedPacket, _ fact: PacketFact, bytes: UnsafeRawBufferPointer) {
        guard let (completed, time) = self.completedInStream(packet, fact, bytes: bytes) else { return }
        self.trackers.pptp.add(completed.compactMap { try? PPTP.decode($0) }.map(Classifier.fact), fact, time: time)
    }

    /// The same for an OpenVPN-over-TCP segment.
    mutating func readOpenVPNStream(_ packet: DecodedPacket, _ fact: PacketFact, bytes: UnsafeRawBufferPointer) {
        guard let (completed, time) = self.completedInStream(packet, fact, bytes: bytes) else { return }
        self.trackers.openvpn.add(completed.compactMap { try? OpenVPN.decode($0) }.map(OpenVPNPacketFact.init), fact, time: time)
    }

    /// The bytes of each message the segment completes in its stream that the per-frame dissector
    /// could not decode, and the segment's capture-relative time; nil when there are none, or the
    /// segment is not to or from `--server`.
    private mutating func completedInStream(_ packet: DecodedPacket, _ fact: PacketFact, bytes: UnsafeRawBufferPointer)
        -> (messages: [[UInt8]], time: Double)? {
        let completed = self.tcpStreams.add(packet, bytes: bytes).filter { !$0.decodedPerFrame }
        guard !completed.isEmpty, let start = self.stats.start else { return nil }
        if let server = self.options.server, fact.source != server, fact.destination != server { return nil }
        return (completed.map(\.bytes), fact.time.seconds(since: start))
    }
}
