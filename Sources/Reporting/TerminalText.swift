/// Text from a capture or the command line made safe to print. A capture is hostile input: a DNS
/// name, a CHAP failure message or an L2TP host name can carry ESC sequences that clear the screen,
/// set the window title or move the cursor, newlines that forge report lines, and bidi controls that
/// reorder what the reader sees. Every text output (the report, `packets`, `watch`, error lines)
/// passes such strings through `escape` before they reach the terminal; JSON keeps them exact (its
/// own escaping already makes them harmless).
public enum TerminalText {
    /// `text` with every character a terminal acts on, or that changes how a line reads, written as
    /// a visible escape: `\n`, `\r`, `\t`; other ASCII controls and DEL as `\x1b`, `\x7f`; C1
    /// controls, bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
    /// U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029) as
    /// `\u{9b}`, `\u{202e}`. Backslashes stay as they are (`DOMAIN\user` reads as it is sent), so
    /// escaping twice changes nothing. Invalid UTF-8 never gets here: it became U+FFFD (�) when the
    /// bytes became a `String` (`ByteReader.readText`, `CommandLine.arguments`).
    public static func escape(_ text: String) -> String {
        // Most text is safe: no copy.
        guard !Self.isSafe(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where !Self.isUnsafe(scalar): out.unicodeScalars.append(scalar)
            case _ where scalar.isASCII: out += "\\x" + Self.hex(scalar.value, digits: 2)
            default: out += "\\u{" + Self.hex(scalar.value, digits: 0) + "}"
            }
        }
        return out
    }

    /// No `isUnsafe` scalar in `text`, read from its UTF-8 bytes in one pass: an unsafe scalar is an
    /// ASCII control or DEL, or starts with C2 (C1 controls), D8 (U+061C) or E2 (the bidi marks and
    /// separators), and only those are decoded. A report escapes every line, most holding "⇄", "→"
    /// or "…" (E2 too), so going scalar by scalar cost more than the rest of the text renderer.
    static func isSafe(_ text: String) -> Bool {
        let safe = text.utf8.withContiguousStorageIfAvailable { b -> Bool in
            let raw = UnsafeRawPointer(b.baseAddress)
            var i = 0
            while i < b.count {
                // Eight printable ASCII bytes at a time: none below 0x20, none 0x7F or above.
                if let raw, i + 8 <= b.count {
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                    if (w &- ones &* 0x20) & ~w & highs == 0, ((w &+ ones) | w) & highs == 0 {
                        i += 8
                        continue
                    }
                }
                let c = b[i]
                if c < 0x20 || c == 0x7F { return false }
                if c == 0xC2 || c == 0xD8, i + 1 < b.count,
                   Self.isUnsafe(Unicode.Scalar(UInt32(c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F))!) { return false }
                if c == 0xE2, i + 2 < b.count,
                   Self.isUnsafe(Unicode.Scalar(0x2000 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F))!) { return false }
                i += 1
            }
            return true
        }
        return safe ?? !text.unicodeScalars.contains(where: Self.isUnsafe)
    }

    /// C0 controls, DEL, C1 controls, the bidi formatting characters and the line/paragraph separators.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
