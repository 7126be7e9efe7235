import Capture

/// Decodes frames in capture order and reassembles IP fragments: the stateful companion of
/// `Dissector` (which decodes one frame on its own). One per capture.
///
/// When a frame is an IP fragment the dissector stops with `.fragment`; the fragment goes to the
/// reassembler, and when it completes a datagram, the datagram's payload is decoded from the
/// reassembled bytes and its layers are appended to *this* packet (the fragment that completed
/// it), with `reassembledFrom` listing every fragment's frame number.
///
/// Offsets in those appended layers (payload ranges, error offsets) are relative to the
/// reassembled payload — the bytes after the fragmented IP header — not to the frame. Keep the
/// `ReassembledDatagram` (`lastDatagram`) to read their bytes.
public struct PacketDecoder {
    public var dissector: Dissector
    public var reassembler: FragmentReassembler
    /// The datagram completed by the last `decode` call, if any (owned bytes).
    public private(set) var lastDatagram: ReassembledDatagram?
    /// Decrypts with the user's keys (`--keys`), when given.
    public var decrypter: (any PacketDecrypting)?

    public init(dissector: Dissector = Dissector(), reassembler: FragmentReassembler = FragmentReassembler()) {
        self.dissector = dissector
        self.reassembler = reassembler
    }

    public mutating func decode(_ frame: RawFrame, into packet: inout DecodedPacket) {
        if self.lastDatagram != nil { self.lastDatagram = nil }
        self.dissector.decode(frame, into: &packet)
        guard packet.stop?.reason == .fragment, let (fragment, data, declared) = Self.fragment(of: packet) else {
            if let decrypter = self.decrypter { decrypter.decrypt(&packet, bytes: frame.bytes) }
            return
        }
        // A fragment the capture cut short cannot complete anything: leave the `.fragment` stop.
        let range = ByteReader(frame.bytes, range: data, layer: .ipv4).rest
        guard range.count == declared else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: frame.bytes[range.start..<range.end])
        guard let datagram = self.reassembler.add(fragment, data: bytes, frame: frame.info.number,
                                                  at: frame.info.timestamp) else { return }
        self.lastDatagram = datagram
        packet.stop = nil
        packet.reassembledFrom = datagram.frames
        let tunnelDepth = packet.layers.reduce(-1) { n, layer in layer.kind == .ipv4 || layer.kind == .ipv6 ? n + 1 : n }
        datagram.payload.withUnsafeBytes { bytes in
            self.dissector.decode(bytes, startingAt: .ipProtocol(datagram.key.protocolNumber, fragment: false),
                                  tunnelDepth: max(0, tunnelDepth), into: &packet)
            if let decrypter = self.decrypter { decrypter.decrypt(&packet, bytes: bytes) }
        }
    }

    /// A fresh packet (tests, one-off use).
    public mutating func decode(_ frame: RawFrame) -> DecodedPacket {
        var packet = DecodedPacket(frame: frame.info)
        self.decode(frame, into: &packet)
        return packet
    }

    /// The fragment described by the innermost IP layer of a packet that stopped at a fragment,
    /// where its data sits in the frame, and how long the header says that data is.
    static func fragment(of packet: DecodedPacket) -> (Fragment, ByteRange, Int)? {
        switch packet.layers.last {
        case .ipv4(let h)?:
            let key = FragmentKey(source: h.source, destination: h.destination, protocolNumber: h.protocolNumber,
                                  identification: UInt32(h.identification))
            return (Fragment(key: key, offset: h.fragmentOffset, moreFragments: h.moreFragments), h.payload,
                    h.totalLength - h.headerLength)
        case .ipv6(let h)?:
            guard let f = h.fragment else { return nil }
            let key = FragmentKey(source: h.source, destination: h.destination, protocolNumber: f.nextHeader,
                                  identification: f.identification)
            return (Fragment(key: key, offset: f.offset, moreFragments: f.moreFragments), h.payload,
                    h.payloadLength - h.extensionLength)
        default:
            return nil
        }
    }
}
