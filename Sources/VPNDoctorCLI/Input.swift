import Capture
import Decoding
import Foundation

/// Reads each input file frame by frame, decodes it, applies `--server`, and hands every kept
/// packet to `body`. The packet is reused between frames: copy it to keep it.
///
/// A file that cannot be opened, or goes bad part-way, is reported by the returned error; the
/// packets before the damage have already been handed over.
struct CaptureReader {
    let options: InputOptions

    /// Opens `path`; throws a one-line `CaptureError`.
    func open(_ path: String) throws(CaptureError) -> PcapFile {
        try PcapFile(path: path, filter: self.options.filter)
    }

    /// Decodes every frame of `file`, calling `body` for each packet that passes `--server`.
    func forEachPacket(in file: PcapFile, _ body: (inout DecodedPacket) -> Void) throws(CaptureError) {
        var decoder = PacketDecoder()
        var packet = DecodedPacket(frame: FrameInfo(number: 0, timestamp: Timestamp(seconds: 0, nanoseconds: 0),
                                                    capturedLength: 0, originalLength: 0, linkType: file.linkType))
        let server = self.options.serverAddress
        var progress = ProgressBar(file: file)
        defer { progress?.finish() }
        var source = file
        var frames = 0
        while let frame = try source.next() {
            frames &+= 1
            if frames & 0xFFFF == 0 { progress?.update() }
            decoder.decode(frame, into: &packet)
            if let server, !packet.involves(server) { continue }
            body(&packet)
        }
    }
}

/// A progress bar on standard error while a large file (over 100 MB) is read, shown only when
/// standard error is a terminal. Redrawn every 65,536 frames, so it costs nothing measurable.
struct ProgressBar {
    static let minimumFileSize = 100_000_000
    let file: PcapFile
    let size: Int
    private var shown = -1

    /// nil when the file is small, its size unknown (a pipe), or standard error not a terminal.
    init?(file: PcapFile) {
        guard let size = file.fileSize, size > Self.minimumFileSize, isatty(STDERR_FILENO) != 0 else { return nil }
        self.file = file
        self.size = size
    }

    mutating func update() {
        guard let read = self.file.bytesRead else { return }
        let percent = min(100, read * 100 / self.size)
        guard percent != self.shown else { return }
        self.shown = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let name = (self.file.path as NSString).lastPathComponent
        FileHandle.standardError.write(Data("\r[\(bar)] \(percent)% \(name)".utf8))
    }

    /// Clears the bar's line.
    func finish() {
        guard self.shown >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

extension DecodedPacket {
    /// True when any IP layer (outer or tunnelled) has `address` as source or destination.
    func involves(_ address: IPAddress) -> Bool {
        for layer in self.layers {
            if let (source, destination) = layer.ipEndpoints, source == address || destination == address {
                return true
            }
        }
        return false
    }
}
