import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a capture file or of standard input, gunzipped on the fly when they start with
/// gzip's magic (1f 8b; zlib reads anything else as it is), through one window that only ever
/// holds the record being read: a capture of any size, compressed or not, is streamed.
///
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

    private let file: gzFile
    private var buffer: UnsafeMutableRawBufferPointer
    /// The unread bytes are `buffer[start ..< end]`.
    private var start = 0
    private var end = 0
    private var exhausted = false
    /// Bytes handed out so far (offset in the uncompressed stream).
    private(set) var consumed = 0

    /// Takes over `descriptor` (closed with the reader). Nil when zlib cannot allocate its state.
    init?(descriptor: Int32) {
        guard let file = gzdopen(descriptor, "rb") else { return nil }
        self.file = file
        self.buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        gzclose_r(self.file)
        self.buffer.deallocate()
    }

    /// True when the input was gzip-compressed.
    var isCompressed: Bool { gzdirect(self.file) == 0 }

    /// Bytes of the *file* read so far (compressed bytes for a gzip file), for a progress bar.
    var fileOffset: Int { Int(gzoffset(self.file)) }

    /// True when the compressed stream ended before its end marker: the file was cut while being
    /// written. Meaningful once a read came back short.
    var compressionCutShort: Bool {
        var code: Int32 = 0
        _ = gzerror(self.file, &code)
        return code == Z_BUF_ERROR
    }

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

    /// Most bytes asked of zlib at once. zlib drops what it decompressed in a read that meets damage,
    /// so this bounds how much before the damage is lost (uncompressed files read as fast).
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
            let n = gzread(self.file, self.buffer.baseAddress! + self.end, UInt32(min(self.buffer.count - self.end, Self.readSize)))
            if n < 0 {
                var code: Int32 = 0
                // zlib names the file "<fd:N>: ": the user knows which file it is.
                let message = String(cString: gzerror(self.file, &code)).split(separator: ": ", maxSplits: 1).last.map(String.init) ?? ""
                throw code == Z_ERRNO ? .io(String(cString: strerror(errno))) : .badCompression(message)
            }
            if n == 0 {
                self.exhausted = true
                return
            }
            self.end += Int(n)
        }
    }
}
