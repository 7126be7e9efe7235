import Decoding

/// Key tables written back as Wireshark's UAT rows: the files of a profile (`ikev2_decryption_table`,
/// `ikev1_decryption_table`, `esp_sa`) or tshark's `-o uat:NAME:ROW`. The names are the ones
/// `WiresharkTables` reads, so a table read from a charon log can be checked against tshark.
extension KeyTables {
    public var wiresharkRows: [(table: String, row: String)] {
        let hex = { (b: [UInt8]) in b.hex }
        var rows: [(String, String)] = []
        for k in self.ikev2 {
            rows.append(("ikev2_decryption_table", [hex64(k.initiatorSPI), hex64(k.responderSPI), hex(k.encryptionInitiator),
                hex(k.encryptionResponder), "\"\(Self.ikev2Name(k.cipher))\"", hex(k.integrityInitiator), hex(k.integrityResponder),
                "\"\(Self.name(k.integrity, ikev2: true))\""].joined(separator: ",")))
        }
        for k in self.ikev1 {
            rows.append(("ikev1_decryption_table", "\(hex64(k.initiatorCookie)),\(hex(k.encryptionKey))"))
        }
        for k in self.esp {
            let ip = { (a: IPAddress?) in a.map { "\"\($0)\"" } ?? "\"*\"" }
            let family = k.source.map { $0.isV4 ? "IPv4" : "IPv6" } ?? "Any"
            rows.append(("esp_sa", ["\"\(family)\"", ip(k.source), ip(k.destination), "\"0x\(hex32(k.spi))\"",
                "\"\(Self.espName(k.cipher))\"", "\"0x\(hex(k.encryptionKey))\"", "\"\(Self.name(k.integrity, ikev2: false))\"",
                "\"0x\(hex(k.integrityKey))\""].joined(separator: ",")))
        }
        return rows
    }

    static func ikev2Name(_ c: Cipher) -> String {
        switch c {
        case .null: "NONE [RFC4306]"
        case .tripleDESCBC: "3DES [RFC2451]"
        case .aesCBC(let n): "AES-CBC-\(n * 8) [RFC3602]"
        case .aesCTR(let n): "AES-CTR-\(n * 8) [RFC5930]"
        case .aesGCM(let n, let icv): "AES-GCM-\(n * 8) with \(icv) octet ICV [RFC5282]"
        case .chacha20Poly1305: "ChaCha20-Poly1305 [RFC7634]"
        }
    }

    static func espName(_ c: Cipher) -> String {
        switch c {
        case .null: "NULL"
        case .tripleDESCBC: "TripleDES-CBC [RFC2451]"
        case .aesCBC: "AES-CBC [RFC3602]"
        case .aesCTR: "AES-CTR [RFC3686]"
        case .aesGCM(_, let icv): "AES-GCM with \(icv) octet ICV [RFC4106]"
        case .chacha20Poly1305: "ChaCha20-Poly1305 [RFC7634]"
        }
    }

    static func name(_ i: Integrity, ikev2: Bool) -> String {
        switch (i, ikev2) {
        case (.none, true): "NONE [RFC4306]"
        case (.none, false): "NULL"
        case (.hmacMD5_96, true): "HMAC_MD5_96 [RFC2403]"
        case (.hmacMD5_96, false): "HMAC-MD5-96 [RFC2403]"
        case (.hmacSHA1_96, true): "HMAC_SHA1_96 [RFC2404]"
        case (.hmacSHA1_96, false): "HMAC-SHA-1-96 [RFC2404]"
        case (.hmacSHA256_128, true): "HMAC_SHA2_256_128 [RFC4868]"
        case (.hmacSHA256_128, false): "HMAC-SHA-256-128 [RFC4868]"
        case (.hmacSHA384_192, true): "HMAC_SHA2_384_192 [RFC4868]"
        case (.hmacSHA384_192, false): "HMAC-SHA-384-192 [RFC4868]"
        case (.hmacSHA512_256, true): "HMAC_SHA2_512_256 [RFC4868]"
        case (.hmacSHA512_256, false): "HMAC-SHA-512-256 [RFC4868]"
        }
    }
}
