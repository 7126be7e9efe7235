import Capture
import Decoding
import Foundation
import Sessions

/// The engine on two cores. A reader thread runs the source's read loop and reads each data-plane
/// frame from its header bytes (`Classifier.wire`); it hands the analyzer's thread batches of those
/// readings, with copies of the other frames' bytes, which the analyzer's thread decodes. Every
/// frame reaches the analyzer once, in capture order: the analysis is the one a single thread
/// makes, and the wall time is the slower side's instead of the sum of both. On a live interface
/// the reader only reads, so the kernel's buffer is drained while the analyzer's thread judges.
///
/// Batches (a few, reused) bound the memory: a reader ahead of the analyzer waits for a free one.
final class FramePipeline: @unchecked Sendable {
    /// One frame as the reader hands it over.
    enum Item {
        case wire(WireReading, FrameInfo)
        /// A frame to decode: its bytes are `arena[start ..< start + count]`.
        case raw(FrameInfo, start: Int, count: Int)
    }

    /// Frames handed over together. A value: the thread holding it appends to and reads its arrays
    /// as locals (no exclusivity checks per frame); it moves through the queues under the lock.
    struct Batch {
        static let items = 2_048
        static let arenaBytes = 1 << 20

        var items: [Item] = []
        var arena = [UInt8](repeating: 0, count: Batch.arenaBytes)
        var used = 0
        /// Bytes of the file read when the batch was handed over (for the progress bar).
        var position: Int?
        var error: CaptureError?
        var isLast = false

        init() { self.items.reserveCapacity(Self.items) }

        mutating func reset() {
            self.items.removeAll(keepingCapacity: true)
            self.used = 0
            self.position = nil
            self.error = nil
            self.isLast = false
        }

        /// Copies `bytes` into the arena; false when the batch must go first (an empty batch grows).
        mutating func keep(_ bytes: UnsafeRawBufferPointer, _ info: FrameInfo) -> Bool {
            if self.used + bytes.count > self.arena.count {
                guard self.used == 0 else { return false }
                self.arena = [UInt8](repeating: 0, count: bytes.count)
            }
            if let from = bytes.baseAddress, !bytes.isEmpty {
                let used = self.used
                self.arena.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: used).copyMemory(from: from, byteCount: bytes.count) }
            }
            self.items.append(.raw(info, start: self.used, count: bytes.count))
            self.used += bytes.count
            return true
        }
    }

    private let condition = NSCondition()
    /// Batches ready for the reader, and those it filled (in order).
    private var free: [Batch]
    private var full: [Batch] = []

    private init(batches: Int) {
        self.free = (0..<batches).map { _ in Batch() }
    }

    /// Whether this process may run on a second core for the reader (its CPU affinity on Linux:
    /// `taskset -c 0` or a one-CPU container means one thread).
    static var isWorthIt: Bool {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) {
            let cpus = line.dropFirst("Cpus_allowed:".count).compactMap(\.hexDigitValue).reduce(0) { $0 + $1.nonzeroBitCount }
            return cpus > 1
        }
        #endif
        return ProcessInfo.processInfo.activeProcessorCount > 1
    }

    /// Reads `source` on a thread of its own and feeds every frame to `analyzer`, calling `captured`
    /// with each frame on the reader's thread (false ends the reading) and `handed` after each
    /// batch with the bytes read so far and its number of frames. `batches` bounds how far the reader runs ahead. A source
    /// that goes bad part-way throws after the frames before the damage were analyzed.
    static func analyze<Source: FrameSource>(
        _ source: Source, into analyzer: inout Analyzer, limits: DecodeLimits, batches: Int,
        captured: ((RawFrame) -> Bool)?, handed: (inout Analyzer, _ position: Int?, _ frames: Int) -> Void
    ) throws(CaptureError) {
        let pipeline = FramePipeline(batches: batches)
        nonisolated(unsafe) let source = source
        nonisolated(unsafe) let captured = captured
        // Ctrl-C goes to the reader thread, the one a blocked read(2) must be woken in (StopSignals):
        // this thread blocks the stop signals while the reader runs.
        StopSignals.setBlocked(true)
        defer { StopSignals.setBlocked(false) }
        let reader = Thread {
            StopSignals.setBlocked(false)
            pipeline.read(source, limits: limits, captured: captured)
        }
        reader.stackSize = 1 << 20
        reader.start()

        var decoder = PacketDecoder(dissector: Dissector(limits: limits))
        var packet = DecodedPacket(linkType: source.linkType)
        while true {
            var batch = pipeline.take(from: \.full)
            batch.arena.withUnsafeBytes { arena in
                for i in batch.items.indices {
                    switch batch.items[i] {
                    case .wire(let reading, let info):
                        analyzer.add(reading, frame: info)
                    case .raw(let info, let start, let count):
                        let bytes = UnsafeRawBufferPointer(rebasing: arena[start ..< start + count])
                        decoder.decode(RawFrame(info: info, bytes: bytes), into: &packet)
                        analyzer.add(packet, bytes: bytes)
                    }
                }
            }
            handed(&analyzer, batch.position, batch.items.count)
            let (isLast, error) = (batch.isLast, batch.error)
            batch.reset()
            pipeline.put(batch, into: \.free)
            if isLast {
                if let error { throw error }
                return
            }
        }
    }

    /// The reader's loop: fill a free batch, hand it over when full or when the source idles (a
    /// quiet interface: what was captured is analysed now), until the source ends or fails.
    private func read<Source: FrameSource>(_ source: Source, limits: DecodeLimits, captured: ((RawFrame) -> Bool)?) {
        var batch = self.take(from: \.free)
        var source = source
        var prefixed = PrefixedStreams()
        while true {
            var poll = FramePoll.stopped
            do {
                poll = try source.poll()
            } catch {
                batch.error = error
            }
            let frame: RawFrame
            switch poll {
            case .frame(let read) where captured?(read) ?? true:
                frame = read
            case .idle:
                self.put(batch, into: \.full)
                batch = self.take(from: \.free)
                continue
            case .frame, .stopped:
                batch.isLast = true
                batch.position = source.bytesRead
                self.put(batch, into: \.full)
                return
            }
            if let reading = Classifier.wire(frame, limits: limits, prefixed: &prefixed) {
                batch.items.append(.wire(reading, frame.info))
            } else if !batch.keep(frame.bytes, frame.info) {
                batch.position = source.bytesRead
                self.put(batch, into: \.full)
                batch = self.take(from: \.free)
                _ = batch.keep(frame.bytes, frame.info)
            }
            if batch.items.count >= Batch.items {
                batch.position = source.bytesRead
                self.put(batch, into: \.full)
                batch = self.take(from: \.free)
            }
        }
    }

    // MARK: - Handing batches over (one lock operation per batch, not per frame)

    private func take(from queue: ReferenceWritableKeyPath<FramePipeline, [Batch]>) -> Batch {
        self.condition.lock()
        defer { self.condition.unlock() }
        while self[keyPath: queue].isEmpty { self.condition.wait() }
        return self[keyPath: queue].removeFirst()
    }

    private func put(_ batch: Batch, into queue: ReferenceWritableKeyPath<FramePipeline, [Batch]>) {
        self.condition.lock()
        self[keyPath: queue].append(batch)
        self.condition.broadcast()
        self.condition.unlock()
    }
}
