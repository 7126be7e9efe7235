import Decoding

/// Decrypts, frame by frame in capture order, the IKE and ESP payloads the user has keys for, and
/// puts the plaintext back into the packet through the ordinary decoders (IKE payload chains, the
/// packet inside ESP). Integrity is checked before anything is trusted: keys that do not verify
/// leave the packet as it was (the analysis then infers, as without keys) and give one note per SA.
public final class Decrypter: PacketDecrypting {
    let tables: KeyTables
    let dissector: Dissector
    var exchanges: [UInt64: IKEv1Exchange] = [:]
    var fragments = IKEv2Fragments()
    /// ESP SAs with extended sequence numbers: the high 32 bits each is at (from 0, RFC 4303 §3.3.3).
    var esnHigh: [UInt32: UInt32] = [:]
    /// SAs already named in a note (one line each).
    var noted: Set<String> = []
    /// One line per SA whose keys did not verify, and the key files' own notes. Never key bytes.
    public private(set) var notes: [String]
    /// Payloads decrypted so far (IKE messages and ESP packets).
    public private(set) var decryptedCount = 0

    public init(tables: KeyTables, limits: DecodeLimits = .standard) {
        self.tables = tables
        self.dissector = Dissector(limits: limits)
        self.notes = tables.notes
    }

    public func decrypt(_ packet: inout DecodedPacket, bytes: UnsafeRawBufferPointer) {
        for i in packet.layers.indices {
            switch packet.layers[i] {
            case .ikev2(var m) where m.encrypted != nil && m.decryptedPayloads == nil:
                guard let plaintext = self.ikev2(m, bytes: bytes, frame: packet.frame.number) else { return }
                if m.fragment != nil {
                    let whole = self.fragments.add(m, plaintext: plaintext)
                    m.addDecrypted(whole?.plaintext ?? [], first: whole?.first ?? IKEv2PayloadType(rawValue: 0),
                                   limits: self.dissector.limits)
                } else {
                    m.addDecrypted(plaintext, limits: self.dissector.limits)
                }
                packet.layers[i] = .ikev2(m)
                self.decryptedCount += 1
                return
            case .isakmp(var m):
                guard let plaintext = self.ikev1(m, at: Self.messageStart(packet.layers, before: i), bytes: bytes,
                                                 frame: packet.frame.number) else { return }
                m.addDecrypted(plaintext, limits: self.dissector.limits)
                packet.layers[i] = .isakmp(m)
                self.decryptedCount += 1
                return
            case .esp(var e) where e.decrypted == nil:
                let addresses = i > 0 ? packet.layers[..<i].last(where: { $0.ipEndpoints != nil })?.ipEndpoints : nil
                guard let (inner, nextHeader) = self.esp(e, addresses: addresses, bytes: bytes,
                                                         frame: packet.frame.number) else { return }
                e.decrypted = true
                packet.layers[i] = .esp(e)
                self.decryptedCount += 1
                // Next header 59: a dummy packet (RFC 4303 §2.6), nothing inside.
                if nextHeader != 59 {
                    inner.withUnsafeBytes { self.dissector.decodeDecrypted($0, nextHeader: nextHeader, into: &packet) }
                }
                return
            default:
                continue
            }
        }
    }

    /// One line the first time an SA's keys fail.
    func note(_ sa: String, _ text: String) {
        guard self.noted.insert(sa).inserted else { return }
        self.notes.append(text)
    }

    // MARK: - IKEv2 (RFC 7296 §3.14, RFC 5282 for AEAD)

    func ikev2(_ m: IKEv2Message, bytes: UnsafeRawBufferPointer, frame: Int) -> [UInt8]? {
        guard let sk = m.encrypted, let first = m.payloads.first else { return nil }
        let sa = "SPI \(hex64(m.initiatorSPI))/\(hex64(m.responderSPI))"
        let candidates = self.tables.ikev2.filter { $0.initiatorSPI == m.initiatorSPI && $0.responderSPI == m.responderSPI }
        guard !candidates.isEmpty else {
            if !self.tables.ikev2.isEmpty {
                self.note(sa, "no IKEv2 keys for \(sa) (frame \(frame)): the keys given are for other SAs")
            }
            return nil
        }
        // SKF's fragment number and total (4 bytes) are authenticated, not encrypted (RFC 7383 §2.5).
        let start = first.offset - 28, skBody = sk.offset + (sk.type == .encryptedFragment ? 8 : 4), end = sk.offset + sk.length
        guard start >= 0, end <= bytes.count else { return nil }
        let message = Array(bytes[start..<end])
        let body = (skBody - start)..<(end - start)
        for keys in candidates {
            let (ek, ak) = m.isInitiator ? (keys.encryptionInitiator, keys.integrityInitiator)
                                         : (keys.encryptionResponder, keys.integrityResponder)
            if let plaintext = try? self.open(message, body: body, cipher: keys.cipher, integrity: keys.integrity,
                                              encryptionKey: ek, integrityKey: ak) {
                return Self.unpad(plaintext, trailer: 1)
            }
        }
        self.note(sa, "keys for \(sa) do not verify (frame \(frame)): not decrypted, the analysis infers as without keys")
        return nil
    }

    /// Checks and decrypts `message[body]` — IV, ciphertext, ICV — where `message` is everything the
    /// ICV covers plus the ICV. AEAD ciphers authenticate `message[..<body.lowerBound]` as AAD.
    /// `esnHigh`: ESP with extended sequence numbers (RFC 4303 §2.2.1), whose high 32 bits are not
    /// sent but enter the ICV — after the payload for HMAC (§3.3.2.1), between SPI and the low bits
    /// in the AAD for AES-GCM and ChaCha20-Poly1305 (RFC 4106 §5, RFC 7634 §3).
    func open(_ message: [UInt8], body: Range<Int>, cipher: Cipher, integrity: Integrity, encryptionKey: [UInt8],
              integrityKey: [UInt8], esnHigh: UInt32? = nil) throws -> [UInt8] {
        let ivEnd = body.lowerBound + cipher.ivBytes
        let high = esnHigh.map { h in (0..<4).map { UInt8(truncatingIfNeeded: h >> (24 - 8 * $0)) } } ?? []
        if let icvBytes = cipher.aeadICV {
            guard ivEnd + icvBytes <= body.upperBound else { throw DecryptionFailure.tooShort }
            let icvStart = body.upperBound - icvBytes
            let aad = high.isEmpty ? message[..<body.lowerBound] : ArraySlice(message[..<4] + high + message[4..<body.lowerBound])
            return try cipher.open(message[ivEnd..<icvStart], icv: message[icvStart..<body.upperBound], key: encryptionKey,
                                   iv: message[body.lowerBound..<ivEnd], aad: aad)
        }
        let icvStart = body.upperBound - integrity.icvBytes
        guard ivEnd <= icvStart else { throw DecryptionFailure.tooShort }
        let covered = high.isEmpty ? message[..<icvStart] : ArraySlice(message[..<icvStart] + high)
        guard integrity.verifies(covered, icv: message[icvStart..<body.upperBound], key: integrityKey) else {
            throw DecryptionFailure.integrity
        }
        return try cipher.decrypt(message[ivEnd..<icvStart], key: encryptionKey, iv: message[body.lowerBound..<ivEnd])
    }

    /// Strips the trailer — pad length byte, then `trailer - 1` more bytes (ESP's next header) —
    /// and the padding; nil when the pad length does not fit.
    static func unpad(_ plaintext: [UInt8], trailer: Int) -> [UInt8]? {
        guard plaintext.count >= trailer else { return nil }
        let pad = Int(plaintext[plaintext.count - trailer])
        guard pad + trailer <= plaintext.count else { return nil }
        return Array(plaintext[..<(plaintext.count - trailer - pad)])
    }

    // MARK: - ESP (RFC 4303, RFC 4106)

    func esp(_ e: ESP, addresses: (source: IPAddress, destination: IPAddress)?, bytes: UnsafeRawBufferPointer,
             frame: Int) -> ([UInt8], UInt8)? {
        let candidates = self.tables.esp.filter { k in
            k.spi == e.spi && (k.source == nil || k.source == addresses?.source)
                && (k.destination == nil || k.destination == addresses?.destination)
        }
        let sa = "SPI 0x\(hex32(e.spi))"
        guard !candidates.isEmpty else {
            if !self.tables.esp.isEmpty { self.note(sa, "no ESP keys for \(sa) (frame \(frame)): the keys given are for other SAs") }
            return nil
        }
        let start = e.payload.start - 8
        guard start >= 0, e.payload.end <= bytes.count else { return nil }
        let message = Array(bytes[start..<e.payload.end])
        for keys in candidates {
            // ESN: the high bits this SA is at, or the next ones once the low bits wrapped.
            let highs: [UInt32?] = keys.esn ? [self.esnHigh[e.spi] ?? 0, (self.esnHigh[e.spi] ?? 0) &+ 1] : [nil]
            guard let (high, plaintext) = highs.lazy.compactMap({ h in
                      (try? self.open(message, body: 8..<message.count, cipher: keys.cipher, integrity: keys.integrity,
                                      encryptionKey: keys.encryptionKey, integrityKey: keys.integrityKey, esnHigh: h)).map { (h, $0) }
                  }).first,
                  let last = plaintext.last, let inner = Self.unpad(plaintext, trailer: 2) else { continue }
            // Without an ICV (NULL integrity, non-AEAD) only the default padding 1, 2, 3… can tell
            // a right key from a wrong one (RFC 4303 §2.4).
            let padding = plaintext[inner.count..<(plaintext.count - 2)]
            if keys.integrity == .none, keys.cipher.aeadICV == nil,
               !padding.elementsEqual(padding.indices.map { UInt8(truncatingIfNeeded: $0 - inner.count + 1) }) {
                continue
            }
            if let high { self.esnHigh[e.spi] = high }
            return (inner, last)
        }
        self.note(sa, "keys for \(sa) do not verify (frame \(frame)): not decrypted, the analysis infers as without keys")
        return nil
    }
}
