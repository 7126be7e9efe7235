#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers as C's printf writes them with "%.Nf", which is what `String(format:)` writes (Foundation
/// hands `%f` to the C library), for a fraction of its cost: `String(format:)` builds an NSString and
/// parses the format each call (≈12,000 instructions), and a report of a few hundred sessions writes
/// thousands of times and durations.
public enum Printf {
    private static let scales: [Double] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000]
    private static let intScales = [1, 10, 100, 1000, 10000, 100_000, 1_000_000]

    /// `value` with `digits` decimals (0…6), as "%.{digits}f" writes it: correctly rounded, an exact
    /// tie to even. Worked out here for 0 ≤ value < 10⁹; anything else goes to the C library.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard digits >= 0, digits < self.scales.count, value >= 0, value < 1e9 else { return self.format("%.\(digits)f", value) }
        let scale = self.scales[digits]
        // value × scale, exactly, is p + e (`addingProduct` rounds once, so e is the product's
        // rounding error). Whether it lies above or below the midpoint whole + ½ shows in p alone,
        // p − whole − ½ being a nonzero multiple of p's ulp (p < 2⁵²), except when it is zero:
        // then e decides, and an exact tie goes to the even neighbour.
        let p = value * scale
        let e = (-p).addingProduct(value, scale)
        let whole = p.rounded(.down)
        let above = (p - whole) - 0.5
        let up = above > 0 || (above == 0 && (e > 0 || (e == 0 && Int(whole) % 2 == 1)))
        let n = Int(whole) + (up ? 1 : 0)
        guard digits > 0 else { return String(n) }
        let fraction = String(n % self.intScales[digits])
        return String(n / self.intScales[digits]) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// `format` (one floating-point conversion) applied to `value` by the C library.
    static func format(_ format: String, _ value: Double) -> String {
        // 512 bytes hold any double in %f with a few decimals (at most 309 integer digits).
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress, buffer.count, format, $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
