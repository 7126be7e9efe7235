import Decoding
import Foundation

/// strongSwan's charon log at level 4 (`ike 4`, `chd 4`; file log or syslog) read as the
/// Wireshark tables it implies. Per IKE SA (the `<name|N>` tag):
///
/// - SPIs (IKEv2) or cookies (IKEv1): the `natd_chunk` dump — SPIi | SPIr | address | port —
///   that has both set;
/// - algorithms: `selected proposal: IKE:…` and `ESP:…`;
/// - keys: `Sk_ei/Sk_er/Sk_ai/Sk_ar secret` (IKEv2), `encryption key Ka` (IKEv1), and per
///   CHILD_SA `encryption/integrity initiator/responder key`, bound to the SPIs and addresses of
///   the `adding inbound/outbound ESP SA` lines that follow. The initiator's keys protect what the
///   initiator sends: the log's own role (`initiating …` or not) says which direction that is.
enum CharonKeyLog {
    static func looksLikeCharonLog(_ text: String) -> Bool {
        text.contains("[IKE] <") || text.contains("[CFG] <")
    }

    /// What one IKE SA's lines say.
    struct SA {
        var isInitiator = false
        var spis: [UInt8]?
        var ikeProposal: String?
        var espProposal: String?
        var dumps: [String: [UInt8]] = [:]
        var pendingDirection: String?
    }

    static func tables(from text: String, file: String) -> KeyTables {
        var tables = KeyTables()
        var sas: [String: SA] = [:]
        var order: [String] = []
        var dump: (sa: String, name: String, count: Int, bytes: [UInt8])?
        for (n, raw) in text.split(separator: "\n").enumerated() {
            guard let open = raw.range(of: "] <"), let close = raw[open.upperBound...].firstIndex(of: ">") else { continue }
            let tag = String(raw[open.upperBound..<close])
            let rest = raw[raw.index(after: close)...]
            if sas[tag] == nil { sas[tag] = SA(); order.append(tag) }
            if var d = dump, d.sa == tag {
                // "   16: 8A 4A A5 …  ascii": take only the bytes still missing (at most 16 a line).
                if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy({ $0 == " " || $0.isNumber }) {
                    let tokens = rest[rest.index(after: colon)...].split(separator: " ")
                    let take = min(16, d.count - d.bytes.count)
                    d.bytes += tokens.prefix(take).compactMap { UInt8($0, radix: 16) }
                    dump = d.bytes.count >= d.count ? nil : d
                    if d.bytes.count >= d.count { self.store(d.name, d.bytes, in: &sas[tag]!) }
                    continue
                }
                dump = nil
            }
            let line = rest.trimmingCharacters(in: .whitespaces)
            if let arrow = line.range(of: " => "), let countEnd = line[arrow.upperBound...].firstIndex(of: " "),
               let count = Int(line[arrow.upperBound..<countEnd]), line[countEnd...].hasPrefix(" bytes") {
                dump = (tag, String(line[..<arrow.lowerBound]), count, [])
                if count == 0 { dump = nil }
            } else if line.hasPrefix("initiating ") {
                sas[tag]!.isInitiator = true
            } else if line.hasPrefix("selected proposal: IKE:") {
                sas[tag]!.ikeProposal = String(line.dropFirst("selected proposal: IKE:".count))
            } else if line.hasPrefix("selected proposal: ESP:") {
                sas[tag]!.espProposal = String(line.dropFirst("selected proposal: ESP:".count))
            } else if line.hasPrefix("adding inbound ESP SA") || line.hasPrefix("adding outbound ESP SA") {
                sas[tag]!.pendingDirection = line.hasPrefix("adding inbound") ? "inbound" : "outbound"
            } else if line.hasPrefix("SPI 0x"), let direction = sas[tag]!.pendingDirection {
                sas[tag]!.pendingDirection = nil
                self.addESP(line, inbound: direction == "inbound", sa: sas[tag]!, place: "\(file):\(n + 1)", to: &tables)
            }
        }
        for tag in order {
            if let sa = sas[tag] { self.addIKE(sa, tag: tag, file: file, to: &tables) }
        }
        return tables
    }

    static func store(_ name: String, _ bytes: [UInt8], in sa: inout SA) {
        // The natd_chunk with both SPIs set names the SA (the first ones have SPIr zero).
        if name == "natd_chunk", bytes.count >= 16, bytes[8..<16].contains(where: { $0 != 0 }) {
            if sa.spis == nil { sa.spis = Array(bytes[0..<16]) }
            return
        }
        sa.dumps[name] = bytes
    }

    static func addIKE(_ sa: SA, tag: String, file: String, to tables: inout KeyTables) {
        let place = "\(file) <\(tag)>"
        guard let spis = sa.spis else { return }
        if let ka = sa.dumps["encryption key Ka"] {
            tables.ikev1.append(IKEv1SAKeys(initiatorCookie: UInt64(bigEndianBytes: Array(spis[0..<8])), encryptionKey: ka))
            return
        }
        guard let ei = sa.dumps["Sk_ei secret"], let er = sa.dumps["Sk_er secret"] else { return }
        guard let proposal = sa.ikeProposal, let (cipher, integrity) = self.algorithms(proposal) else {
            tables.notes.append("\(place): IKE proposal \"\(sa.ikeProposal ?? "?")\" not understood: SA skipped")
            return
        }
        tables.addChecked(IKEv2SAKeys(initiatorSPI: UInt64(bigEndianBytes: Array(spis[0..<8])),
                                      responderSPI: UInt64(bigEndianBytes: Array(spis[8..<16])),
                                      encryptionInitiator: ei, encryptionResponder: er, cipher: cipher,
                                      integrityInitiator: sa.dumps["Sk_ai secret"] ?? [],
                                      integrityResponder: sa.dumps["Sk_ar secret"] ?? [], integrity: integrity), at: place)
    }

    /// "SPI 0x5c0fe755, src 203.0.113.20 dst 192.0.2.10" after "adding inbound ESP SA".
    static func addESP(_ line: String, inbound: Bool, sa: SA, place: String, to tables: inout KeyTables) {
        let words = line.replacingOccurrences(of: ",", with: "").split(separator: " ")
        guard words.count >= 6, let spiBytes = bytes(fromHex: words[1]), spiBytes.count == 4,
              let proposal = sa.espProposal, let (cipher, integrity) = self.algorithms(proposal) else {
            tables.notes.append("\(place): ESP SA line or proposal not understood: SA skipped")
            return
        }
        // What the initiator sends is its outbound, the responder's inbound.
        let fromInitiator = sa.isInitiator != inbound
        let side = fromInitiator ? "initiator" : "responder"
        guard let ek = sa.dumps["encryption \(side) key"] else { return }
        tables.addChecked(ESPSAKeys(source: IPAddress(String(words[3])), destination: IPAddress(String(words[5])),
                                    spi: UInt32(truncatingIfNeeded: UInt64(bigEndianBytes: spiBytes)), cipher: cipher,
                                    encryptionKey: ek, integrity: integrity,
                                    integrityKey: sa.dumps["integrity \(side) key"] ?? [],
                                    esn: proposal.split(separator: "/").contains("EXT_SEQ")), at: place)
    }

    /// "AES_CBC_256/HMAC_SHA2_256_128/PRF_…" or "AES_GCM_16_256/…" as cipher and integrity.
    static func algorithms(_ proposal: String) -> (Cipher, Integrity)? {
        var cipher: Cipher?
        var integrity = Integrity.none
        for t in proposal.split(separator: "/") {
            let p = t.split(separator: "_")
            switch t {
            case "3DES_CBC": cipher = .tripleDESCBC
            case "NULL": cipher = .null
            case "CHACHA20_POLY1305", "CHACHA20_POLY1305_256": cipher = .chacha20Poly1305
            case "HMAC_MD5_96": integrity = .hmacMD5_96
            case "HMAC_SHA1_96": integrity = .hmacSHA1_96
            case "HMAC_SHA2_256_128": integrity = .hmacSHA256_128
            case "HMAC_SHA2_384_192": integrity = .hmacSHA384_192
            case "HMAC_SHA2_512_256": integrity = .hmacSHA512_256
            default:
                if t.hasPrefix("AES_CBC_"), p.count == 3, let bits = Int(p[2]) { cipher = .aesCBC(keyBytes: bits / 8) }
                if t.hasPrefix("AES_CTR_"), p.count == 3, let bits = Int(p[2]) { cipher = .aesCTR(keyBytes: bits / 8) }
                if t.hasPrefix("AES_GCM_"), p.count == 4, let icv = Int(p[2]), let bits = Int(p[3]) {
                    cipher = .aesGCM(keyBytes: bits / 8, icv: icv)
                }
            }
        }
        return cipher.map { ($0, integrity) }
    }
}
