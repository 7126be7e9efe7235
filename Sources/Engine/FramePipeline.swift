import Capture
import Decoding
import Foundation
import Sessions

/// The engine on two cores. A reader thread runs the source's read loop, reads each data-plane
/// frame from its header bytes (`Classifier.wire`) and decodes the others (`PacketDecoder`); it hands
/// the analyzer's thread batches of those readings and decoded packets, with copies of the decoded
/// frames' bytes (PPTP, OpenVPN and IKE over TCP are read from them as streams). Every frame reaches
/// the analyzer once, in capture order: the analysis is the one a single thread makes, and the wall
/// time is the slower side's instead of the sum of both. On a live interface the reader only reads
/// and decodes, so the kernel's buffer is drained while the analyzer's thread judges.
///
/// Batches (a few, reused with their storage) bound the memory: a reader ahead of the analyzer
/// waits for a free one.
final class FramePipeline: @unchecked Sendable {
    /// One frame as the reader hands it over.
    enum Item {
        case wire(WireReading, FrameInfo)
        /// A decoded frame: `packets[slot]`, decoded from `arena.bytes[start ..< start + count]`.
        case decoded(slot: Int, start: Int, count: Int)
    }

    /// The decoded frames' bytes of one batch (a class: its memory is freed with the last batch
    /// holding it, and the batch moves between threads without copying it).
    final class Arena: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        init(count: Int) { self.bytes = .allocate(byteCount: count, alignment: 16) }
        deinit { self.bytes.deallocate() }
    }

    /// Frames handed over together. A value: the thread holding it appends to and reads its arrays
    /// as locals (no exclusivity checks per frame); it moves through the queues under the lock.
    struct Batch {
        static let items = 2_048
        static let arenaBytes = 1 << 20
        /// Decoded packets one batch holds (each keeps its layers' storage for the next use).
        static let packets = 256

        var items: [Item] = []
        var arena = Arena(count: Batch.arenaBytes)
        var used = 0
        /// Decoded packets, reused: `packets[0 ..< decoded]` are this batch's.
        var packets: [DecodedPacket] = []
        var decoded = 0
        /// Bytes of the file read when the batch was handed over (for the progress bar).
        var position: Int?
        var error: CaptureError?
        var isLast = false

        init() { self.items.reserveCapacity(Self.items) }

        mutating func reset() {
            self.items.removeAll(keepingCapacity: true)
            self.used = 0
            self.decoded = 0
            self.position = nil
            self.error = nil
            self.isLast = false
        }

        /// Copies `frame`'s bytes into the arena and decodes them into the next packet; false when
        /// the batch must go first (an empty batch grows its arena).
        mutating func decode(_ frame: RawFrame, with decoder: inout PacketDecoder) -> Bool {
            let count = frame.bytes.count
            guard self.decoded < Self.packets else { return false }
            if self.used + count > self.arena.bytes.count {
                guard self.used == 0 else { return false }
                self.arena = Arena(count: count)
            }
            let start = self.used
            let bytes = UnsafeMutableRawBufferPointer(rebasing: self.arena.bytes[start ..< start + count])
            if let from = frame.bytes.baseAddress, count > 0 { bytes.baseAddress!.copyMemory(from: from, byteCount: count) }
            if self.decoded == self.packets.count {
                var packet = DecodedPacket(linkType: frame.info.linkType)
                packet.layers = []  // grown to what the frames need, not to the most layers any frame has
                self.packets.append(packet)
            }
            decoder.decode(RawFrame(info: frame.info, bytes: UnsafeRawBufferPointer(bytes)), into: &self.packets[self.decoded])
            self.items.append(.decoded(slot: self.decoded, start: start, count: count))
            self.decoded += 1
            self.used += count
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

        while true {
            var batch = pipeline.take(from: \.full)
            let arena = UnsafeRawBufferPointer(batch.arena.bytes)
            for i in batch.items.indices {
                switch batch.items[i] {
                case .wire(let reading, let info):
                    analyzer.add(reading, frame: info)
                case .decoded(let slot, let start, let count):
                    analyzer.add(batch.packets[slot], bytes: UnsafeRawBufferPointer(rebasing: arena[start ..< start + count]))
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
        var decoder = PacketDecoder(dissector: Dissector(limits: limits))
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
            } else if !batch.decode(frame, with: &decoder) {
                batch.position = source.bytesRead
                self.put(batch, into: \.full)
                batch = self.take(from: \.free)
                _ = batch.decode(frame, with: &decoder)
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
