/// The only way decoders read bytes: every read is bounds-checked and throws `DecodeError`
/// instead of trapping (tcpdump's `GET_*` lesson, enforced by the type).
///
/// A reader *borrows* the frame's bytes: it must not outlive the `UnsafeRawBufferPointer` it was
/// made from (the libpcap callback, or `Array.withUnsafeBytes`). Decoded layers therefore keep
/// values and absolute offsets (`ByteRange`), never the pointer; control-plane decoders copy what
/// they keep with `readBytes`.
///
/// Offsets are absolute within the buffer, so `offset` is what errors report.
public struct ByteReader {
    let base: UnsafeRawBufferPointer
    /// Absolute offset of the next byte to read.
    public private(set) var offset: Int
    /// Absolute offset one past the last readable byte.
    public let end: Int
    /// Layer named in errors.
    public var layer: LayerKind
    /// Which field set `end`, named in truncation errors.
    public var lengthSource: LengthSource

    public init(_ bytes: UnsafeRawBufferPointer, layer: LayerKind = .link) {
        self.base = bytes
        self.offset = 0
        self.end = bytes.count
        self.layer = layer
        self.lengthSource = .captureLength
    }

    /// A reader over `range` of the same buffer (e.g. a layer's payload decoded later).
    public init(_ bytes: UnsafeRawBufferPointer, range: ByteRange, layer: LayerKind) {
        self.base = bytes
        self.offset = max(0, min(range.start, bytes.count))
        self.end = max(self.offset, min(range.end, bytes.count))
        self.layer = layer
        self.lengthSource = .captureLength
    }

    init(base: UnsafeRawBufferPointer, offset: Int, end: Int, layer: LayerKind, lengthSource: LengthSource) {
        self.base = base
        self.offset = offset
        self.end = end
        self.layer = layer
        self.lengthSource = lengthSource
    }

    @inline(__always) public var remaining: Int { self.end - self.offset }
    public var isEmpty: Bool { self.offset >= self.end }
    /// The unread bytes as an absolute range.
    public var rest: ByteRange { ByteRange(start: self.offset, end: self.end) }

    // The error paths stay out of line so the checked reads inline to a compare, a load and a bswap.
    @inline(never)
    func truncated(_ needed: Int) -> DecodeError {
        DecodeError(.truncated, layer: self.layer, offset: self.offset, needed: needed, available: self.remaining,
                    lengthSource: self.lengthSource)
    }

    /// Reads a big-endian (network order) integer.
    @inline(__always)
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(DecodeError) -> T {
        let n = MemoryLayout<T>.size
        guard n <= self.remaining else { throw self.truncated(n) }
        let value = self.base.loadUnaligned(fromByteOffset: self.offset, as: T.self)
        self.offset += n
        return T(bigEndian: value)
    }

    /// Reads a big-endian integer `at` bytes ahead without consuming anything.
    @inline(__always)
    public func peek<T: FixedWidthInteger>(_: T.Type = T.self, at relative: Int = 0) throws(DecodeError) -> T {
        let n = MemoryLayout<T>.size
        guard relative >= 0, relative <= self.remaining - n else { throw self.truncated(relative + n) }
        return T(bigEndian: self.base.loadUnaligned(fromByteOffset: self.offset + relative, as: T.self))
    }

    @inline(__always)
    public mutating func skip(_ n: Int) throws(DecodeError) {
        guard n >= 0, n <= self.remaining else { throw self.truncated(n) }
        self.offset += n
    }

    /// Consumes `n` bytes and returns a reader limited to them, so a child can never read into its
    /// parent. `source` names the length field that gave `n`.
    ///
    /// If fewer than `n` bytes remain because the *capture* was cut short, the sub-reader takes what
    /// there is and remembers `.captureLength`; reading past it then reports a snaplen truncation.
    /// Callers that must reject a length field larger than its parent use `sub(exactly:)`.
    @inline(__always)
    public mutating func sub(_ n: Int, source: LengthSource) throws(DecodeError) -> ByteReader {
        guard n >= 0 else {
            throw DecodeError(.lengthFieldTooSmall, layer: self.layer, offset: self.offset, needed: 0, available: n,
                              lengthSource: source)
        }
        guard n <= self.remaining else { throw self.truncated(n) }
        let child = ByteReader(base: self.base, offset: self.offset, end: self.offset + n, layer: self.layer,
                               lengthSource: source)
        self.offset += n
        return child
    }

    /// Like `sub`, for a length field that must fit within what the parent declared: throws
    /// `.lengthExceedsParent` (malformed) rather than `.truncated` when it does not.
    @inline(__always)
    public mutating func sub(exactly n: Int, source: LengthSource) throws(DecodeError) -> ByteReader {
        guard n <= self.remaining || self.lengthSource == .captureLength else {
            throw DecodeError(.lengthExceedsParent, layer: self.layer, offset: self.offset, needed: n,
                              available: self.remaining, lengthSource: source)
        }
        return try self.sub(n, source: source)
    }

    /// Limits this reader to its first `n` bytes (a length field in the header just read), dropping
    /// the rest (Ethernet padding after an IPv4 total length, for instance). When fewer than `n`
    /// bytes remain the reader keeps what there is and later reads report truncation by capture.
    @inline(__always)
    public mutating func limit(to n: Int, source: LengthSource) {
        // `<=`: a length that covers exactly what remains is still the limit that applies (reading
        // past it means the field lies, not that the snaplen cut the frame).
        if n <= self.remaining {
            self = ByteReader(base: self.base, offset: self.offset, end: self.offset + max(0, n), layer: self.layer,
                              lengthSource: source)
        }
    }

    /// Copies `n` bytes into owned storage (control plane only: this allocates).
    public mutating func readBytes(_ n: Int) throws(DecodeError) -> [UInt8] {
        guard n >= 0, n <= self.remaining else { throw self.truncated(n) }
        let bytes = Array(self.base[self.offset..<(self.offset + n)])
        self.offset += n
        return bytes
    }

    /// Copies `n` bytes into `buffer` (exactly `n` bytes long), storage the caller owns: no allocation.
    public mutating func copy(_ n: Int, into buffer: UnsafeMutableRawBufferPointer) throws(DecodeError) {
        guard n >= 0, n <= self.remaining else { throw self.truncated(n) }
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: self.base[self.offset..<(self.offset + n)]))
        self.offset += n
    }

    /// Copies everything left (control plane only).
    public mutating func readRemainingBytes() -> [UInt8] {
        let bytes = Array(self.base[self.offset..<self.end])
        self.offset = self.end
        return bytes
    }

    /// Whether the unread bytes start with `prefix`.

    public func starts(with prefix: some Collection<UInt8>) -> Bool {
        guard prefix.count <= self.remaining else { return false }
        var i = self.offset
        for byte in prefix {
            if self.base[i] != byte { return false }
            i += 1
        }
        return true
    }

    /// A thrown error at the current offset for a malformed field.
    public func malformed(_ detail: StaticString, source: LengthSource? = nil) -> DecodeError {
        DecodeError(.malformed, layer: self.layer, offset: self.offset, lengthSource: source ?? self.lengthSource,
                    detail: detail)
    }

    /// The error for a loop that reached its ceiling.
    public func limitExceeded(_ detail: StaticString) -> DecodeError {
        DecodeError(.limitExceeded, layer: self.layer, offset: self.offset, lengthSource: self.lengthSource,
                    detail: detail)
    }
}

/// A half-open range of absolute offsets in a frame: where a layer's payload sits, kept instead of
/// the bytes themselves.
public struct ByteRange: Hashable, Sendable, Codable {
    public var start: Int
    public var end: Int
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
    public var count: Int { self.end - self.start }
}
