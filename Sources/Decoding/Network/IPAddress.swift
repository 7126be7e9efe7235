/// An IPv4 or IPv6 address held inline (no heap): cheap to hash and to keep in flow keys.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6 (with `::`, optional embedded IPv4 tail).
    public init?(_ text: String) {
        if let v4 = Self.parseV4(Substring(text)) {
            self = .v4(v4)
        } else if let v6 = Self.parseV6(text) {
            self = v6
        } else {
            return nil
        }
    }

    public var isV4: Bool { if case .v4 = self { true } else { false } }

    /// A group address (224.0.0.0/4, the IPv4 limited broadcast, ff00::/8): many receivers, so
    /// nothing sent to it is answered by its destination.
    public var isGroup: Bool {
        switch self {
        case .v4(let a): a >> 28 == 0xE || a == 0xFFFF_FFFF
        case .v6(let hi, _): hi >> 56 == 0xFF
        }
    }

    /// Hashes as one word (IPv4) or two (IPv6): flow and stream keys hash once per packet.
    @inline(__always)
    public func hash(into h: inout Hasher) {
        switch self {
        case .v4(let a): h.combine(UInt64(a))
        case .v6(let hi, let lo): h.combine(hi); h.combine(lo)
        }
    }

    /// Network-order bytes (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return withUnsafeBytes(of: a.bigEndian, Array.init)
        case .v6(let hi, let lo): return withUnsafeBytes(of: hi.bigEndian, Array.init) + withUnsafeBytes(of: lo.bigEndian, Array.init)
        }
    }

    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)"
        case .v6(let hi, let lo):
            let groups = (0..<8).map { i -> UInt16 in
                let word = i < 4 ? hi : lo
                return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
            }
            // RFC 5952: compress the longest run (≥ 2) of zero groups, leftmost on a tie.
            var bestStart = -1, bestLength = 0, i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8, groups[j] == 0 { j += 1 }
                    if j - i > bestLength, j - i >= 2 { bestStart = i; bestLength = j - i }
                    i = j
                } else {
                    i += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            if bestStart < 0 { return hex.joined(separator: ":") }
            let head = hex[..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad IP address"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(self.description)
    }

    private static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    private static func parseV6(_ text: String) -> IPAddress? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, part.contains("."), let v4 = parseV4(part) {
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard !part.isEmpty, part.count <= 4, let g = UInt16(part, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        let hi = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let lo = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return .v6(hi, lo)
    }
}

extension ByteReader {
    @inline(__always)
    public mutating func readIPv4Address() throws(DecodeError) -> IPAddress { .v4(try self.read(UInt32.self)) }
    @inline(__always)
    public mutating func readIPv6Address() throws(DecodeError) -> IPAddress {
        let hi = try self.read(UInt64.self)
        return .v6(hi, try self.read(UInt64.self))
    }
}
