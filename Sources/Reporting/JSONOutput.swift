import Foundation

// JSON written straight to bytes, exactly as Foundation's `JSONEncoder` writes it on this
// platform (swift-foundation's JSONWriter) with `.sortedKeys` and `.withoutEscapingSlashes`, with
// or without `.prettyPrinted`: keys sorted by their UTF-8 bytes, `"key" : value` and two spaces
// per level when pretty, an empty array or object as `[`/`{`, a blank line, and the closing bracket
// at its indentation; a Double as its `description` less a trailing ".0".

/// The scalar pieces of JSON text, for the encoder and for hand-written emitters (`packets --json`).
public enum JSONText {
    /// Appends `s` as a quoted JSON string: `"` and `\` escaped, control characters as `\b \f \n
    /// \r \t` or `\u00xx`, everything else (`/`, DEL, non-ASCII) as its UTF-8 bytes.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        _ = self.appendStringContents(s, to: &out)
        out.append(0x22)
    }

    /// The string's escaped bytes without quotes; true when something had to be escaped.
    @discardableResult
    static func appendStringContents(_ s: String, to out: inout [UInt8]) -> Bool {
        var s = s
        return s.withUTF8 { self.appendEscaped($0, to: &out) }
    }

    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        // Eight bytes at a time up to the first word that may need escaping (most text needs none):
        // a report's explanations and advice are most of its bytes.
        var clean = 0
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            while clean + 8 <= bytes.count, !Self.mayNeedEscaping(base.loadUnaligned(fromByteOffset: clean, as: UInt64.self)) { clean += 8 }
        }
        var mark = 0
        var escaped = false
        for i in clean..<bytes.count {
            let byte = bytes[i]
            if byte >= 0x20, byte != 0x22, byte != 0x5C { continue }
            escaped = true
            if i > mark { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark..<i])) }
            out.append(0x5C)
            switch byte {
            case 0x22, 0x5C: out.append(byte)
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(byte < 0x10 ? UInt8(ascii: "0") : UInt8(ascii: "1"))
                let low = byte & 0xF
                out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            }
            mark = i + 1
        }
        if mark < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark...])) }
        return escaped
    }

    /// Whether one of the eight bytes of `w` is a control character, `"` or `\` (exact: the
    /// classic "has a zero byte" and "has a byte less than n" word tests).
    @inline(__always)
    static func mayNeedEscaping(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        return (w &- ones &* 0x20) & ~w & highs != 0 || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C))
    }

    /// Appends an integer in decimal.
    public static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        self.appendInteger(v.magnitude, to: &out)
    }

    /// Appends an unsigned integer in decimal.
    public static func appendInteger(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { d in
            var n = v
            var i = d.count
            while n > 0 {
                i -= 1
                d[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
                n /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
    }

    /// Appends a finite number as JSONEncoder writes it: its `description` without a trailing ".0"
    /// (`1`, `1.5`, `1e-07`, `1e+300`). A non-finite one is not JSON: callers decide what it becomes.
    public static func appendNumber<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F, to out: inout [UInt8]) {
        var text = v.description
        text.withUTF8 { u in
            let n = u.count
            let keep = n >= 2 && u[n - 2] == UInt8(ascii: ".") && u[n - 1] == UInt8(ascii: "0") ? n - 2 : n
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[..<keep]))
        }
    }
}

/// An `Encoder` that writes JSON bytes directly, byte for byte what `JSONEncoder` writes with
/// `[.sortedKeys, .withoutEscapingSlashes]` (plus `.prettyPrinted` when asked) and the same
/// non-conforming float strategy, for any `Encodable` — without building a tree of the document.
///
/// Containers are written where they stand in one growing buffer; an object's members are written
/// in the order they come and, when that is not the sorted order, moved into it as the object
/// closes (a container is closed when the value that made it has been encoded, or when its parent
/// container is used again). So nested containers must be used one after the other, as every
/// synthesized and hand-written `encode(to:)` does: using a container after a sibling of it was
/// started, or asking twice for a nested container under the same key, is a precondition failure
/// (JSONEncoder merges those). `codingPath` is always empty.
///
/// Streamed (`encode(_:chunkSize:to:)`), the text goes to the sink in chunks as soon as it is final. The
/// outermost objects (less than three containers deep with only arrays and such objects around
/// them: the report document, and each report in its `reports`) collect their members and write
/// them in sorted order when they close, so the members of those members, such as the elements of
/// a report's `sessions`, stream out one by one; anything deeper is held until its outermost
/// ordinary object closes.
public final class JSONOutputEncoder {
    /// What a non-finite Double or Float becomes (JSONEncoder's `NonConformingFloatEncodingStrategy`).
    public enum NonConformingFloats: Sendable {
        case `throw`
        case convertToString(positiveInfinity: String, negativeInfinity: String, nan: String)
    }

    public let prettyPrinted: Bool
    public let nonConformingFloats: NonConformingFloats
    private let state: JSONOutputState

    public init(prettyPrinted: Bool = false, nonConformingFloats: NonConformingFloats = .throw) {
        self.prettyPrinted = prettyPrinted
        self.nonConformingFloats = nonConformingFloats
        self.state = JSONOutputState(pretty: prettyPrinted, floats: nonConformingFloats)
    }

    /// The JSON text of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        try self.encode(value, appendingTo: &out)
        return out
    }

    /// Appends the JSON text of `value` to `buffer` (left as it was when encoding fails).
    public func encode<T: Encodable>(_ value: T, appendingTo buffer: inout [UInt8]) throws {
        let count = buffer.count
        swap(&self.state.out, &buffer)
        defer {
            swap(&self.state.out, &buffer)
            self.state.reset()
        }
        do {
            try self.state.encodeTopLevel(value)
        } catch {
            self.state.out.removeSubrange(count...)
            throw error
        }
    }

    /// Hands the JSON text of `value` to `sink` in pieces of about `chunkSize` bytes, in order, each
    /// as soon as it is final. On an error, what was handed over stays handed over.
    public func encode<T: Encodable>(_ value: T, chunkSize: Int = 1 << 16,
                                     to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withoutActuallyEscaping(sink) { sink in
            self.state.sink = sink
            self.state.chunkSize = max(chunkSize, 1)
            defer { self.state.reset() }
            try self.state.encodeTopLevel(value)
            try self.state.flush()
        }
    }
}

/// A container as its owner knows it: the frame's place on the stack and its serial number (a
/// container whose frame has closed must not write into the frame that took its place).
struct JSONFrameRef {
    var index: Int
    var serial: UInt32
}

/// The encoder proper: the output buffer and the stack of open containers. It is itself the
/// `Encoder` handed to every value, for the slot `slot` (the stack depth its container goes at).
final class JSONOutputState: Encoder {
    enum Kind: UInt8 {
        /// An object whose members are written as they come, sorted when it closes.
        case object
        /// An object whose members come in sorted order (a collecting object being written out).
        case sortedObject
        /// An outermost object while its value encodes: members kept, written when it closes.
        case collecting
        case array
        /// The slot of a `superEncoder()` nobody has written to yet (closing it writes `{}`).
        case pendingValue
    }

    struct Frame {
        var kind: Kind
        var serial: UInt32
        /// `.object`: offset in `out` of the first member (its separator byte, `{` once sorted).
        var start: Int
        /// Members or elements so far.
        var count: Int
        /// `.object`: index of its first member in `members`; `.collecting`: in `collected`.
        var first: Int
        /// `.object`: the members so far came in strictly increasing key order.
        var inOrder: Bool
    }

    /// A member of an `.object` frame: where its text starts (the separator) and where its key's
    /// escaped bytes are in `out`.
    struct Member {
        var segment: Int
        var key: Int
        var keyLength: Int
        var escaped: Bool
        /// The key's first 8 bytes, big-endian, zero-padded (an unescaped key has no zero byte), so
        /// most comparisons are one integer comparison.
        var prefix: UInt64
    }

    struct Collected {
        var key: String
        var value: (any Encodable)?  // nil: null
    }

    /// Objects nested less deep than this, with only arrays and such objects around them, collect
    /// their members when streaming (see `JSONOutputEncoder`).
    static let streamingDepth = 3

    /// Everything that changes while encoding, behind a pointer: a class's stored properties are
    /// checked for exclusive access at run time on every access, which cost more than the writing.
    struct Storage {
        var out: [UInt8] = []
        /// Bytes already handed to the sink (positions are `flushed + out.count`).
        var flushed = 0
        var frames: [Frame] = []
        var members: [Member] = []
        var collected: [Collected] = []
        var scratch: [UInt8] = []
        var order: [Int] = []
        /// The stack depth of the value being encoded, and where its text starts (absolute position).
        var slot = 0
        var slotStart = 0
        var serial: UInt32 = 0
        /// `.object` frames open: while there is one, nothing can be handed to the sink.
        var openObjects = 0
        /// An error from closing containers where nothing can throw; thrown at the next chance.
        var pendingError: (any Error)?
        var sink: ((UnsafeRawBufferPointer) throws -> Void)?
        var chunkSize = 1 << 16
    }

    private let storage: UnsafeMutablePointer<Storage>

    var out: [UInt8] { _read { yield self.storage.pointee.out } _modify { yield &self.storage.pointee.out } }
    var flushed: Int { _read { yield self.storage.pointee.flushed } _modify { yield &self.storage.pointee.flushed } }
    var frames: [Frame] { _read { yield self.storage.pointee.frames } _modify { yield &self.storage.pointee.frames } }
    var members: [Member] { _read { yield self.storage.pointee.members } _modify { yield &self.storage.pointee.members } }
    var collected: [Collected] { _read { yield self.storage.pointee.collected } _modify { yield &self.storage.pointee.collected } }
    var scratch: [UInt8] { _read { yield self.storage.pointee.scratch } _modify { yield &self.storage.pointee.scratch } }
    var order: [Int] { _read { yield self.storage.pointee.order } _modify { yield &self.storage.pointee.order } }
    var slot: Int { _read { yield self.storage.pointee.slot } _modify { yield &self.storage.pointee.slot } }
    var slotStart: Int { _read { yield self.storage.pointee.slotStart } _modify { yield &self.storage.pointee.slotStart } }
    var serial: UInt32 { _read { yield self.storage.pointee.serial } _modify { yield &self.storage.pointee.serial } }
    var openObjects: Int { _read { yield self.storage.pointee.openObjects } _modify { yield &self.storage.pointee.openObjects } }
    var pendingError: (any Error)? { _read { yield self.storage.pointee.pendingError } _modify { yield &self.storage.pointee.pendingError } }
    var sink: ((UnsafeRawBufferPointer) throws -> Void)? { _read { yield self.storage.pointee.sink } _modify { yield &self.storage.pointee.sink } }
    var chunkSize: Int { _read { yield self.storage.pointee.chunkSize } _modify { yield &self.storage.pointee.chunkSize } }

    let pretty: Bool
    let floats: JSONOutputEncoder.NonConformingFloats

    init(pretty: Bool, floats: JSONOutputEncoder.NonConformingFloats) {
        self.pretty = pretty
        self.floats = floats
        self.storage = .allocate(capacity: 1)
        self.storage.initialize(to: Storage())
    }

    deinit {
        self.storage.deinitialize(count: 1)
        self.storage.deallocate()
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var position: Int { self.flushed + self.out.count }

    func reset() {
        self.frames.removeAll(keepingCapacity: true)
        self.members.removeAll(keepingCapacity: true)
        self.collected.removeAll()
        self.slot = 0
        self.slotStart = 0
        self.flushed = 0
        self.openObjects = 0
        self.pendingError = nil
        self.sink = nil
    }

    // MARK: Values

    func encodeTopLevel<T: Encodable>(_ value: T) throws {
        self.slot = 0
        self.slotStart = self.position
        try self.encodeValue(value, depth: 0, topLevel: true)
    }

    /// Writes `value` at stack depth `depth` (its container, if any, becomes frame `depth`).
    func encodeValue<T: Encodable>(_ value: T, depth: Int, topLevel: Bool = false) throws {
        if try self.appendScalar(value) { return }
        let savedSlot = self.slot, savedStart = self.slotStart
        self.slot = depth
        self.slotStart = self.position
        defer {
            self.slot = savedSlot
            self.slotStart = savedStart
        }
        try value.encode(to: self)
        try self.closeFrames(keeping: depth)
        if let error = self.pendingError { throw error }
        if self.position == self.slotStart {
            // Nothing encoded: JSONEncoder writes an empty object (and refuses at the top level).
            guard !topLevel else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
            }
            self.appendEmpty(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), level: depth)
        }
        if self.sink != nil, self.openObjects == 0, self.out.count >= self.chunkSize { try self.flush() }
    }

    /// Writes `value` if it is one of the scalars JSONEncoder writes itself (the standard library's
    /// types write themselves through a single value container, which comes back here); false if not.
    @inline(__always)
    func appendScalar<T: Encodable>(_ value: T) throws -> Bool {
        if T.self == String.self { JSONText.appendString(unsafeBitCast(value, to: String.self), to: &self.out); return true }
        if T.self == Int.self { self.append(unsafeBitCast(value, to: Int.self)); return true }
        if T.self == Bool.self { self.append(unsafeBitCast(value, to: Bool.self)); return true }
        if T.self == Double.self { try self.append(unsafeBitCast(value, to: Double.self)); return true }
        if T.self == UInt8.self { self.append(unsafeBitCast(value, to: UInt8.self)); return true }
        if T.self == UInt16.self { self.append(unsafeBitCast(value, to: UInt16.self)); return true }
        if T.self == UInt32.self { self.append(unsafeBitCast(value, to: UInt32.self)); return true }
        if T.self == UInt64.self { self.append(unsafeBitCast(value, to: UInt64.self)); return true }
        if T.self == UInt.self { self.append(unsafeBitCast(value, to: UInt.self)); return true }
        if T.self == Int8.self { self.append(unsafeBitCast(value, to: Int8.self)); return true }
        if T.self == Int16.self { self.append(unsafeBitCast(value, to: Int16.self)); return true }
        if T.self == Int32.self { self.append(unsafeBitCast(value, to: Int32.self)); return true }
        if T.self == Int64.self { self.append(unsafeBitCast(value, to: Int64.self)); return true }
        if T.self == Float.self { try self.append(unsafeBitCast(value, to: Float.self)); return true }
        // What JSONEncoder writes differently from the type's own `encode(to:)`.
        if T.self == Data.self { JSONText.appendString(unsafeBitCast(value, to: Data.self).base64EncodedString(), to: &self.out); return true }
        if T.self == URL.self { JSONText.appendString(unsafeBitCast(value, to: URL.self).absoluteString, to: &self.out); return true }
        if T.self == Decimal.self { self.out.append(contentsOf: unsafeBitCast(value, to: Decimal.self).description.utf8); return true }
        return false
    }

    func flush() throws {
        guard let sink = self.sink, !self.out.isEmpty else { return }
        try self.out.withUnsafeBytes { try sink($0) }
        self.flushed += self.out.count
        self.out.removeAll(keepingCapacity: true)
    }

    func append(_ v: Bool) {
        if v {
            self.out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
        } else {
            self.out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])  // false
        }
    }

    func appendNull() { self.out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    func append<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) throws {
        if v.isFinite { return JSONText.appendNumber(v, to: &self.out) }
        guard case .convertToString(let positive, let negative, let nan) = self.floats else {
            throw EncodingError.invalidValue(v, .init(codingPath: [], debugDescription: "Unable to encode \(F.self).\(v) directly in JSON."))
        }
        JSONText.appendString(v.isNaN ? nan : v < 0 ? negative : positive, to: &self.out)
    }

    func append<I: FixedWidthInteger>(_ v: I) {
        if I.isSigned {
            JSONText.appendInteger(Int64(truncatingIfNeeded: v), to: &self.out)
        } else {
            JSONText.appendInteger(UInt64(truncatingIfNeeded: v), to: &self.out)
        }
    }

    // MARK: Layout

    /// A newline and 64 levels of indentation.
    private static let indentation = [0x0A] + [UInt8](repeating: 0x20, count: 128)

    func newline(level: Int) {
        var n = 1 + 2 * level
        Self.indentation.withUnsafeBufferPointer { indentation in
            self.out.append(contentsOf: UnsafeBufferPointer(rebasing: indentation[..<min(n, indentation.count)]))
            n -= indentation.count
            while n > 0 {  // deeper than 64 levels
                self.out.append(contentsOf: UnsafeBufferPointer(rebasing: indentation[1..<min(n + 1, indentation.count)]))
                n -= indentation.count - 1
            }
        }
    }

    /// `[]`, or `[`, a blank line and `]` at `level` when pretty (JSONWriter's empty containers).
    func appendEmpty(open: UInt8, close: UInt8, level: Int) {
        self.out.append(open)
        if self.pretty {
            self.out.append(0x0A)
            self.newline(level: level)
        }
        self.out.append(close)
    }

    /// Starts an element of the array in frame `index`.
    func beginElement(_ index: Int) {
        self.out.append(self.frames[index].count == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
        self.frames[index].count += 1
        if self.pretty { self.newline(level: index + 1) }
    }

    /// Starts the member `key` of the object in frame `index` (not a collecting one).
    func beginMember(_ key: String, _ index: Int) {
        let sorted = self.frames[index].kind != .object
        let segment = self.out.count
        self.out.append(sorted && self.frames[index].count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
        if self.pretty { self.newline(level: index + 1) }
        self.out.append(0x22)
        let keyStart = self.out.count
        let escaped = JSONText.appendStringContents(key, to: &self.out)
        let keyLength = self.out.count - keyStart
        var prefix: UInt64 = 0
        self.out.withUnsafeBytes { out in
            if keyLength >= 8 {
                prefix = UInt64(bigEndian: out.loadUnaligned(fromByteOffset: keyStart, as: UInt64.self))
            } else {
                for i in 0..<keyLength { prefix |= UInt64(out[keyStart + i]) << (56 - 8 * i) }
            }
        }
        let member = Member(segment: segment, key: keyStart, keyLength: keyLength, escaped: escaped, prefix: prefix)
        self.out.append(0x22)
        if self.pretty {
            self.out.append(contentsOf: [0x20, 0x3A, 0x20])  // " : "
        } else {
            self.out.append(0x3A)
        }
        if !sorted {
            if self.frames[index].inOrder, self.frames[index].count > 0,
               self.compareKeys(self.members[self.members.count - 1], member) >= 0 {
                self.frames[index].inOrder = false
            }
            self.members.append(member)
        }
        self.frames[index].count += 1
    }

    // MARK: Frames

    func nextSerial() -> UInt32 {
        self.serial &+= 1
        return self.serial
    }

    /// Opens an object at stack depth `index` (collecting when streaming and outermost).
    func pushObject(_ index: Int) -> JSONFrameRef {
        let serial = self.nextSerial()
        if self.sink != nil, index < Self.streamingDepth, self.openObjects == 0 {
            self.frames.append(Frame(kind: .collecting, serial: serial, start: 0, count: 0, first: self.collected.count, inOrder: true))
        } else {
            self.openObjects += 1
            self.frames.append(Frame(kind: .object, serial: serial, start: self.out.count, count: 0, first: self.members.count, inOrder: true))
        }
        return JSONFrameRef(index: index, serial: serial)
    }

    func pushArray(_ index: Int) -> JSONFrameRef {
        let serial = self.nextSerial()
        self.frames.append(Frame(kind: .array, serial: serial, start: 0, count: 0, first: 0, inOrder: true))
        return JSONFrameRef(index: index, serial: serial)
    }

    /// The keyed container of the value at stack depth `index`: the one it already has, or a new one.
    func keyedFrame(at index: Int) -> JSONFrameRef {
        self.closeFramesLeniently(keeping: index + 1)
        if self.frames.count == index + 1 {
            switch self.frames[index].kind {
            case .object, .sortedObject, .collecting:
                return JSONFrameRef(index: index, serial: self.frames[index].serial)
            case .pendingValue:
                self.frames.removeLast()
            case .array:
                preconditionFailure("Attempt to push new keyed encoding container when already previously encoded at this path.")
            }
        } else {
            self.checkNothingWritten(at: index)
        }
        return self.pushObject(index)
    }

    /// The unkeyed container of the value at stack depth `index`.
    func unkeyedFrame(at index: Int) -> JSONFrameRef {
        self.closeFramesLeniently(keeping: index + 1)
        if self.frames.count == index + 1 {
            switch self.frames[index].kind {
            case .array:
                return JSONFrameRef(index: index, serial: self.frames[index].serial)
            case .pendingValue:
                self.frames.removeLast()
            case .object, .sortedObject, .collecting:
                preconditionFailure("Attempt to push new unkeyed encoding container when already previously encoded at this path.")
            }
        } else {
            self.checkNothingWritten(at: index)
        }
        return self.pushArray(index)
    }

    /// Before a single value at stack depth `index`.
    func beginSingleValue(at index: Int) {
        if self.frames.count == index + 1, self.frames[index].kind == .pendingValue {
            self.frames.removeLast()
            return
        }
        precondition(self.frames.count == index, "Attempt to encode value through single value container when previously value already encoded.")
        self.checkNothingWritten(at: index)
    }

    private func checkNothingWritten(at index: Int) {
        precondition(index != self.slot || self.position == self.slotStart,
                     "Attempt to encode a value or container when a value was already encoded at this path.")
    }

    /// Makes frame `ref` the innermost open one (closing those inside it) for writing to it.
    func activate(_ ref: JSONFrameRef) throws {
        if self.frames.count != ref.index + 1 { try self.closeFrames(keeping: ref.index + 1) }
        self.checkFrame(ref)
    }

    func activateLeniently(_ ref: JSONFrameRef) {
        if self.frames.count != ref.index + 1 { self.closeFramesLeniently(keeping: ref.index + 1) }
        self.checkFrame(ref)
    }

    private func checkFrame(_ ref: JSONFrameRef) {
        precondition(ref.index < self.frames.count && self.frames[ref.index].serial == ref.serial,
                     "JSONOutputEncoder: a container was used after a container beside it was started")
    }

    func closeFrames(keeping count: Int) throws {
        while self.frames.count > count { try self.closeInnermost() }
    }

    func closeFramesLeniently(keeping count: Int) {
        do {
            try self.closeFrames(keeping: count)
        } catch {
            if self.pendingError == nil { self.pendingError = error }
            self.frames.removeSubrange(count...)
        }
    }

    func closeInnermost() throws {
        let index = self.frames.count - 1
        switch self.frames[index].kind {
        case .array:
            let frame = self.frames.removeLast()
            if frame.count == 0 { return self.appendEmpty(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), level: index) }
            if self.pretty { self.newline(level: index) }
            self.out.append(UInt8(ascii: "]"))
        case .sortedObject:
            let frame = self.frames.removeLast()
            if frame.count == 0 { return self.appendEmpty(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), level: index) }
            if self.pretty { self.newline(level: index) }
            self.out.append(UInt8(ascii: "}"))
        case .pendingValue:
            self.frames.removeLast()
            self.appendEmpty(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), level: index)
        case .collecting:
            try self.writeCollected(index, sorted: true)
            try self.closeInnermost()
        case .object:
            self.closeObject(index)
        }
    }

    private func closeObject(_ index: Int) {
        let frame = self.frames.removeLast()
        self.openObjects -= 1
        defer { self.members.removeSubrange(frame.first...) }
        if frame.count == 0 { return self.appendEmpty(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), level: index) }
        if !frame.inOrder { self.sortMembers(frame) }
        self.out[frame.start] = UInt8(ascii: "{")
        if self.pretty { self.newline(level: index) }
        self.out.append(UInt8(ascii: "}"))
    }

    /// Rewrites an object's members (from `frame.start` to the end of `out`) in sorted key order;
    /// of equal keys the last one written stays, as in JSONEncoder's dictionary.
    private func sortMembers(_ frame: Frame) {
        let base = frame.first, n = frame.count, end = self.out.count
        var order: [Int] = []
        swap(&order, &self.order)
        defer { swap(&order, &self.order) }
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: 0..<n)
        self.members.withUnsafeBufferPointer { members in
            self.out.withUnsafeBufferPointer { out in
                order.sort { a, b in
                    let c = Self.compareKeys(members[base + a], members[base + b], in: out)
                    return c != 0 ? c < 0 : a < b
                }
                for k in 0..<(n - 1) where Self.compareKeys(members[base + order[k]], members[base + order[k + 1]], in: out) == 0 {
                    order[k] = -1  // a later member has the same key
                }
            }
        }
        self.scratch.removeAll(keepingCapacity: true)
        self.scratch.append(contentsOf: self.out[frame.start...])
        self.out.removeSubrange(frame.start...)
        self.members.withUnsafeBufferPointer { members in
            self.scratch.withUnsafeBufferPointer { scratch in
                for i in order where i >= 0 {
                    let from = members[base + i].segment - frame.start
                    let to = (i + 1 < n ? members[base + i + 1].segment : end) - frame.start
                    self.out.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[from..<to]))
                }
            }
        }
    }

    /// Compares two members' keys by their UTF-8 bytes (negative, 0, positive).
    func compareKeys(_ a: Member, _ b: Member) -> Int {
        self.out.withUnsafeBufferPointer { Self.compareKeys(a, b, in: $0) }
    }

    static func compareKeys(_ a: Member, _ b: Member, in out: UnsafeBufferPointer<UInt8>) -> Int {
        if a.escaped || b.escaped {
            let x = self.unescapedKey(a, in: out), y = self.unescapedKey(b, in: out)
            return x.lexicographicallyPrecedes(y) ? -1 : x == y ? 0 : 1
        }
        if a.prefix != b.prefix { return a.prefix < b.prefix ? -1 : 1 }
        let common = min(a.keyLength, b.keyLength)
        let c = common > 8 ? memcmp(out.baseAddress! + a.key + 8, out.baseAddress! + b.key + 8, common - 8) : 0
        return c != 0 ? Int(c) : a.keyLength - b.keyLength
    }

    /// The bytes of a key as given, from its escaped form in `out` (rare: keys with `"`, `\` or
    /// control characters).
    private static func unescapedKey(_ m: Member, in out: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        var i = m.key
        let end = m.key + m.keyLength
        while i < end {
            let byte = out[i]
            guard byte == 0x5C else {
                bytes.append(byte)
                i += 1
                continue
            }
            let e = out[i + 1]
            switch e {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                let hex = out[(i + 4)...(i + 5)].map { $0 <= UInt8(ascii: "9") ? $0 - UInt8(ascii: "0") : $0 - UInt8(ascii: "a") + 10 }
                bytes.append(hex[0] << 4 | hex[1])
                i += 4
            default: bytes.append(e)
            }
            i += 2
        }
        return bytes
    }

    // MARK: Collecting objects

    func collect(_ key: String, _ value: (any Encodable)?) {
        self.collected.append(Collected(key: key, value: value))
        self.frames[self.frames.count - 1].count += 1
    }

    /// Writes a collecting object's members, sorted (it becomes a `.sortedObject`) or as they came
    /// (it becomes an ordinary `.object`, for what only an ordinary object can do).
    func writeCollected(_ index: Int, sorted: Bool) throws {
        let first = self.frames[index].first
        var items = Array(self.collected[first...])
        self.collected.removeSubrange(first...)
        if sorted {
            // Stable sort; of equal keys the last stays.
            let ordered = items.indices.sorted { a, b in
                let x = items[a].key.utf8, y = items[b].key.utf8
                return x.lexicographicallyPrecedes(y) || (x.elementsEqual(y) && a < b)
            }
            items = ordered.indices.compactMap { k in
                k + 1 < ordered.count && items[ordered[k]].key.utf8.elementsEqual(items[ordered[k + 1]].key.utf8) ? nil : items[ordered[k]]
            }
            self.frames[index] = Frame(kind: .sortedObject, serial: self.frames[index].serial, start: 0, count: 0, first: 0, inOrder: true)
        } else {
            self.openObjects += 1
            self.frames[index] = Frame(kind: .object, serial: self.frames[index].serial, start: self.out.count, count: 0,
                                       first: self.members.count, inOrder: true)
        }
        for item in items {
            self.beginMember(item.key, index)
            if let value = item.value { try self.encodeValue(value, depth: index + 1) } else { self.appendNull() }
        }
    }

    /// Frame `index` as an object members can be written to directly.
    func uncollect(_ index: Int) {
        guard self.frames[index].kind == .collecting else { return }
        do {
            try self.writeCollected(index, sorted: false)
        } catch {
            if self.pendingError == nil { self.pendingError = error }
        }
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        JSONSlotEncoder(state: self, index: self.slot).container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { JSONSlotEncoder(state: self, index: self.slot).unkeyedContainer() }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSlotEncoder(state: self, index: self.slot).singleValueContainer() }

    // MARK: Members and elements

    func encode<T: Encodable>(_ value: T, forKey key: String, in frame: JSONFrameRef) throws {
        try self.activate(frame)
        if self.frames[frame.index].kind == .collecting { return self.collect(key, value) }
        self.beginMember(key, frame.index)
        try self.encodeValue(value, depth: frame.index + 1)
    }

    func encodeNil(forKey key: String, in frame: JSONFrameRef) throws {
        try self.activate(frame)
        if self.frames[frame.index].kind == .collecting { return self.collect(key, nil) }
        self.beginMember(key, frame.index)
        self.appendNull()
    }

    /// Starts member `key` for a nested container or a super encoder, whose value goes at the
    /// depth after frame's.
    func beginNested(forKey key: String, in frame: JSONFrameRef) {
        self.activateLeniently(frame)
        self.uncollect(frame.index)
        self.beginMember(key, frame.index)
    }

    func beginNestedElement(in frame: JSONFrameRef) {
        self.activateLeniently(frame)
        self.beginElement(frame.index)
    }

    /// The encoder of a `superEncoder()`, whose value goes at stack depth `index` (`{}` if it writes none).
    func superEncoder(at index: Int) -> any Encoder {
        self.frames.append(Frame(kind: .pendingValue, serial: self.nextSerial(), start: 0, count: 0, first: 0, inOrder: true))
        return JSONSlotEncoder(state: self, index: index)
    }
}

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: JSONOutputState
    let frame: JSONFrameRef
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try self.state.encodeNil(forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: String, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try self.state.encode(value, forKey: key.stringValue, in: self.frame) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try self.state.encode(value, forKey: key.stringValue, in: self.frame)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        self.state.beginNested(forKey: key.stringValue, in: self.frame)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(state: self.state, frame: self.state.pushObject(self.frame.index + 1)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        self.state.beginNested(forKey: key.stringValue, in: self.frame)
        return JSONUnkeyedContainer(state: self.state, frame: self.state.pushArray(self.frame.index + 1))
    }

    mutating func superEncoder() -> any Encoder {
        self.state.beginNested(forKey: "super", in: self.frame)
        return self.state.superEncoder(at: self.frame.index + 1)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        self.state.beginNested(forKey: key.stringValue, in: self.frame)
        return self.state.superEncoder(at: self.frame.index + 1)
    }
}

/// The value overloads an unkeyed and a single value container share, all through `write`.
protocol JSONValueContainer {
    func write<T: Encodable>(_ value: T) throws
}

extension JSONValueContainer {
    mutating func encode(_ value: Bool) throws { try self.write(value) }
    mutating func encode(_ value: String) throws { try self.write(value) }
    mutating func encode(_ value: Double) throws { try self.write(value) }
    mutating func encode(_ value: Float) throws { try self.write(value) }
    mutating func encode(_ value: Int) throws { try self.write(value) }
    mutating func encode(_ value: Int8) throws { try self.write(value) }
    mutating func encode(_ value: Int16) throws { try self.write(value) }
    mutating func encode(_ value: Int32) throws { try self.write(value) }
    mutating func encode(_ value: Int64) throws { try self.write(value) }
    mutating func encode(_ value: UInt) throws { try self.write(value) }
    mutating func encode(_ value: UInt8) throws { try self.write(value) }
    mutating func encode(_ value: UInt16) throws { try self.write(value) }
    mutating func encode(_ value: UInt32) throws { try self.write(value) }
    mutating func encode(_ value: UInt64) throws { try self.write(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try self.write(value) }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer, JSONValueContainer {
    let state: JSONOutputState
    let frame: JSONFrameRef
    var codingPath: [any CodingKey] { [] }
    var count: Int {
        self.frame.index < self.state.frames.count && self.state.frames[self.frame.index].serial == self.frame.serial
            ? self.state.frames[self.frame.index].count : 0
    }

    func write<T: Encodable>(_ value: T) throws {
        try self.state.activate(self.frame)
        self.state.beginElement(self.frame.index)
        try self.state.encodeValue(value, depth: self.frame.index + 1)
    }

    mutating func encodeNil() throws {
        try self.state.activate(self.frame)
        self.state.beginElement(self.frame.index)
        self.state.appendNull()
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        self.state.beginNestedElement(in: self.frame)
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(state: self.state, frame: self.state.pushObject(self.frame.index + 1)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        self.state.beginNestedElement(in: self.frame)
        return JSONUnkeyedContainer(state: self.state, frame: self.state.pushArray(self.frame.index + 1))
    }

    mutating func superEncoder() -> any Encoder {
        self.state.beginNestedElement(in: self.frame)
        return self.state.superEncoder(at: self.frame.index + 1)
    }
}

/// The single value container of the value at stack depth `index`.
struct JSONSingleValueContainer: SingleValueEncodingContainer, JSONValueContainer {
    let state: JSONOutputState
    let index: Int
    var codingPath: [any CodingKey] { [] }

    func write<T: Encodable>(_ value: T) throws {
        if let error = self.state.pendingError { throw error }
        self.state.beginSingleValue(at: self.index)
        try self.state.encodeValue(value, depth: self.index)
    }

    mutating func encodeNil() throws {
        self.state.beginSingleValue(at: self.index)
        self.state.appendNull()
    }
}

/// The encoder of the value at stack depth `index` (what `superEncoder()` hands out).
struct JSONSlotEncoder: Encoder {
    let state: JSONOutputState
    let index: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(state: self.state, frame: self.state.keyedFrame(at: self.index)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(state: self.state, frame: self.state.unkeyedFrame(at: self.index))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(state: self.state, index: self.index)
    }
}
