import Capture
import Decoding
import TestSupport
import Testing

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

/// One accept rule of a tshark comparison: the differences it accepted, by file, checked against
/// its files and upper bound. A rule that accepted nothing is stale and fails too.
func expectWithin(_ rule: String, accepted byFile: [String: Int], files: Set<String>, bound: Int,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let count = byFile.values.reduce(0, +)
    print("accepted \(count) (bound \(bound)) \(rule): \(byFile.sorted { $0.key < $1.key })")
    #expect(count > 0, "accept rule \(rule) is no longer used: delete it", sourceLocation: sourceLocation)
    #expect(count <= bound, "accept rule \(rule): \(count) differences, bound \(bound)", sourceLocation: sourceLocation)
    let outside = Set(byFile.keys).subtracting(files)
    #expect(outside.isEmpty, "accept rule \(rule) used outside its files: \(outside.sorted())", sourceLocation: sourceLocation)
}
