import Crypto
import Decoding

/// IKEv1 phase-1 state needed to decrypt (RFC 2409 appendix B): Wireshark's table gives only the
/// encryption key; the cipher and hash come from the SA the capture negotiates, the first IV is
/// hash(g^xi | g^xr), and every later IV is the last ciphertext block of the message before it
/// in the same exchange — for a new phase-2 exchange (Quick Mode, Informational) hash(last
/// phase-1 block | message ID).
struct IKEv1Exchange {
    var cipher: Cipher?
    var hash: IKEv1HashAlgorithm?
    var initiatorKE: [UInt8]?
    var responderKE: [UInt8]?
    /// The IV for the next phase-1 message, then the last phase-1 block.
    var phase1IV: [UInt8]?
    /// The next IV of each phase-2 exchange, by message ID.
    var phase2IVs: [UInt32: [UInt8]] = [:]
    /// The IV each ciphertext (by its last block) was decrypted with: a retransmission is the same
    /// ciphertext again and must not move the chain.
    var used: [[UInt8]: [UInt8]] = [:]

    /// Learns the cipher, hash and KE payloads from cleartext messages (Main/Aggressive Mode).
    mutating func learn(_ m: IKEv1Message) {
        if let t = m.securityAssociations.first?.proposals.first?.transforms.first, let e = t.encryption {
            switch e.rawValue {
            case 5: self.cipher = .tripleDESCBC
            case 7: self.cipher = .aesCBC(keyBytes: (t.keyLength ?? 128) / 8)
            default: self.cipher = nil
            }
            self.hash = t.hash
        }
        if let ke = m.payloads(.keyExchange).first?.body {
            if self.initiatorKE == nil { self.initiatorKE = ke } else if self.responderKE == nil, ke != self.initiatorKE { self.responderKE = ke }
        }
    }

    func digest(_ data: [UInt8]) -> [UInt8]? {
        switch self.hash?.rawValue {
        case 1: Array(Insecure.MD5.hash(data: data))
        case 2: Array(Insecure.SHA1.hash(data: data))
        case 4: Array(SHA256.hash(data: data))
        case 5: Array(SHA384.hash(data: data))
        case 6: Array(SHA512.hash(data: data))
        default: nil
        }
    }

    /// The IVs `ciphertext` in exchange `messageID` may use, most likely first; empty when the
    /// capture has not shown enough. A new phase-2 exchange starts from the sender's last phase-1
    /// block, or from the first IV when the sender could not decrypt the phase-1 message after it
    /// (strongSwan moves its IV on only after a message it accepted: a wrong PSK's answer).
    func ivs(for ciphertext: ArraySlice<UInt8>, messageID: UInt32, block: Int) -> [[UInt8]] {
        if let iv = self.used[Array(ciphertext.suffix(block))] { return [iv] }
        guard let i = self.initiatorKE, let r = self.responderKE,
              let first = self.digest(i + r).map({ Array($0.prefix(block)) }) else { return [] }
        if messageID == 0 { return [self.phase1IV ?? first] }
        if let iv = self.phase2IVs[messageID] { return [iv] }
        let id: [UInt8] = [UInt8(messageID >> 24), UInt8(messageID >> 16 & 0xFF), UInt8(messageID >> 8 & 0xFF), UInt8(messageID & 0xFF)]
        return [self.phase1IV, first].compactMap { $0.flatMap { self.digest($0 + id) }.map { Array($0.prefix(block)) } }
    }

    /// Moves the chain on after `ciphertext` was decrypted with `iv`.
    mutating func advance(after ciphertext: ArraySlice<UInt8>, iv: [UInt8], messageID: UInt32, block: Int) {
        let last = Array(ciphertext.suffix(block))
        guard self.used[last] == nil else { return }
        self.used[last] = iv
        if messageID == 0 { self.phase1IV = last } else { self.phase2IVs[messageID] = last }
    }
}

extension Decrypter {
    /// Where the ISAKMP header at layer `i` starts: its UDP payload, after the non-ESP marker on 4500.
    static func messageStart(_ layers: [DecodedLayer], before i: Int) -> Int? {
        var start: Int?
        for layer in layers[..<i] {
            switch layer {
            case .udp(let u): start = u.payload.start
            case .udpEncapsulation: start = start.map { $0 + 4 }
            default: break
            }
        }
        return start
    }

    func ikev1(_ m: IKEv1Message, at start: Int?, bytes: UnsafeRawBufferPointer, frame: Int) -> [UInt8]? {
        let candidates = self.tables.ikev1.filter { $0.initiatorCookie == m.initiatorCookie }
        guard !candidates.isEmpty else {
            if m.isEncrypted, !self.tables.ikev1.isEmpty {
                self.note("cookie \(hex64(m.initiatorCookie))",
                          "no IKEv1 keys for initiator cookie \(hex64(m.initiatorCookie)) (frame \(frame)): the keys given are for other SAs")
            }
            return nil
        }
        var exchange = self.exchanges[m.initiatorCookie] ?? IKEv1Exchange()
        defer { self.exchanges[m.initiatorCookie] = exchange }
        guard m.isEncrypted else {
            exchange.learn(m)
            return nil
        }
        let sa = "cookie \(hex64(m.initiatorCookie))"
        guard let cipher = exchange.cipher, let start, start + m.length <= bytes.count, m.length > 28 else {
            self.note(sa, "IKEv1 SA with initiator \(sa) (frame \(frame)): the capture does not show a cipher vpndoctor decrypts "
                          + "(AES-CBC, 3DES-CBC) and the key exchange before it: not decrypted")
            return nil
        }
        if let wrong = candidates.first(where: { $0.encryptionKey.count != cipher.keyMaterialBytes }),
           candidates.allSatisfy({ $0.encryptionKey.count != cipher.keyMaterialBytes }) {
            self.note(sa, "keys for IKEv1 \(sa) have \(wrong.encryptionKey.count) bytes of encryption key, the cipher needs "
                          + "\(cipher.keyMaterialBytes) (frame \(frame)): not decrypted, the analysis infers as without keys")
            return nil
        }
        let block = cipher.blockBytes
        let ciphertext = Array(bytes[(start + 28)..<(start + m.length)])[...]
        for iv in exchange.ivs(for: ciphertext, messageID: m.messageID, block: block) {
        for keys in candidates {
            guard keys.encryptionKey.count == cipher.keyMaterialBytes,
                  let plaintext = try? cipher.decrypt(ciphertext, key: keys.encryptionKey, iv: iv[...]) else { continue }
            // No ICV in IKEv1: the key is right when the payload chain parses and fills the
            // plaintext up to less than one block of padding (HASH needs SKEYID_a, not in the table).
            var check = m
            check.addDecrypted(plaintext, limits: self.dissector.limits)
            let used = check.payloads.reduce(0) { $0 + $1.length }
            guard check.chainError == nil, !check.payloads.isEmpty, used <= plaintext.count, plaintext.count - used <= block
            else { continue }
            exchange.advance(after: ciphertext, iv: iv, messageID: m.messageID, block: block)
            return plaintext
        }
        }
        self.note(sa, "keys for IKEv1 \(sa) do not verify (frame \(frame)): not decrypted, the analysis infers as without keys")
        return nil
    }
}
