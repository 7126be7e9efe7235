import Capture

/// Decodes one frame into layers. Never throws and never traps: a decoder's `DecodeError` becomes
/// `DecodedPacket.stop`, and the layers before it are kept.
public struct Dissector: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = .standard) { self.limits = limits }

    /// Decodes `frame` into `packet`, reusing its storage.
    public func decode(_ frame: RawFrame, into packet: inout DecodedPacket) {
        packet.reset(frame: frame.info)
        self.decode(frame.bytes, startingAt: .link(frame.info.linkType), into: &packet)
    }

    /// Convenience for tests and one-off decoding: a fresh packet.
    public func decode(_ frame: RawFrame) -> DecodedPacket {
        var packet = DecodedPacket(frame: frame.info)
        self.decode(frame, into: &packet)
        return packet
    }

    /// Decodes `bytes` from layer `start`, appending to `packet.layers`. Used for whole frames and
    /// for reassembled IP datagrams (which start at `.ipProtocol`).
    /// `tunnelDepth` counts the IP-in-IP levels already decoded (for a reassembled inner datagram).
    func decode(_ bytes: UnsafeRawBufferPointer, startingAt start: NextLayer, tunnelDepth: Int = 0,
                into packet: inout DecodedPacket) {
        var reader = ByteReader(bytes)
        var state = DissectorState(limits: self.limits)
        state.tunnelDepth = tunnelDepth
        var next = start
        while true {
            if case .done = next { break }
            guard packet.layers.count < self.limits.maxLayers else {
                state.stop = DecodeStop(reason: .limit, layer: packet.innermostKind ?? .link, offset: reader.offset,
                                        note: .tooManyLayers(self.limits.maxLayers))
                break
            }
            do {
                next = try Dispatch.decode(next, &reader, into: &packet, state: &state)
            } catch {
                state.stop = Self.stop(for: error, frame: packet.frame)
                break
            }
        }
        if packet.stop == nil { packet.stop = state.stop }
    }

    /// Classifies a decode error: running out of captured bytes in a frame the snaplen cut is a
    /// truncation; anything else means the packet contradicts itself.
    static func stop(for error: DecodeError, frame: FrameInfo) -> DecodeStop {
        let reason: DecodeStop.Reason
        switch error.code {
        case .truncated where error.lengthSource == .captureLength && frame.isTruncatedBySnaplen:
            reason = .truncated
        case .limitExceeded:
            reason = .limit
        default:
            reason = .malformed
        }
        // No text here: a snaplen-cut capture stops every packet, and this runs per packet.
        return DecodeStop(reason: reason, layer: error.layer, offset: error.offset, error: error)
    }
}
