/// Text fields of control-plane messages (PPTP host names, PPP and L2TP names and messages, DNS
/// labels). Control plane only: these copy and allocate.
extension ByteReader {
    /// Reads `n` bytes as text (invalid UTF-8 becomes U+FFFD).
    mutating func readText(_ n: Int) throws(DecodeError) -> String {
        String(decoding: try self.readBytes(n), as: UTF8.self)
    }

    /// Reads a fixed-size, NUL-padded text field (PPTP's 64-byte names): the text stops at the
    /// first NUL, and all `n` bytes are consumed.
    mutating func readPaddedText(_ n: Int) throws(DecodeError) -> String {
        let bytes = try self.readBytes(n)
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Reads everything left as text.
    mutating func readRemainingText() -> String {
        String(decoding: self.readRemainingBytes(), as: UTF8.self)
    }
}

/// "0x0a0b0c0d" for summaries.
func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, MemoryLayout<T>.size * 2 - digits.count)) + digits
}

extension Array where Element == UInt8 {
    /// A big-endian integer from the first bytes of a copied value (typed views of PPP options and
    /// L2TP AVPs), nil when it is too short.
    func bigEndian<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard self.count >= MemoryLayout<T>.size else { return nil }
        return self.prefix(MemoryLayout<T>.size).reduce(T(0)) { $0 << 8 | T($1) }
    }
}
