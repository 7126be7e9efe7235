import Capture
import Decoding
import Decryption
import Sessions

/// Reads capture files frame by frame and decodes them, applying `--filter` (in libpcap) and, when
/// asked, `--server`.
struct CaptureReader {
    let options: InputOptions
    /// `--keys`: each capture gets a decrypter of its own (IKEv1 IV chains are per capture).
    var keys: KeyTables? = nil

    func decoder() -> (PacketDecoder, Decrypter?) { KeyOptions.decoder(self.keys) }

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
        var (decoder, decrypter) = self.decoder()
        defer { decrypter?.printNotes() }
        var packet = DecodedPacket(linkType: source.linkType)
        let server = serverOnly ? self.options.serverAddress : nil
        while let frame = try source.next() {
            decoder.decode(frame, into: &packet)
            if let server, !packet.involves(server) { continue }
            body(frame, &packet)
        }
    }
}

extension CaptureReader {
    /// Feeds every frame of `source` to `analyzer` (the data plane counted from its header bytes,
    /// the rest decoded), then calls `body` with the frame, what the analyzer did with it and the
    /// decoded packet (meaningful only for `.decoded`). Throws as `forEachFrame` does.
    func analyze<Source: FrameSource>(
        _ source: Source, into analyzer: inout Analyzer, _ body: (RawFrame, Analyzer.Reading, DecodedPacket) -> Void = { _, _, _ in }
    ) throws(CaptureError) {
        var source = source
        var (decoder, decrypter) = self.decoder()
        defer { decrypter?.printNotes() }
        var packet = DecodedPacket(linkType: source.linkType)
        while let frame = try source.next() {
            let reading = analyzer.add(frame, decoder: &decoder, into: &packet)
            body(frame, reading, packet)
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
