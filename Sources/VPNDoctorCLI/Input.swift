import Capture
import Decoding

/// Reads capture files frame by frame and decodes them, applying `--filter` (in libpcap) and, when
/// asked, `--server`.
struct CaptureReader {
    let options: InputOptions

    /// Opens `path`; throws a one-line `CaptureError`.
    func open(_ path: String) throws(CaptureError) -> PcapFile {
        try PcapFile(path: path, filter: self.options.filter)
    }

    /// Decodes every frame of `source`, calling `body` with the frame (borrowed: valid only during
    /// the call) and its decoded packet (reused between frames: copy it to keep it). With
    /// `serverOnly`, frames that do not involve `--server` are skipped.
    ///
    /// A source that goes bad part-way throws after the frames before the damage were handed over.
    func forEachFrame<Source: FrameSource>(
        in source: inout Source, serverOnly: Bool, _ body: (RawFrame, inout DecodedPacket) -> Void
    ) throws(CaptureError) {
        var decoder = PacketDecoder()
        var packet = DecodedPacket(frame: FrameInfo(number: 0, timestamp: Timestamp(seconds: 0, nanoseconds: 0),
                                                    capturedLength: 0, originalLength: 0, linkType: source.linkType))
        let server = serverOnly ? self.options.serverAddress : nil
        while let frame = try source.next() {
            decoder.decode(frame, into: &packet)
            if let server, !packet.involves(server) { continue }
            body(frame, &packet)
        }
    }
}

extension DecodedPacket {
    /// True when any IP layer (outer or tunnelled) has `address` as source or destination.
    func involves(_ address: IPAddress) -> Bool {
        for layer in self.layers {
            if let (source, destination) = layer.ipEndpoints, source == address || destination == address {
                return true
            }
        }
        return false
    }
}
