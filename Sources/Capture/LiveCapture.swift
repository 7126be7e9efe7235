/// A network interface libpcap can capture on.
public struct CaptureInterface: Hashable, Sendable, Codable {
    public var name: String
    public var description: String?
    public var addresses: [String]
    public var isUp: Bool
    public var isRunning: Bool
    public var isLoopback: Bool

    /// Lists the interfaces libpcap can open (pcap_findalldevs).
    public static func all() throws(CaptureError) -> [CaptureInterface] {
        switch PcapHandle.interfaces() {
        case .success(let list): return list
        case .failure(let message): throw CaptureError(.ioError, source: "interfaces", message: message.text)
        }
    }
}

/// Frames from a live interface, through libpcap: full frames, kernel BPF filter, a kernel buffer
/// of a chosen size, immediate mode when a person watches.
///
/// `next()` returns nil once a stop was requested (`StopRequest`) or `deadline` passed.
public final class LiveCapture: FrameSource {
    public let interface: String
    public let linkType: LinkType
    private let handle: PcapHandle
    private var frameCount = 0
    private let deadline: ContinuousClock.Instant?

    /// The kernel buffer sizes `bufferSize` may be: libpcap takes an `int`; below 64 KiB a burst of
    /// full-size frames would not fit.
    public static let bufferSizes = (64 << 10)...(1 << 30)

    /// Opens `interface`. `filter` is a BPF expression installed in the kernel; `bufferSize` (bytes,
    /// within `bufferSizes`) is the kernel buffer that holds frames until they are read; `immediate`
    /// hands each frame over as it arrives (for a display) instead of a block at a time. Throws a
    /// one-line error for an unknown interface, one that is down, missing privileges, or a bad filter.
    public init(interface: String, filter: String?, duration: Duration? = nil, snaplen: Int32 = 262_144,
                bufferSize: Int = 4 << 20, immediate: Bool = true) throws(CaptureError) {
        precondition(Self.bufferSizes.contains(bufferSize), "bufferSize out of range")
        self.interface = interface
        switch PcapHandle.openLive(interface: interface, snaplen: snaplen, bufferSize: Int32(bufferSize), immediate: immediate) {
        case .success(let handle): self.handle = handle
        case .failure(let error): throw Self.activationError(interface: interface, error)
        }
        self.linkType = LinkType(rawValue: UInt32(bitPattern: self.handle.datalink))
        if let filter, let message = self.handle.setKernelFilter(filter) {
            throw CaptureError(.badFilter, source: interface, message: "bad filter expression '\(filter)': \(message)")
        }
        self.deadline = duration.map { ContinuousClock.now + $0 }
    }

    /// Waits at most about 100 ms for the next frame (`.idle` when none came).
    public func poll() throws(CaptureError) -> FramePoll {
        if StopRequest.isRequested { return .stopped }
        if let deadline = self.deadline, ContinuousClock.now >= deadline { return .stopped }
        switch self.handle.next() {
        case .frame(let header, let data):
            self.frameCount += 1
            // Live handles deliver microseconds.
            return .frame(PcapHandle.rawFrame(header, data, number: self.frameCount, linkType: self.linkType, tickNanoseconds: 1000))
        case .timeout:
            // Non-blocking handle with nothing queued: wait for the descriptor, briefly.
            self.handle.waitReadable(milliseconds: 100)
            return .idle
        case .end:
            return .stopped
        case .error(let message):
            throw CaptureError(.ioError, source: self.interface, message: message, framesRead: self.frameCount)
        }
    }

    public func next() throws(CaptureError) -> RawFrame? {
        while true {
            switch try self.poll() {
            case .frame(let frame): return frame
            case .idle: continue
            case .stopped: return nil
            }
        }
    }

    /// Frames seen by libpcap, dropped by the kernel buffer, dropped by the interface.
    public var statistics: (received: Int, dropped: Int, interfaceDropped: Int)? {
        self.handle.statistics.map { (Int($0.received), Int($0.dropped), Int($0.interfaceDropped)) }
    }

    private static func activationError(interface: String, _ error: PcapActivationError) -> CaptureError {
        switch error.status {
        case PcapStatus.noSuchDevice:
            return CaptureError(.unknownInterface, source: interface, message: "no such interface (see 'vpndoctor interfaces')")
        case PcapStatus.permissionDenied:
            return CaptureError(.noPrivilege, source: interface, message:
                "capturing needs root, or the capabilities: sudo setcap cap_net_raw,cap_net_admin=eip \(executablePath())")
        case PcapStatus.interfaceNotUp:
            return CaptureError(.interfaceDown, source: interface, message: "interface is down (ip link set \(interface) up)")
        default:
            return CaptureError(.ioError, source: interface, message: error.message.isEmpty ? "cannot capture" : error.message)
        }
    }

    private static func executablePath() -> String {
        CommandLine.arguments.first ?? "vpndoctor"
    }
}
