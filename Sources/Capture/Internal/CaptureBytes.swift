import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a capture file or of standard input, gunzipped on the fly when they start with
/// gzip's magic (1f 8b), through one window that only ever holds the record being read: a capture
/// of any size, compressed or not, is streamed.
///
/// A regular file that is not compressed is mapped (mmap(2)) and its bytes are lent from the map:
/// no read(2) per 64 KiB and no copy into the window, the one cost a capture's reader adds to the
/// kernel's. The pages behind the reader are dropped from the process now and then (they stay in
/// the page cache), so the resident memory stays flat whatever the file's size. A file that grew
/// since it was opened is read on from where the map ends, as below; one truncated while it is
/// read ends the process (SIGBUS), as it would any reader of a mapped file.
///
/// Anything else (a pipe's bytes are handed on as they come: `tcpdump -w - |` is analysed while it
/// runs) is read with read(2), and compressed input goes through zlib's inflate. A read a signal
/// interrupts is the end of the input once a stop was requested (`StopRequest`), else retried.
/// Every call into zlib lives in this file.
final class CaptureBytes {
    /// A read that failed.
    enum Failure: Error {
        /// The compressed stream is damaged (zlib's message).
        case badCompression(String)
        case io(String)

        var damage: Damage {
            switch self {
            case .badCompression(let message): Damage(.corrupt, "the gzip compression is damaged: \(message)")
            case .io(let message): Damage(.ioError, "read error: \(message)")
            }
        }
    }

    private let descriptor: Int32
    /// The window of (uncompressed) bytes: the unread ones are `buffer[start ..< end]`.
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var exhausted = false
    /// Bytes handed out so far (offset in the uncompressed stream).
    private(set) var consumed = 0
    /// Bytes read from the descriptor so far.
    private var readOffset = 0

    /// A mapped file: all of it as it was at open; `peek` lends from it until its end.
    private var map: UnsafeRawBufferPointer?
    /// Bytes of the map before this one were dropped from the process (`consume`).
    private var released = 0
    /// How much the reader leaves behind it before dropping pages: big enough to make `madvise` rare.
    private static let releaseStep = 8 << 20

    /// Compressed input: zlib's state and the compressed bytes not inflated yet.
    private var stream: UnsafeMutablePointer<z_stream>?
    private var compressed = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// The gzip member being inflated has not reached its end marker.
    private var insideMember = false
    private(set) var isCompressed = false

    /// Takes over `descriptor` (closed with the reader). Nil when zlib cannot allocate its state.
    /// `mapping` false reads a regular file with read(2) too (the tests compare both ways).
    init?(descriptor: Int32, mapping: Bool = true) {
        self.descriptor = descriptor
        self.buffer = .allocate(byteCount: 1 << 20, alignment: 16)
        // The first two bytes say whether the input is gzip.
        var magic = [UInt8](repeating: 0, count: 2)
        let got = magic.withUnsafeMutableBytes { Self.readFully(descriptor, $0.baseAddress!, 2) }
        self.readOffset = max(got, 0)
        if got == 2, magic == [0x1F, 0x8B] {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            guard vpndoctor_inflate_init_gzip(stream) == Z_OK else {
                stream.deallocate()
                self.buffer.deallocate()
                return nil
            }
            self.stream = stream
            self.isCompressed = true
            self.insideMember = true
            self.compressed = .allocate(byteCount: Self.readSize, alignment: 16)
            self.compressed.copyMemory(from: UnsafeRawBufferPointer(start: magic, count: 2))
            stream.pointee.next_in = self.compressed.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = 2
        } else if mapping, got > 0, let map = Self.map(descriptor) {
            self.map = map
        } else if got > 0 {
            self.buffer.copyMemory(from: UnsafeRawBufferPointer(start: magic, count: got))
            self.end = got
        }
    }

    /// The whole of `descriptor` mapped for reading in order, when it is a regular file.
    private static func map(_ descriptor: Int32) -> UnsafeRawBufferPointer? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, FileKind(info.st_mode) == .regular, info.st_size > 0,
              let base = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED
        else { return nil }
        madvise(base, Int(info.st_size), MADV_SEQUENTIAL)
        return UnsafeRawBufferPointer(start: base, count: Int(info.st_size))
    }

    /// Reads on with read(2) from where the map ends (the file grew after it was mapped): the
    /// map's unread bytes go into the window first.
    private func unmap() {
        guard let map else { return }
        let unread = map.count - self.start
        if unread > self.buffer.count {
            self.buffer.deallocate()
            self.buffer = .allocate(byteCount: unread, alignment: 16)
        }
        self.buffer.baseAddress!.copyMemory(from: map.baseAddress! + self.start, byteCount: unread)
        (self.start, self.end) = (0, unread)
        self.readOffset = Int(lseek(self.descriptor, off_t(map.count), SEEK_SET))
        munmap(UnsafeMutableRawPointer(mutating: map.baseAddress), map.count)
        self.map = nil
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
            self.compressed.deallocate()
        }
        if let map { munmap(UnsafeMutableRawPointer(mutating: map.baseAddress), map.count) }
        self.buffer.deallocate()
        close(self.descriptor)
    }

    /// How far into the file reading has got (for a progress bar).
    var fileOffset: Int { self.map == nil ? self.readOffset : self.consumed }

    /// True when the compressed stream ended inside a gzip member: the file was cut while being
    /// written. Meaningful once the input is exhausted.
    var compressionCutShort: Bool { self.isCompressed && self.insideMember }

    /// The next `count` bytes, without consuming them; fewer only at the end of the input.
    func peek(_ count: Int) throws(Failure) -> UnsafeRawBufferPointer {
        if let map {
            if map.count - self.start >= count { return UnsafeRawBufferPointer(rebasing: map[self.start ..< self.start + count]) }
            self.unmap()
        }
        if self.end - self.start < count, !self.exhausted { try self.fill(count) }
        let available = min(count, self.end - self.start)
        return UnsafeRawBufferPointer(rebasing: self.buffer[self.start ..< self.start + available])
    }

    /// Consumes `count` bytes that `peek` returned.
    func consume(_ count: Int) {
        self.start += count
        self.consumed += count
        if let map, self.start - self.released >= 2 * Self.releaseStep {
            // Bytes lent before this call may still be read: a step's worth stays mapped behind.
            let upTo = (self.start - Self.releaseStep) & ~(Int(getpagesize()) - 1)
            madvise(UnsafeMutableRawPointer(mutating: map.baseAddress! + self.released), upTo - self.released, MADV_DONTNEED)
            self.released = upTo
        }
    }

    /// Most bytes read(2) asks for at once.
    private static let readSize = 1 << 16

    /// Reads until `count` bytes are buffered or the input ends, moving the unread bytes to the
    /// front and growing the window when one record needs more than it holds.
    private func fill(_ count: Int) throws(Failure) {
        let unread = self.end - self.start
        if count > self.buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            bigger.baseAddress!.copyMemory(from: self.buffer.baseAddress! + self.start, byteCount: unread)
            self.buffer.deallocate()
            self.buffer = bigger
        } else if self.start > 0 {
            memmove(self.buffer.baseAddress!, self.buffer.baseAddress! + self.start, unread)
        }
        (self.start, self.end) = (0, unread)
        while self.end < count {
            let room = min(self.buffer.count - self.end, Self.readSize)
            let n = self.stream == nil ? try self.readInput(into: self.buffer.baseAddress! + self.end, room)
                : try self.inflateInput(into: self.buffer.baseAddress! + self.end, room)
            if n == 0 {
                self.exhausted = true
                return
            }
            self.end += n
        }
    }

    /// Up to `count` bytes from the descriptor; 0 at its end (or at a requested stop).
    private func readInput(into destination: UnsafeMutableRawPointer, _ count: Int) throws(Failure) -> Int {
        while true {
            let n = systemRead(self.descriptor, destination, count)
            if n >= 0 {
                self.readOffset += n
                return n
            }
            if errno == EINTR {
                if StopRequest.isRequested { return 0 }
                continue
            }
            throw .io(String(cString: strerror(errno)))
        }
    }

    /// Up to `count` inflated bytes; 0 at the end of the compressed input.
    private func inflateInput(into destination: UnsafeMutableRawPointer, _ count: Int) throws(Failure) -> Int {
        let stream = self.stream!
        stream.pointee.next_out = destination.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(count)
        while stream.pointee.avail_out == UInt32(count) {
            if stream.pointee.avail_in == 0 {
                let n = try self.readInput(into: self.compressed.baseAddress!, self.compressed.count)
                if n == 0 { return 0 }
                stream.pointee.next_in = self.compressed.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = UInt32(n)
            }
            if !self.insideMember {
                // Another gzip member follows the last one (gzip allows several, as `cat a.gz b.gz`).
                inflateReset(stream)
                self.insideMember = true
            }
            switch zlibInflate(stream, Z_NO_FLUSH) {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: self.insideMember = false
            default:
                throw .badCompression(stream.pointee.msg.map { String(cString: $0) } ?? "inflate failed")
            }
        }
        return count - Int(stream.pointee.avail_out)
    }

    /// Reads until `count` bytes or the end (or a requested stop); the bytes read.
    private static func readFully(_ descriptor: Int32, _ destination: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var got = 0
        while got < count {
            let n = systemRead(descriptor, destination + got, count - got)
            if n > 0 { got += n; continue }
            if n < 0, errno == EINTR, !StopRequest.isRequested { continue }
            break
        }
        return got
    }
}

/// read(2), named apart from the reader's own methods.
private func systemRead(_ descriptor: Int32, _ destination: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, destination, count)
}

/// zlib's inflate, named apart from the reader's own methods.
private func zlibInflate(_ stream: UnsafeMutablePointer<z_stream>, _ flush: Int32) -> Int32 {
    inflate(stream, flush)
}
