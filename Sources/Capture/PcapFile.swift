import Foundation

/// A pcap or pcapng file (or standard input, as "-"), gzip-compressed or not, read by our own
/// record readers (`Internal/PcapRecords.swift`, `Internal/PcapngBlocks.swift`) and streamed.
///
/// Timestamps are read at nanosecond precision. Each frame carries its interface's link type (a
/// pcapng file can have several). An optional BPF filter is compiled by libpcap; frames that do
/// not match are skipped but still counted, so frame numbers are those Wireshark shows for the
/// whole file. A file that ends inside a record ends the frames with `cutShort` set; bytes no
/// capture writer produces throw (`CaptureError.Code.corrupt`) after the frames before them.
public final class PcapFile: FrameSource {
    public enum Format: String, Sendable, Codable {
        case pcap, pcapNanosecond = "pcap-ns", pcapng, unknown
    }

    public let path: String
    public let linkType: LinkType
    public let format: Format
    /// File size in bytes, when the input is a regular file (for progress reporting).
    public let fileSize: Int?
    /// Set when the file ends inside a record: it was cut while being written. The frames before
    /// were all read; this is not an error (the analysis stands) but a warning to give.
    // (Unchecked: see `frameCount`.)
    @exclusivity(unchecked) public private(set) var cutShort: CaptureError?
    private let input: CaptureBytes
    private let records: any RecordReader
    // One reader uses a source at a time (`FrameSource`), so the state `next()` touches needs no
    // dynamic exclusivity check: on the 2M bench the checks were 15% of the reader thread's
    // instructions (callgrind).
    @exclusivity(unchecked) private var filter: Filter?
    @exclusivity(unchecked) private var frameCount = 0
    @exclusivity(unchecked) private var finished = false

    /// Opens `path` ("-" for standard input). Throws a one-line `CaptureError` for a missing,
    /// unreadable or non-capture file, or a bad filter expression.
    public init(path: String, filter: String? = nil) throws(CaptureError) {
        self.path = path
        var size: Int?
        if path != "-" {
            // Following symbolic links: the size is that of the file they lead to.
            let info = try checkInputPath(path)
            if FileKind(info.st_mode) == .regular {
                size = Int(info.st_size)
            }
        }
        let descriptor = path == "-" ? dup(STDIN_FILENO) : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CaptureError.path(path, errno: errno)
        }
        guard let input = CaptureBytes(descriptor: descriptor) else {
            close(descriptor)
            throw CaptureError(.ioError, source: path, message: "cannot allocate the reader")
        }
        self.input = input
        self.fileSize = size
        do throws(Damage) {
            self.records = try Self.records(input)
        } catch {
            throw CaptureError(error.code, source: path, message: error.message)
        }
        self.format = (self.records as? PcapRecords)?.format ?? .pcapng
        self.linkType = self.records.linkType
        if let filter {
            switch BPFProgram.compile(filter, linkType: self.linkType) {
            case .success(let program): self.filter = Filter(expression: filter, first: (self.linkType, program))
            case .failure(let message):
                throw CaptureError(.badFilter, source: path, message: "bad filter expression '\(filter)': \(message.text)")
            }
        }
    }

    /// The reader for the format the first bytes name.
    private static func records(_ input: CaptureBytes) throws(Damage) -> any RecordReader {
        let magic: UnsafeRawBufferPointer
        do {
            magic = try input.peek(4)
        } catch {
            throw error.damage
        }
        guard magic.count == 4 else {
            throw Damage(.truncatedHeader, magic.isEmpty ? "empty file, not a capture" : "capture file is truncated: \(magic.count) bytes")
        }
        let value = magic.loadUnaligned(as: UInt32.self)
        if value == PcapngBlocks.BlockType.section { return try PcapngBlocks(input) }
        if PcapRecords.magics[value] != nil || PcapRecords.magics[value.byteSwapped] != nil { return try PcapRecords(input) }
        throw Damage(.notACaptureFile, "not a pcap or pcapng capture file")
    }

    /// The next frame; nil at the end of the file, or once a stop was requested (`StopRequest`):
    /// then a read the signal interrupted is the end too, not damage.
    public func next() throws(CaptureError) -> RawFrame? {
        while !self.finished {
            if StopRequest.isRequested { return nil }
            let outcome: NextRecord
            do {
                outcome = try self.records.next(self.input)
            } catch {
                self.finished = true
                if StopRequest.isRequested { return nil }
                throw CaptureError(error.code, source: self.path, message: "capture file is damaged: \(error.message)",
                                   framesRead: self.frameCount)
            }
            switch outcome {
            case .record(let record):
                self.frameCount += 1
                let info = FrameInfo(number: self.frameCount, timestamp: record.timestamp, capturedLength: record.capturedLength,
                                     originalLength: record.originalLength, linkType: record.linkType)
                if self.filter != nil, !self.filter!.matches(info, record.bytes) { continue }
                return RawFrame(info: info, bytes: record.bytes)
            case .end:
                self.finished = true
                if self.input.compressionCutShort { self.noteCutShort("the gzip stream ends before its end marker") }
            case .cutShort(let detail):
                self.finished = true
                self.noteCutShort(self.input.isCompressed ? "\(detail) (decompressed)" : detail)
            }
        }
        return nil
    }

    private func noteCutShort(_ detail: String) {
        self.cutShort = CaptureError(.cutShort, source: self.path, message: detail, framesRead: self.frameCount)
    }

    /// Frames read so far, including those a filter skipped.
    public var framesRead: Int { self.frameCount }

    /// How far into the file reading has got (compressed bytes for a gzip file), for a progress bar.
    public var bytesRead: Int? { self.input.fileOffset }

    /// `--filter`: one program per link type met, compiled when first needed. A link type the
    /// expression cannot be compiled for (`ether host …` on raw IP) has no frame that matches.
    private struct Filter {
        let expression: String
        var programs: [LinkType: BPFProgram?] = [:]
        /// The last link type's program, so one-link files look nothing up.
        var last: (LinkType, BPFProgram?)

        init(expression: String, first: (LinkType, BPFProgram)) {
            self.expression = expression
            self.last = first
            self.programs[first.0] = first.1
        }

        mutating func matches(_ info: FrameInfo, _ bytes: UnsafeRawBufferPointer) -> Bool {
            if info.linkType != self.last.0 {
                let program = self.programs[info.linkType] ?? (try? BPFProgram.compile(self.expression, linkType: info.linkType).get())
                self.programs[info.linkType] = program
                self.last = (info.linkType, program)
            }
            return self.last.1?.matches(info, bytes) ?? false
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
