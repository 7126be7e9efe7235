import Capture
import Decoding

/// Reads each input file frame by frame, decodes it, applies `--server`, and hands every kept
/// packet to `body`. The packet is reused between frames: copy it to keep it.
///
/// A file that cannot be opened, or goes bad part-way, is reported by the returned error; the
/// packets before the damage have already been handed over.
struct CaptureReader {
    let options: InputOptions

    /// Opens `path`; throws a one-line `CaptureError`.
    func open(_ path: String) throws(CaptureError) -> PcapFile {
        try PcapFile(path: path, filter: self.options.filter)
    }

    /// Decodes every frame of `file`, calling `body` for each packet that passes `--server`.
    func forEachPacket(in file: PcapFile, _ body: (inout DecodedPacket) -> Void) throws(CaptureError) {
        var decoder = PacketDecoder()
        var packet = DecodedPacket(frame: FrameInfo(number: 0, timestamp: Timestamp(seconds: 0, nanoseconds: 0),
                                                    capturedLength: 0, originalLength: 0, linkType: file.linkType))
        let server = self.options.serverAddress
        var source = file
        while let frame = try source.next() {
            decoder.decode(frame, into: &packet)
            if let server, !packet.involves(server) { continue }
            body(&packet)
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
