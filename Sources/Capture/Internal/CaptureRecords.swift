/// One packet record of a capture file, its bytes lent from `CaptureBytes` until the next read.
struct Record {
    var timestamp: Timestamp
    var capturedLength: Int
    var originalLength: Int
    var linkType: LinkType
    var bytes: UnsafeRawBufferPointer
}

/// What reading the next record gave. Damage in the middle of a file is thrown (`Damage`).
enum NextRecord {
    case record(Record)
    case end
    /// The input ends inside a record (header or body) that is plausible so far: the file was
    /// cut while being written (a killed tcpdump, a copy of a growing file). The detail says where.
    case cutShort(String)
}

/// A file that cannot be a capture (at open), or bytes no capture writer produces (later).
struct Damage: Error {
    var code: CaptureError.Code
    var message: String
    init(_ code: CaptureError.Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Damage part-way through a file.
    init(_ message: String) { self.init(.corrupt, message) }
}

/// Reads the records of one capture format.
protocol RecordReader: AnyObject {
    /// The link type of the first interface.
    var linkType: LinkType { get }
    func next(_ input: CaptureBytes) throws(Damage) -> NextRecord
}

/// Limits that tell a damaged length from a real one, whatever the file's header claims.
enum RecordLimits {
    /// No capture holds more of one packet (libpcap's and Wireshark's ceiling for the link types
    /// we read).
    static let maxCapturedLength = 262_144
    /// Largest pcapng block read (libpcap's ceiling).
    static let maxBlockLength = 16 << 20
    /// Interfaces one pcapng section may describe.
    static let maxInterfaces = 65_536
}

/// Reads integers in the file's byte order.
struct FileByteOrder {
    var swapped: Bool

    func load<T: FixedWidthInteger>(_ b: UnsafeRawBufferPointer, _ offset: Int, as _: T.Type = T.self) -> T {
        let v = b.loadUnaligned(fromByteOffset: offset, as: T.self)
        return self.swapped ? v.byteSwapped : v
    }

    func u16(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 { self.load(b, offset) }
    func u32(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 { self.load(b, offset) }
    func u64(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 { self.load(b, offset) }
}

extension CaptureBytes {
    /// Exactly `count` bytes, or the reason there are not: the end of a file cut while being
    /// written (nil when nothing at all was left and `count` was the start of a record). `what`
    /// names the record for that message, and is made only then (it was a string built per frame).
    func read(_ count: Int, what: @autoclosure () -> String) throws(Damage) -> Result<UnsafeRawBufferPointer, CutShort> {
        let bytes: UnsafeRawBufferPointer
        do {
            bytes = try self.peek(count)
        } catch {
            throw error.damage
        }
        guard bytes.count == count else {
            return .failure(CutShort(at: self.consumed, available: bytes.count, wanted: count, what: what()))
        }
        self.consume(count)
        return .success(bytes)
    }
}

/// Where the input ended inside a record.
struct CutShort: Error {
    var at: Int
    var available: Int
    var wanted: Int
    var what: String
    /// Nothing of the record was there: a clean end (unless the compression says otherwise).
    var isCleanEnd: Bool { self.available == 0 }
    var detail: String { "\(self.what) at byte \(self.at) has only \(self.available) of its \(self.wanted) bytes" }
}

extension Timestamp {
    /// A count of `unitsPerSecond` ticks since the epoch (pcapng's 64-bit timestamps), at
    /// nanosecond precision, plus `offset` seconds (if_tsoffset).
    init(ticks: UInt64, unitsPerSecond: UInt64, offset: Int64) {
        let (seconds, fraction) = ticks.quotientAndRemainder(dividingBy: unitsPerSecond)
        let product = fraction.multipliedFullWidth(by: 1_000_000_000)
        let nanoseconds = unitsPerSecond.dividingFullWidth(product).quotient  // < 1e9: fraction < unitsPerSecond
        self.init(seconds: Int64(truncatingIfNeeded: seconds) &+ offset, nanoseconds: Int32(nanoseconds))
    }
}
