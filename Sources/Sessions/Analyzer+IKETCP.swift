import Capture
import Decoding

/// IKE and ESP over TCP (RFC 8229), read from the reassembled stream (`TCPStreams`, `.ikeTCP`
/// framing): each message goes through the same IKE and ESP analysis as over UDP (same IKE SA,
/// stages and rules); what only TCP can say (refused, never answered, closed mid-exchange) is
/// `IKETCPTracker`'s. A message is read once, from the stream, whether or not one segment held it
/// whole — the per-frame layers serve `packets` — so a retransmitted segment adds nothing.
extension Analyzer {
    /// Feeds a decoded TCP segment (and its fact) with the bytes it was decoded from.
    mutating func readIKETCPStream(_ packet: DecodedPacket, _ fact: PacketFact, bytes: UnsafeRawBufferPointer) {
        guard let tcp = fact.tcp, let start = self.stats.start else { return }
        if let server = self.options.server, fact.source != server, fact.destination != server { return }
        let time = fact.time.seconds(since: start)
        // Index loop: `packet.tcpEncapsulation` iterates `layers`, which allocates in an unoptimised build.
        var i = 0
        while i < packet.layers.count, packet.layers[i].tcpEncapsulationKind != .streamPrefix { i += 1 }
        if i < packet.layers.count { self.trackers.ikeTCP.recognise(fact, time: time) }
        guard self.trackers.ikeTCP.carries(fact.sourceEndpoint, fact.destinationEndpoint) else { return }
        self.trackers.ikeTCP.addTCP(tcp, fact, time: time)
        for message in self.tcpStreams.add(packet, bytes: bytes, framing: .ikeTCP) {
            let layers = (try? TCPEncapsulation.decode(message.bytes, limits: self.tcpStreams.limits)) ?? []
            if layers.first?.tcpEncapsulationKind == .streamPrefix { self.trackers.ikeTCP.recognise(fact, time: time) }
            // A connection seen from its SYN whose client never sent the prefix is not RFC 8229.
            guard self.trackers.ikeTCP.opened(fact) else { continue }
            // Split over segments, or on a port where only the prefix's segment names the stream.
            if !message.decodedPerFrame || packet.tcpEncapsulation == nil {
                self.trackers.ikeTCP.noteReassembled(frame: fact.frame, from: message.firstFrame, layers.map(\.summary).joined(separator: " / "))
            }
            var carried = fact
            switch layers.last.flatMap({ Classifier.ipsecKind($0, udpEncapsulated: false) }) {
            case .ike(let m)?:
                carried.kind = .ike(m)
                self.trackers.ike.add(m, carried, time: time)
                self.trackers.ikeTCP.noteMessage(ike: true, carried, time: time)
            case .esp(let e)?:
                self.trackers.esp.add(e, fact.sourceEndpoint, fact.destinationEndpoint, frame: fact.frame, time: fact.time,
                            bytes: message.bytes.count - 2, isAH: false)
                self.trackers.ikeTCP.noteMessage(ike: false, carried, time: time)
            default: break  // the prefix, or a message that does not decode
            }
        }
    }
}
