import CCryptoBoringSSL
import Crypto
import _CryptoExtras
import Foundation

/// A negotiated encryption transform and what it needs from the wire: every cipher here comes from
/// swift-crypto (`Crypto`, `_CryptoExtras`) or, for 3DES, BoringSSL's DES as swift-crypto vendors
/// it. Nothing is implemented by hand.
public enum Cipher: Hashable, Sendable {
    case null
    /// AES-CBC with a 16/24/32-byte key (RFC 3602).
    case aesCBC(keyBytes: Int)
    /// AES-CTR (RFC 3686, RFC 5930): the key material ends with a 4-byte nonce.
    case aesCTR(keyBytes: Int)
    /// AES-GCM (RFC 4106, RFC 5282) with an 8, 12 or 16-byte ICV: the key material ends with a 4-byte salt.
    case aesGCM(keyBytes: Int, icv: Int)
    /// ChaCha20-Poly1305 (RFC 7634): 32-byte key plus a 4-byte salt, 16-byte ICV.
    case chacha20Poly1305
    /// 3DES-CBC (RFC 2451), 24-byte key.
    case tripleDESCBC

    /// Bytes of key material the table must give (cipher key plus salt/nonce).
    public var keyMaterialBytes: Int {
        switch self {
        case .null: 0
        case .aesCBC(let n): n
        case .aesCTR(let n), .aesGCM(let n, _): n + 4
        case .chacha20Poly1305: 36
        case .tripleDESCBC: 24
        }
    }

    /// The IV on the wire in front of the ciphertext.
    var ivBytes: Int {
        switch self {
        case .null: 0
        case .aesCBC: 16
        case .tripleDESCBC: 8
        case .aesCTR, .aesGCM, .chacha20Poly1305: 8
        }
    }

    /// The combined-mode ICV, or nil when a separate integrity transform authenticates.
    var aeadICV: Int? {
        switch self {
        case .aesGCM(_, let icv): icv
        case .chacha20Poly1305: 16
        default: nil
        }
    }

    /// CBC block size (the ciphertext must be a multiple), or 1 for stream modes.
    var blockBytes: Int {
        switch self {
        case .aesCBC: 16
        case .tripleDESCBC: 8
        default: 1
        }
    }

    /// Decrypts a non-AEAD ciphertext (CBC without padding removal, CTR, NULL).
    func decrypt(_ ciphertext: ArraySlice<UInt8>, key: [UInt8], iv: ArraySlice<UInt8>) throws -> [UInt8] {
        switch self {
        case .null:
            return Array(ciphertext)
        case .aesCBC:
            guard ciphertext.count % 16 == 0 else { throw DecryptionFailure.notBlockAligned }
            return Array(try AES._CBC.decrypt(ciphertext, using: SymmetricKey(data: key),
                                              iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
        case .aesCTR(let n):
            // Counter block: nonce (4) | IV (8) | 32-bit counter starting at 1 (RFC 3686 §4).
            let block = key[n...] + iv + [0, 0, 0, 1]
            return Array(try AES._CTR.decrypt(ciphertext, using: SymmetricKey(data: key[..<n]),
                                              nonce: AES._CTR.Nonce(nonceBytes: block)))
        case .tripleDESCBC:
            return try tripleDESDecrypt(ciphertext, key: key, iv: iv)
        case .aesGCM, .chacha20Poly1305:
            throw DecryptionFailure.unsupported
        }
    }

    /// Opens a combined-mode ciphertext, checking its ICV first; throws when it does not verify.
    func open(_ ciphertext: ArraySlice<UInt8>, icv: ArraySlice<UInt8>, key: [UInt8], iv: ArraySlice<UInt8>,
              aad: ArraySlice<UInt8>) throws -> [UInt8] {
        switch self {
        case .aesGCM(let n, _):
            // swift-crypto's GCM tags are 16 bytes. For the truncated ICVs of RFC 4106 the payload
            // is decrypted as GCM's CTR stream (counter 2 onwards), sealed again with the same
            // nonce, and the recomputed ciphertext and the ICV's prefix of the full tag compared.
            let aesKey = SymmetricKey(data: key[..<n])
            let nonce = Array(key[n...] + iv)
            let plaintext = Array(try AES._CTR.decrypt(ciphertext, using: aesKey,
                                                       nonce: AES._CTR.Nonce(nonceBytes: nonce + [0, 0, 0, 2])))
            let sealed = try AES.GCM.seal(plaintext, using: aesKey, nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
            guard sealed.ciphertext.elementsEqual(ciphertext), sealed.tag.prefix(icv.count).elementsEqual(icv) else {
                throw DecryptionFailure.integrity
            }
            return plaintext
        case .chacha20Poly1305:
            let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: key[32...] + iv), ciphertext: ciphertext, tag: icv)
            do {
                return Array(try ChaChaPoly.open(box, using: SymmetricKey(data: key[..<32]), authenticating: aad))
            } catch {
                throw DecryptionFailure.integrity
            }
        default:
            throw DecryptionFailure.unsupported
        }
    }
}

/// 3DES-CBC through BoringSSL's DES (swift-crypto has no 3DES of its own).
private func tripleDESDecrypt(_ ciphertext: ArraySlice<UInt8>, key: [UInt8], iv: ArraySlice<UInt8>) throws -> [UInt8] {
    guard key.count == 24, iv.count == 8 else { throw DecryptionFailure.keyLength }
    guard ciphertext.count % 8 == 0 else { throw DecryptionFailure.notBlockAligned }
    var schedules = [DES_key_schedule](repeating: DES_key_schedule(), count: 3)
    for i in 0..<3 {
        var block = DES_cblock()
        withUnsafeMutableBytes(of: &block) { $0.copyBytes(from: key[(i * 8)..<(i * 8 + 8)]) }
        CCryptoBoringSSL_DES_set_key_unchecked(&block, &schedules[i])
    }
    var ivBlock = DES_cblock()
    withUnsafeMutableBytes(of: &ivBlock) { $0.copyBytes(from: iv) }
    let input = Array(ciphertext)
    var output = [UInt8](repeating: 0, count: input.count)
    CCryptoBoringSSL_DES_ede3_cbc_encrypt(input, &output, input.count, &schedules[0], &schedules[1], &schedules[2],
                                          &ivBlock, DES_DECRYPT)
    return output
}

/// A negotiated integrity transform: HMAC truncated to the ICV length.
public enum Integrity: Hashable, Sendable {
    case none
    case hmacMD5_96
    case hmacSHA1_96
    case hmacSHA256_128
    case hmacSHA384_192
    case hmacSHA512_256

    /// Bytes of ICV on the wire.
    public var icvBytes: Int {
        switch self {
        case .none: 0
        case .hmacMD5_96, .hmacSHA1_96: 12
        case .hmacSHA256_128: 16
        case .hmacSHA384_192: 24
        case .hmacSHA512_256: 32
        }
    }

    /// True when `icv` is the truncated HMAC of `data` under `key`.
    func verifies(_ data: ArraySlice<UInt8>, icv: ArraySlice<UInt8>, key: [UInt8]) -> Bool {
        let k = SymmetricKey(data: key)
        let mac: [UInt8]
        switch self {
        case .none: return icv.isEmpty
        case .hmacMD5_96: mac = Array(HMAC<Insecure.MD5>.authenticationCode(for: data, using: k))
        case .hmacSHA1_96: mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: k))
        case .hmacSHA256_128: mac = Array(HMAC<SHA256>.authenticationCode(for: data, using: k))
        case .hmacSHA384_192: mac = Array(HMAC<SHA384>.authenticationCode(for: data, using: k))
        case .hmacSHA512_256: mac = Array(HMAC<SHA512>.authenticationCode(for: data, using: k))
        }
        return mac.prefix(icv.count).elementsEqual(icv) && icv.count == self.icvBytes
    }
}

/// Why a payload was not decrypted (never carries key bytes).
enum DecryptionFailure: Error {
    case integrity, notBlockAligned, keyLength, badPadding, tooShort, unsupported
}

extension Array where Element == UInt8 {
    /// Lower-case hex, for SPIs and cookies in messages (never for keys).
    var hex: String { self.map { String(format: "%02x", $0) }.joined() }
}
