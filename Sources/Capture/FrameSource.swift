/// Where frames come from: a capture file, a live interface, or memory (in tests).
///
/// Everything above the capture layer reads frames through this protocol, so it can be tested
/// without libpcap.
public protocol FrameSource {
    /// The link type of the frames this source yields.
    var linkType: LinkType { get }
    /// Lends the next frame, or returns nil at the end. The frame's bytes stay valid only until the
    /// next call. A source that fails part-way throws `CaptureError`; the frames lent before stay
    /// valid results.
    mutating func next() throws(CaptureError) -> RawFrame?
    /// Like `next()`, but a live source that has nothing for a moment says so (`.idle`) instead of
    /// waiting: the engine hands over what it holds then. Files never idle (the default).
    mutating func poll() throws(CaptureError) -> FramePoll
    /// Bytes of the input read so far, when known (a file's position: the progress bar).
    var bytesRead: Int? { get }
    /// Set when the input ended inside a record: the frames before it were whole.
    var cutShort: CaptureError? { get }
}

/// What one read of a frame source gave.
public enum FramePoll {
    case frame(RawFrame)
    /// Nothing captured for a moment (a live read timed out): a moment to refresh a display.
    case idle
    /// The end: of the file, or a stop was requested, or the duration is over.
    case stopped
}

extension FrameSource {
    public mutating func poll() throws(CaptureError) -> FramePoll {
        try self.next().map(FramePoll.frame) ?? .stopped
    }

    public var bytesRead: Int? { nil }
    public var cutShort: CaptureError? { nil }
}

/// Frames held in memory: for tests and for re-reading packets that were kept.
public final class MemoryFrameSource: FrameSource {
    public let linkType: LinkType
    private var frames: [(info: FrameInfo, bytes: [UInt8])]
    private var index = 0
    private var current: UnsafeMutableRawBufferPointer?

    /// `frames` are numbered 1… in order; each gets its own timestamp.
    public init(linkType: LinkType, frames: [(timestamp: Timestamp, bytes: [UInt8], originalLength: Int?)]) {
        self.linkType = linkType
        self.frames = frames.enumerated().map { i, f in
            (FrameInfo(number: i + 1, timestamp: f.timestamp, capturedLength: f.bytes.count,
                       originalLength: f.originalLength ?? f.bytes.count, linkType: linkType), f.bytes)
        }
    }

    /// Convenience: frames one millisecond apart starting at t = 1 000 000 000 s.
    public convenience init(linkType: LinkType, packets: [[UInt8]]) {
        self.init(linkType: linkType, frames: packets.enumerated().map { i, p in
            (Timestamp(seconds: 1_000_000_000, nanoseconds: Int32(i) * 1_000_000), p, nil)
        })
    }

    public func next() throws(CaptureError) -> RawFrame? {
        self.current?.deallocate()
        self.current = nil
        guard self.index < self.frames.count else { return nil }
        let frame = self.frames[self.index]
        self.index += 1
        // A private copy per frame, so a reader that keeps the pointer past `next()` is caught by
        // the address sanitizer instead of silently reading the next frame.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(frame.bytes.count, 1), alignment: 8)
        buffer.copyBytes(from: frame.bytes)
        self.current = buffer
        return RawFrame(info: frame.info, bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<frame.bytes.count]))
    }

    deinit { self.current?.deallocate() }
}
