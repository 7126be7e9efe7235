import Capture
import Decoding

/// OpenVPN packets read from the reassembled TCP stream (both directions): a packet split over
/// segments, or a segment that starts mid-packet, is not decodable from one frame (as for PPTP).
extension Analyzer {
    mutating func readOpenVPNStream(_ packet: DecodedPacket, _ fact: PacketFact, bytes: UnsafeRawBufferPointer) {
        let completed = self.pptpStreams.add(packet, bytes: bytes).filter { !$0.decodedPerFrame }
        guard !completed.isEmpty, let start = self.stats.start else { return }
        if let server = self.options.server, fact.source != server, fact.destination != server { return }
        let packets = completed.compactMap { try? OpenVPN.decode($0.bytes) }.map(OpenVPNPacketFact.init)
        self.openvpn.add(packets, fact, time: fact.time.seconds(since: start))
    }
}
