import Capture
import Decoding
import TestSupport

/// Decodes frame `number` (1-based, as in Wireshark) of a public corpus file.
func corpusFrame(_ file: String, _ number: Int) throws -> DecodedPacket {
    let packets = try decodeFile(Corpus.publicPath(file))
    return packets[number - 1]
}

extension DecodedPacket {
    /// The PPP control packets of this frame.
    var pppControls: [PPPControl] { self.layers.compactMap { if case .pppControl(let c) = $0 { c } else { nil } } }
    /// The kinds of every layer, outermost first.
    var kinds: [LayerKind] { self.layers.map(\.kind) }
}
