import Foundation

/// Writes classic pcap (nanosecond timestamps, host byte order) in pure Swift, streaming to a file
/// through a small buffer, or into memory. Used by `--write` and by the tests' capture builder.
///
/// A file is written the careful way (`OutputFile`): nothing is at the path until `close()`
/// succeeds, and a writer that fails or is dropped before then leaves no partial file.
public final class PcapWriter {
    private var buffer = Data()
    private let file: OutputFile?
    private static let flushThreshold = 64 * 1024
    /// The first write error: later frames are dropped and `close()` throws it. Callers that run
    /// on (a live capture) look here to stop early.
    public private(set) var failure: CaptureError?

    /// A writer that keeps the file in memory (`bytes`).
    public init(linkType: LinkType, snaplen: UInt32 = 262_144) {
        self.file = nil
        self.writeHeader(linkType: linkType, snaplen: snaplen)
    }

    /// A writer that will create or replace `path` when closed. Throws at once for a path that may
    /// not be written (see `OutputFile`), including one of `inputs` (the captures being read).
    public init(path: String, linkType: LinkType, snaplen: UInt32 = 262_144, inputs: [String] = []) throws(CaptureError) {
        self.file = try OutputFile(path: path, inputs: inputs)
        self.writeHeader(linkType: linkType, snaplen: snaplen)
    }

    public func write(timestamp: Timestamp, bytes: some Collection<UInt8>, originalLength: Int? = nil) {
        guard self.failure == nil else { return }
        self.append32(UInt32(truncatingIfNeeded: timestamp.seconds))
        self.append32(UInt32(truncatingIfNeeded: timestamp.nanoseconds))
        self.append32(UInt32(bytes.count))
        self.append32(UInt32(originalLength ?? bytes.count))
        self.buffer.append(contentsOf: bytes)
        if self.file != nil, self.buffer.count >= Self.flushThreshold { self.flush() }
    }

    public func write(_ frame: RawFrame) {
        self.write(timestamp: frame.info.timestamp, bytes: frame.bytes, originalLength: frame.info.originalLength)
    }

    /// The whole file, for an in-memory writer.
    public var bytes: Data { self.buffer }

    /// Hands the buffer to the file; an error becomes `failure`.
    private func flush() {
        guard let file = self.file, self.failure == nil, !self.buffer.isEmpty else { return }
        self.failure = self.buffer.withUnsafeBytes { bytes in
            do throws(CaptureError) { try file.append(bytes) } catch { return error }
            return nil
        }
        self.buffer.removeAll(keepingCapacity: true)
    }

    /// Puts every byte on disk and the file at its path. Throws the first write error (or that of
    /// the final sync, close or rename) with the partial file removed.
    public func close() throws(CaptureError) {
        self.flush()
        if let failure = self.failure {
            self.file?.discard()
            throw failure
        }
        try self.file?.commit()
    }

    private func writeHeader(linkType: LinkType, snaplen: UInt32) {
        self.append32(0xA1B2_3C4D)  // nanosecond-resolution magic
        self.append16(2)
        self.append16(4)
        self.append32(0)  // thiszone
        self.append32(0)  // sigfigs
        self.append32(snaplen)
        self.append32(linkType.rawValue)
    }

    private func append16(_ v: UInt16) { withUnsafeBytes(of: v) { self.buffer.append(contentsOf: $0) } }
    private func append32(_ v: UInt32) { withUnsafeBytes(of: v) { self.buffer.append(contentsOf: $0) } }
}
