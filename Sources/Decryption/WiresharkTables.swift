import Decoding
import Foundation

/// Wireshark's decryption tables as a profile saves them (UAT files: one row a line, fields
/// separated by commas, text fields in double quotes, byte fields as bare hex):
///
/// - `ikev2_decryption_table`: initiator SPI, responder SPI, SK_ei, SK_er, encryption algorithm,
///   SK_ai, SK_ar, integrity algorithm (8 fields)
/// - `ikev1_decryption_table`: initiator cookie, encryption key (2 fields)
/// - `esp_sa`: protocol, source, destination, SPI, encryption algorithm, encryption key,
///   authentication algorithm, authentication key (8 fields, the SPI "0x…")
///
/// Algorithms are matched by their names in Wireshark's menus, without the "[RFC…]" tail.
enum WiresharkTables {
    static func parse(_ text: String, file: String) -> KeyTables {
        var tables = KeyTables()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let place = "\(file):\(n + 1)"
            let fields = self.fields(of: Substring(trimmed))
            switch fields.count {
            case 8 where fields[3].lowercased().hasPrefix("0x"):
                self.addESP(fields, at: place, to: &tables)
            case 8:
                self.addIKEv2(fields, at: place, to: &tables)
            case 2:
                guard let cookie = bytes(fromHex: Substring(fields[0])), cookie.count == 8,
                      let key = bytes(fromHex: Substring(fields[1])), !key.isEmpty else {
                    tables.notes.append("\(place): not an ikev1_decryption_table row (cookie of 8 bytes, key): row skipped")
                    continue
                }
                tables.ikev1.append(IKEv1SAKeys(initiatorCookie: UInt64(bigEndianBytes: cookie), encryptionKey: key))
            default:
                tables.notes.append("\(place): \(fields.count) fields: not a row of ikev2_decryption_table, "
                                    + "ikev1_decryption_table or esp_sa: row skipped")
            }
        }
        return tables
    }

    static func addIKEv2(_ f: [String], at place: String, to tables: inout KeyTables) {
        guard let spiI = bytes(fromHex: Substring(f[0])), spiI.count == 8,
              let spiR = bytes(fromHex: Substring(f[1])), spiR.count == 8,
              let ei = bytes(fromHex: Substring(f[2])), let er = bytes(fromHex: Substring(f[3])),
              let ai = bytes(fromHex: Substring(f[5])), let ar = bytes(fromHex: Substring(f[6])) else {
            tables.notes.append("\(place): an ikev2_decryption_table row needs 8-byte SPIs and hex keys: row skipped")
            return
        }
        guard let cipher = self.ikev2Cipher(f[4]) else {
            tables.notes.append("\(place): unknown encryption algorithm \"\(f[4])\": row skipped")
            return
        }
        guard let integrity = self.integrity(f[7]) else {
            tables.notes.append("\(place): unknown integrity algorithm \"\(f[7])\": row skipped")
            return
        }
        tables.addChecked(IKEv2SAKeys(initiatorSPI: UInt64(bigEndianBytes: spiI), responderSPI: UInt64(bigEndianBytes: spiR),
                                      encryptionInitiator: ei, encryptionResponder: er, cipher: cipher,
                                      integrityInitiator: ai, integrityResponder: ar, integrity: integrity), at: place)
    }

    static func addESP(_ f: [String], at place: String, to tables: inout KeyTables) {
        guard let spiBytes = bytes(fromHex: Substring(f[3])), spiBytes.count == 4,
              let ek = bytes(fromHex: Substring(f[5])), let ak = bytes(fromHex: Substring(f[7])) else {
            tables.notes.append("\(place): an esp_sa row needs a 4-byte SPI and hex keys: row skipped")
            return
        }
        guard let cipher = self.espCipher(f[4], keyBytes: ek.count) else {
            tables.notes.append("\(place): unknown encryption algorithm \"\(f[4])\": row skipped")
            return
        }
        guard let integrity = self.integrity(f[6]) else {
            tables.notes.append("\(place): unknown authentication algorithm \"\(f[6])\": row skipped")
            return
        }
        // ESP names carry no key size, so a cut key would pass as another size: AES has three.
        switch cipher {
        case .aesCBC(let n), .aesCTR(let n), .aesGCM(let n, _):
            guard [16, 24, 32].contains(n) else {
                tables.notes.append("\(place): keys for SPI \(f[3]) have \(ek.count) bytes of encryption key, the cipher needs "
                                    + "\(cipher.keyMaterialBytes - n + 16), \(cipher.keyMaterialBytes - n + 24) or "
                                    + "\(cipher.keyMaterialBytes - n + 32): row skipped")
                return
            }
        default: break
        }
        tables.addChecked(ESPSAKeys(source: IPAddress(f[1]), destination: IPAddress(f[2]),
                                    spi: UInt32(truncatingIfNeeded: UInt64(bigEndianBytes: spiBytes)), cipher: cipher,
                                    encryptionKey: ek, integrity: integrity, integrityKey: ak), at: place)
    }

    /// "AES-CBC-256 [RFC3602]" → "AES-CBC-256".
    static func bare(_ name: String) -> String {
        String(name.prefix { $0 != "[" }).trimmingCharacters(in: .whitespaces)
    }

    static func ikev2Cipher(_ name: String) -> Cipher? {
        let n = self.bare(name)
        switch n {
        case "NONE", "NULL": return .null
        case "3DES": return .tripleDESCBC
        case "ChaCha20-Poly1305", "ChaCha20/Poly1305": return .chacha20Poly1305
        default: break
        }
        let parts = n.split(separator: " ")
        guard let mode = parts.first, let bits = mode.split(separator: "-").last.flatMap({ Int($0) }),
              [128, 192, 256].contains(bits) else { return nil }
        if mode.hasPrefix("AES-CBC-"), parts.count == 1 { return .aesCBC(keyBytes: bits / 8) }
        if mode.hasPrefix("AES-CTR-"), parts.count == 1 { return .aesCTR(keyBytes: bits / 8) }
        // "AES-GCM-128 with 16 octet ICV"
        if mode.hasPrefix("AES-GCM-"), parts.count >= 3, let icv = Int(parts[2]), [8, 12, 16].contains(icv) {
            return .aesGCM(keyBytes: bits / 8, icv: icv)
        }
        return nil
    }

    /// ESP names carry no key size: it comes from the key (salt included for CTR and GCM).
    static func espCipher(_ name: String, keyBytes: Int) -> Cipher? {
        let n = self.bare(name)
        switch n {
        case "NULL": return .null
        case "TripleDES-CBC": return .tripleDESCBC
        case "AES-CBC": return .aesCBC(keyBytes: keyBytes)
        case "AES-CTR": return .aesCTR(keyBytes: keyBytes - 4)
        case "ChaCha20 with Poly1305", "ChaCha20-Poly1305": return .chacha20Poly1305
        default: break
        }
        // "AES-GCM with 16 octet ICV"
        let parts = n.split(separator: " ")
        if n.hasPrefix("AES-GCM with "), parts.count >= 3, let icv = Int(parts[2]), [8, 12, 16].contains(icv) {
            return .aesGCM(keyBytes: keyBytes - 4, icv: icv)
        }
        return nil
    }

    /// IKEv2 ("HMAC_SHA2_256_128") and ESP ("HMAC-SHA-256-128") spellings.
    static func integrity(_ name: String) -> Integrity? {
        switch self.bare(name).replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "SHA2-", with: "SHA-") {
        case "NONE", "NULL": Integrity.none
        case "HMAC-MD5-96": .hmacMD5_96
        case "HMAC-SHA1-96", "HMAC-SHA-1-96": .hmacSHA1_96
        case "HMAC-SHA-256-128": .hmacSHA256_128
        case "HMAC-SHA-384-192": .hmacSHA384_192
        case "HMAC-SHA-512-256": .hmacSHA512_256
        default: nil
        }
    }

    /// Splits a UAT line: quoted fields (with `\xNN` escapes) or bare ones, comma-separated.
    static func fields(of line: Substring) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    quoted = false
                } else if c == "\\", let end = line.index(i, offsetBy: 4, limitedBy: line.endIndex),
                          line[line.index(after: i)] == "x", let v = UInt8(line[line.index(i, offsetBy: 2)..<end], radix: 16) {
                    current.append(Character(Unicode.Scalar(v)))
                    i = line.index(before: end)
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
            i = line.index(after: i)
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

extension UInt64 {
    /// Big-endian bytes (at most 8) as a number.
    init(bigEndianBytes b: [UInt8]) {
        self = b.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
