import Foundation

/// A pcap or pcapng file (or standard input, as "-") read through libpcap.
///
/// Timestamps are always read at nanosecond precision. An optional BPF filter is compiled by
/// libpcap; frames that do not match are skipped but still counted, so frame numbers are those
/// Wireshark shows for the whole file.
public final class PcapFile: FrameSource {
    public enum Format: String, Sendable, Codable {
        case pcap, pcapNanosecond = "pcap-ns", pcapng, unknown
    }

    public let path: String
    public let linkType: LinkType
    public let format: Format
    /// File size in bytes, when the input is a regular file (for progress reporting).
    public let fileSize: Int?
    private let handle: PcapHandle
    private var frameCount = 0

    /// Opens `path` ("-" for standard input). Throws a one-line `CaptureError` for a missing,
    /// unreadable or non-capture file, or a bad filter expression.
    public init(path: String, filter: String? = nil) throws(CaptureError) {
        self.path = path
        var size: Int?
        var format = Format.unknown
        if path != "-" {
            // Following symbolic links: the size and format are those of the file they lead to.
            let info = try checkInputPath(path)
            if FileKind(info.st_mode) == .regular {
                size = Int(info.st_size)
                format = Self.sniffFormat(path: path)
            }
        }
        switch PcapHandle.openOffline(path: path) {
        case .success(let handle): self.handle = handle
        case .failure(let message): throw Self.openError(path: path, libpcapMessage: message.text)
        }
        self.fileSize = size
        self.format = format
        self.linkType = LinkType(rawValue: UInt32(bitPattern: self.handle.datalink))
        if let filter, let message = self.handle.compileFilter(filter) {
            throw CaptureError(.badFilter, source: path, message: "bad filter expression '\(filter)': \(message)")
        }
    }

    public func next() throws(CaptureError) -> RawFrame? {
        while true {
            switch self.handle.next() {
            case .frame(let header, let data):
                self.frameCount += 1
                guard self.handle.matches(header: header, data: data) else { continue }
                return PcapHandle.rawFrame(header, data, number: self.frameCount, linkType: self.linkType, tickNanoseconds: 1)
            case .timeout:
                continue
            case .end:
                return nil
            case .error(let message):
                throw CaptureError(.corrupt, source: self.path, message: "capture file is damaged: \(message)",
                                   framesRead: self.frameCount)
            }
        }
    }

    /// Frames read so far, including those a filter skipped.
    public var framesRead: Int { self.frameCount }

    /// How far into the file libpcap has read, for a progress bar.
    public var bytesRead: Int? { self.handle.fileOffset }

    private static func openError(path: String, libpcapMessage message: String) -> CaptureError {
        if message.contains("unknown file format") || message.contains("bad dump file format") {
            return CaptureError(.notACaptureFile, source: path, message: "not a pcap or pcapng capture file")
        }
        if message.contains("file header bytes, only got 0") {
            return CaptureError(.truncatedHeader, source: path, message: "empty file, not a capture")
        }
        if message.contains("truncated") {
            return CaptureError(.truncatedHeader, source: path, message: "capture file is truncated: \(message)")
        }
        if message.contains("Permission denied") {
            return CaptureError(.permissionDenied, source: path, message: "permission denied")
        }
        return CaptureError(.notACaptureFile, source: path, message: message)
    }

    private static func sniffFormat(path: String) -> Format {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unknown }
        defer { try? handle.close() }
        guard let magic = try? handle.read(upToCount: 4), magic.count == 4 else { return .unknown }
        switch Array(magic) {
        case [0x0A, 0x0D, 0x0D, 0x0A]: return .pcapng
        case [0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0xC3, 0xD4]: return .pcap
        case [0x4D, 0x3C, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D]: return .pcapNanosecond
        default: return .unknown
        }
    }
}
