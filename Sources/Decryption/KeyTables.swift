import Decoding
import Foundation

/// One IKEv2 SA's keys, as a row of Wireshark's `ikev2_decryption_table`.
public struct IKEv2SAKeys: Sendable {
    public var initiatorSPI: UInt64
    public var responderSPI: UInt64
    public var encryptionInitiator: [UInt8]
    public var encryptionResponder: [UInt8]
    public var cipher: Cipher
    public var integrityInitiator: [UInt8]
    public var integrityResponder: [UInt8]
    public var integrity: Integrity
}

/// One IKEv1 SA's phase-1 encryption key, as a row of Wireshark's `ikev1_decryption_table`
/// (the cipher and hash come from the SA the capture negotiates).
public struct IKEv1SAKeys: Sendable {
    public var initiatorCookie: UInt64
    public var encryptionKey: [UInt8]
}

/// One ESP SA's keys, as a row of Wireshark's `esp_sa` (nil addresses match any).
public struct ESPSAKeys: Sendable {
    public var source: IPAddress?
    public var destination: IPAddress?
    public var spi: UInt32
    public var cipher: Cipher
    public var encryptionKey: [UInt8]
    public var integrity: Integrity
    public var integrityKey: [UInt8]
    /// Extended (64-bit) sequence numbers (RFC 4303 §2.2.1): charon's `EXT_SEQ`. Wireshark 4.0's
    /// `esp_sa` has no such column.
    public var esn = false
}

/// Every key the user gave (`--keys FILE`, repeatable), and one line for each row that could not
/// be used. No key byte is ever put into a note.
public struct KeyTables: Sendable {
    public var ikev2: [IKEv2SAKeys] = []
    public var ikev1: [IKEv1SAKeys] = []
    public var esp: [ESPSAKeys] = []
    /// "FILE:LINE: …" for rows skipped (unknown algorithm name, key of the wrong length…).
    public var notes: [String] = []

    public init() {}

    public var isEmpty: Bool { self.ikev2.isEmpty && self.ikev1.isEmpty && self.esp.isEmpty }

    /// Reads one key file: a Wireshark table (`ikev2_decryption_table`, `ikev1_decryption_table`,
    /// `esp_sa`, told apart by their column count) or a strongSwan charon log at level 4.
    public mutating func load(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let name = (path as NSString).lastPathComponent
        if CharonKeyLog.looksLikeCharonLog(text) {
            self.add(CharonKeyLog.tables(from: text, file: name))
        } else {
            self.add(WiresharkTables.parse(text, file: name))
        }
    }

    mutating func add(_ other: KeyTables) {
        self.ikev2 += other.ikev2
        self.ikev1 += other.ikev1
        self.esp += other.esp
        self.notes += other.notes
    }

    /// Checks key lengths against the cipher; a row that does not fit becomes a note.
    mutating func addChecked(_ keys: IKEv2SAKeys, at place: String) {
        let need = keys.cipher.keyMaterialBytes
        guard keys.encryptionInitiator.count == need, keys.encryptionResponder.count == need else {
            self.notes.append("\(place): keys for SPI \(hex64(keys.initiatorSPI))/\(hex64(keys.responderSPI)) have "
                              + "\(keys.encryptionInitiator.count) bytes of encryption key, the cipher needs \(need): row skipped")
            return
        }
        self.ikev2.append(keys)
    }

    mutating func addChecked(_ keys: ESPSAKeys, at place: String) {
        let need = keys.cipher.keyMaterialBytes
        guard keys.encryptionKey.count == need else {
            self.notes.append("\(place): keys for SPI 0x\(hex32(keys.spi)) have \(keys.encryptionKey.count) bytes of "
                              + "encryption key, the cipher needs \(need): row skipped")
            return
        }
        self.esp.append(keys)
    }
}

func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 8 - s.count) + s
}

/// Hex digits (optionally "0x"-prefixed, spaces and colons ignored) to bytes; nil when not hex.
func bytes(fromHex text: Substring) -> [UInt8]? {
    var s = text.drop(while: \.isWhitespace)
    if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
    let digits = s.filter { !$0.isWhitespace && $0 != ":" }
    guard digits.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        guard let b = UInt8(digits[i..<j], radix: 16) else { return nil }
        out.append(b)
        i = j
    }
    return out
}
