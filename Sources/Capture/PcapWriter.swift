import Foundation

/// Writes classic pcap (nanosecond timestamps, host byte order) in pure Swift, streaming to a file
/// through a small buffer, or into memory. Used by `--write` and by the tests' capture builder.
public final class PcapWriter {
    private var buffer = Data()
    private let file: FileHandle?
    private static let flushThreshold = 64 * 1024

    /// A writer that keeps the file in memory (`bytes`).
    public init(linkType: LinkType, snaplen: UInt32 = 262_144) {
        self.file = nil
        self.writeHeader(linkType: linkType, snaplen: snaplen)
    }

    /// A writer that streams to `path`, creating or truncating it.
    public init(path: String, linkType: LinkType, snaplen: UInt32 = 262_144) throws(CaptureError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let file = FileHandle(forWritingAtPath: path) else {
            throw CaptureError(.ioError, source: path, message: "cannot create the output file")
        }
        self.file = file
        self.writeHeader(linkType: linkType, snaplen: snaplen)
    }

    deinit { try? self.close() }

    public func write(timestamp: Timestamp, bytes: some Collection<UInt8>, originalLength: Int? = nil) {
        self.append32(UInt32(truncatingIfNeeded: timestamp.seconds))
        self.append32(UInt32(truncatingIfNeeded: timestamp.nanoseconds))
        self.append32(UInt32(bytes.count))
        self.append32(UInt32(originalLength ?? bytes.count))
        self.buffer.append(contentsOf: bytes)
        if self.file != nil, self.buffer.count >= Self.flushThreshold { try? self.flush() }
    }

    public func write(_ frame: RawFrame) {
        self.write(timestamp: frame.info.timestamp, bytes: frame.bytes, originalLength: frame.info.originalLength)
    }

    /// The whole file, for an in-memory writer.
    public var bytes: Data { self.buffer }

    public func flush() throws {
        guard let file = self.file, !self.buffer.isEmpty else { return }
        try file.write(contentsOf: self.buffer)
        self.buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try self.flush()
        try self.file?.close()
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
