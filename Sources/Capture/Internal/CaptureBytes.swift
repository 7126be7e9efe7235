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
/// The descriptor is read with read(2) (a pipe's bytes are handed on as they come: `tcpdump -w - |`
/// is analysed while it runs), and compressed input goes through zlib's inflate. A read a signal
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
    private(set) var fileOffset = 0

    /// Compressed input: zlib's state and the compressed bytes not inflated yet.
    private var stream: UnsafeMutablePointer<z_stream>?
    private var compressed = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// The gzip member being inflated has not reached its end marker.
    private var insideMember = false
    private(set) var isCompressed = false

    /// Takes over `descriptor` (closed with the reader). Nil when zlib cannot allocate its state.
    init?(descriptor: Int32) {
        self.descriptor = descriptor
        self.buffer = .allocate(byteCount: 1 << 20, alignment: 16)
        // The first two bytes say whether the input is gzip.
        var magic = [UInt8](repeating: 0, count: 2)
        let got = magic.withUnsafeMutableBytes { Self.readFully(descriptor, $0.baseAddress!, 2) }
        self.fileOffset = max(got, 0)
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
        } else if got > 0 {
            self.buffer.copyMemory(from: UnsafeRawBufferPointer(start: magic, count: got))
            self.end = got
        }
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
            self.compressed.deallocate()
        }
        self.buffer.deallocate()
        close(self.descriptor)
    }

    /// True when the compressed stream ended inside a gzip member: the file was cut while being
    /// written. Meaningful once the input is exhausted.
    var compressionCutShort: Bool { self.isCompressed && self.insideMember }

    /// The next `count` bytes, without consuming them; fewer only at the end of the input.
    func peek(_ count: Int) throws(Failure) -> UnsafeRawBufferPointer {
        if self.end - self.start < count, !self.exhausted { try self.fill(count) }
        let available = min(count, self.end - self.start)
        return UnsafeRawBufferPointer(rebasing: self.buffer[self.start ..< self.start + available])
    }

    /// Consumes `count` bytes that `peek` returned.
    func consume(_ count: Int) {
        self.start += count
        self.consumed += count
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
                self.fileOffset += n
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
