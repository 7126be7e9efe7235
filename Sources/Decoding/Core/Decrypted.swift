import Capture

/// Decryption with the user's keys (issue 16) happens outside this module (it links the ciphers);
/// `PacketDecoder` calls it after each frame. It turns ciphertext into plaintext and hands the
/// plaintext back to the entry points below, so decrypted payloads go through the same decoders
/// as cleartext ones.
public protocol PacketDecrypting: AnyObject {
    /// Decrypts what it has keys for in `packet` (whose layers were decoded from `bytes`).
    func decrypt(_ packet: inout DecodedPacket, bytes: UnsafeRawBufferPointer)
}

extension IKEv2Message {
    /// Puts the payloads of a decrypted SK payload (`plaintext`: the payload chain without IV,
    /// padding or ICV) in front of it in `payloads`, so every typed view sees them. Their offsets
    /// are in `plaintext`. SKF fragments (RFC 7383) are reassembled by the caller: the last one
    /// gets the whole message's plaintext and `first`, the payload type fragment 1 named; the
    /// others an empty plaintext (decrypted, nothing to decode yet).
    public mutating func addDecrypted(_ plaintext: [UInt8], first: IKEv2PayloadType? = nil, limits: DecodeLimits = .standard) {
        guard let sk = self.encrypted, self.decryptedPayloads == nil else { return }
        let chain = plaintext.withUnsafeBytes { buffer in
            var r = ByteReader(buffer, layer: .ikev2)
            return IKEPayloadChain(first: first ?? sk.nextPayload, &r, limits: limits)
        }
        self.payloads.insert(contentsOf: chain.payloads, at: self.payloads.count - 1)
        self.decryptedPayloads = chain.payloads.count
        if self.chainError == nil { self.chainError = chain.error }
    }
}

extension IKEv1Message {
    /// Decodes a decrypted message body (`plaintext`, padding included: the chain's lengths end
    /// it) into `payloads`. Offsets are in `plaintext`.
    public mutating func addDecrypted(_ plaintext: [UInt8], limits: DecodeLimits = .standard) {
        guard self.isEncrypted, self.decrypted == nil else { return }
        let chain = plaintext.withUnsafeBytes { buffer in
            var r = ByteReader(buffer, layer: .isakmp)
            return IKEPayloadChain(first: self.nextPayload, &r, limits: limits)
        }
        self.payloads = chain.payloads
        self.decrypted = true
        if self.chainError == nil { self.chainError = chain.error }
    }
}

extension Dissector {
    /// Decodes the packet an ESP payload carried (`nextHeader`: ESP's next header, 4 for a tunnelled
    /// IPv4 packet) after the packet's layers. Offsets are in `bytes`.
    public func decodeDecrypted(_ bytes: UnsafeRawBufferPointer, nextHeader: UInt8, into packet: inout DecodedPacket) {
        let depth = packet.layers.reduce(0) { n, layer in layer.kind == .ipv4 || layer.kind == .ipv6 ? n + 1 : n }
        self.decode(bytes, startingAt: .ipProtocol(IPProtocol(rawValue: nextHeader), fragment: false),
                    tunnelDepth: depth, into: &packet)
    }
}
