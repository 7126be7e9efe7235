/// A 64-bit identifier (IKE SPI, ISAKMP cookie, link-layer address) that JSON carries as a string
/// of "0x" and 16 lower-case hex digits, never as a number: JSON readers hold numbers as doubles,
/// exact only up to 2^53, and these identifiers use all 64 bits.
///
/// As a property wrapper it changes only the encoding: the property stays a `UInt64`.
@propertyWrapper
public struct HexIdentifier: Hashable, Sendable, Codable {
    public var wrappedValue: UInt64
    public init(wrappedValue: UInt64) { self.wrappedValue = wrappedValue }

    /// "0x" and the value in `digits` lower-case hex digits (16 for 64 bits, 8 for a 32-bit ESP SPI).
    public static func text(_ value: UInt64, digits: Int = 16) -> String {
        let hex = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(digits - hex.utf8.count, 0)) + hex
    }

    /// The value of "0x…" (or bare hex digits); nil when it is not hex or does not fit.
    public static func value(_ text: String) -> UInt64? {
        UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let value = Self.value(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a hex identifier")
        }
        self.wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Self.text(self.wrappedValue))
    }
}
