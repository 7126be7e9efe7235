/// A capture timestamp with nanosecond resolution (files are always opened at nanosecond precision).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// From libpcap's `tv_sec` and sub-second field (nanoseconds, files being opened at nanosecond
    /// precision). libpcap does not check that field in a file's records: a damaged record can hold
    /// a second or more, which is carried into `seconds` so that `nanoseconds` stays in 0..<1e9.
    public init(seconds: Int64, subsecondNanoseconds ns: Int64) {
        var (carry, rest) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
        if rest < 0 { (carry, rest) = (carry - 1, rest + 1_000_000_000) }
        self.init(seconds: seconds &+ carry, nanoseconds: Int32(rest))
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Seconds from `other` to `self` (negative when `self` is earlier).
    public func seconds(since other: Timestamp) -> Double {
        // In Double: two damaged timestamps far apart must not overflow (a fuzz find).
        (Double(self.seconds) - Double(other.seconds)) + (Double(self.nanoseconds) - Double(other.nanoseconds)) / 1e9
    }

    /// Seconds since the Unix epoch as a Double (microsecond precision survives).
    public var unixSeconds: Double { Double(self.seconds) + Double(self.nanoseconds) / 1e9 }

    public var description: String {
        let ns = String(self.nanoseconds)
        return "\(self.seconds).\(String(repeating: "0", count: max(0, 9 - ns.count)))\(ns)"
    }
}

/// What is known about one captured frame apart from its bytes.
///
/// The bytes travel separately as a borrowed `UnsafeRawBufferPointer` (see `RawFrame`), so the
/// data plane never copies them.
public struct FrameInfo: Hashable, Sendable, Codable {
    /// 1-based, as Wireshark numbers frames, counted per file.
    public var number: Int
    public var timestamp: Timestamp
    /// Bytes present in the capture (≤ `originalLength` when the snaplen cut the frame).
    public var capturedLength: Int
    /// Bytes the frame had on the wire.
    public var originalLength: Int
    public var linkType: LinkType

    public init(number: Int, timestamp: Timestamp, capturedLength: Int, originalLength: Int, linkType: LinkType) {
        self.number = number
        self.timestamp = timestamp
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.linkType = linkType
    }

    /// True when the capture holds fewer bytes than were on the wire.
    public var isTruncatedBySnaplen: Bool { self.capturedLength < self.originalLength }
}

/// One frame lent by a `FrameSource`. `bytes` is valid only until the source's next `next()` call
/// (it may point into libpcap's own buffer): never store it; copy what must be kept.
public struct RawFrame {
    public var info: FrameInfo
    public var bytes: UnsafeRawBufferPointer

    public init(info: FrameInfo, bytes: UnsafeRawBufferPointer) {
        self.info = info
        self.bytes = bytes
    }
}
