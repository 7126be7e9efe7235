import Capture
import Crypto
import Decoding
@testable import Decryption
import Testing
import TestSupport

/// ESP with extended sequence numbers (RFC 4303 §2.2.1): the high 32 bits are not sent but enter
/// the ICV. No real ESN packet can be had here — kernel-libipsec refuses ESN SAs ("IPsec SA: ESN not
/// supported" in charon's log), this kernel has no ESP xfrm type, and tshark 4.0's `esp_sa` has no ESN
/// column — so the packets are real ESP packets of the lab (`ikev2-sha1-ok`: AES-CBC-192 with
/// HMAC-SHA1-96; `ikev2-aes-gcm-ok`: AES-GCM-16) whose ICV alone is made synthetic: recomputed
/// with swift-crypto as an ESN SA at high bits 0 would send it.
@Suite struct ESNTests {
    /// The first ESP frame of the scenario's client capture, its bytes, and the keys of its SA.
    static func firstESP(_ scenario: String) throws -> (bytes: [UInt8], esp: ESP, keys: ESPSAKeys, tables: KeyTables) {
        let tables = try LabDecryptionTests.tables(scenario)
        let file = try PcapFile(path: Corpus.capturePath("lab-\(scenario)-client.pcap"))
        var decoder = PacketDecoder()
        while let frame = try file.next() {
            let packet = decoder.decode(frame)
            if let e = packet.esp, let keys = tables.esp.first(where: { $0.spi == e.spi }) {
                return (Array(frame.bytes), e, keys, tables)
            }
        }
        throw DecryptionFailure.tooShort
    }

    /// Decrypts one frame with `tables`, the ESN flag set as given for every ESP SA.
    static func decrypts(_ bytes: [UInt8], _ tables: KeyTables, esn: Bool) -> Bool {
        var t = tables
        for i in t.esp.indices { t.esp[i].esn = esn }
        var packet = decodeBytes(bytes)
        let decrypter = Decrypter(tables: t)
        bytes.withUnsafeBytes { decrypter.decrypt(&packet, bytes: $0) }
        return packet.esp?.decrypted == true && packet.layers.contains { $0.kind == .icmp }
    }

    @Test func hmacCoversTheHighBitsAfterThePayload() throws {
        let (original, e, keys, tables) = try Self.firstESP("ikev2-sha1-ok")
        #expect(keys.integrity == .hmacSHA1_96)
        let start = e.payload.start - 8, icvStart = e.payload.end - 12
        var esn = original
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: original[start..<icvStart] + [0, 0, 0, 0],
                                                         using: SymmetricKey(data: keys.integrityKey))
        esn.replaceSubrange(icvStart..<e.payload.end, with: Array(mac).prefix(12))
        #expect(Self.decrypts(original, tables, esn: false))
        #expect(Self.decrypts(esn, tables, esn: true))
        #expect(!Self.decrypts(esn, tables, esn: false))
        #expect(!Self.decrypts(original, tables, esn: true))
    }

    @Test func gcmPutsTheHighBitsBetweenSPIAndSequence() throws {
        let (original, e, keys, tables) = try Self.firstESP("ikev2-aes-gcm-ok")
        guard case .aesGCM(let n, 16) = keys.cipher else { Issue.record("not AES-GCM-16: \(keys.cipher)"); return }
        let start = e.payload.start - 8, ivStart = e.payload.start, ctStart = ivStart + 8, tagStart = e.payload.end - 16
        let key = SymmetricKey(data: keys.encryptionKey[..<n])
        let nonce = try AES.GCM.Nonce(data: keys.encryptionKey[n...] + original[ivStart..<ctStart])
        let plaintext = try AES.GCM.open(AES.GCM.SealedBox(nonce: nonce, ciphertext: original[ctStart..<tagStart],
                                                           tag: original[tagStart..<e.payload.end]),
                                         using: key, authenticating: original[start..<ivStart])
        // RFC 4106 §5: AAD with ESN is SPI, high 32 bits, low 32 bits.
        let sealed = try AES.GCM.seal(plaintext, using: key, nonce: nonce,
                                      authenticating: original[start..<(start + 4)] + [0, 0, 0, 0] + original[(start + 4)..<ivStart])
        var esn = original
        esn.replaceSubrange(ctStart..<e.payload.end, with: Array(sealed.ciphertext) + Array(sealed.tag))
        #expect(Self.decrypts(original, tables, esn: false))
        #expect(Self.decrypts(esn, tables, esn: true))
        #expect(!Self.decrypts(esn, tables, esn: false))
    }
}
