import Capture

/// Identifies the datagram a fragment belongs to — RFC 791 §3.2 (source, destination, protocol,
/// identification) and RFC 8200 §4.5 (source, destination, 32-bit identification; the protocol is
/// the Fragment header's Next Header).
public struct FragmentKey: Hashable, Sendable, Codable {
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: IPProtocol
    public var identification: UInt32

    public init(source: IPAddress, destination: IPAddress, protocolNumber: IPProtocol, identification: UInt32) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.identification = identification
    }
}

/// One fragment as the network layer saw it: where its data goes in the datagram.
public struct Fragment: Sendable {
    public var key: FragmentKey
    /// Byte offset of `data` in the reassembled payload.
    public var offset: Int
    public var moreFragments: Bool

    public init(key: FragmentKey, offset: Int, moreFragments: Bool) {
        self.key = key
        self.offset = offset
        self.moreFragments = moreFragments
    }
}

/// A completed datagram: the upper-layer payload (owned bytes) and the frames it came from.
public struct ReassembledDatagram: Sendable {
    public var key: FragmentKey
    /// The payload after the IP header (offsets of layers decoded from it are relative to it).
    public var payload: [UInt8]
    /// Frame numbers of the fragments, in arrival order (a frame repeating data already received
    /// is listed too).
    public var frames: [Int]
}

/// What became of a datagram that never completed: for diagnoses such as "IKE message sent as IP
/// fragments, never answered".
public struct FragmentSummary: Hashable, Sendable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// Still waiting when asked (`pending`, or `finish()` at the end of the capture).
        case incomplete
        /// No fragment completed it within `timeout` seconds of the first.
        case timedOut
        /// Dropped to respect a limit (too many datagrams, bytes, or fragments).
        case limitExceeded
        /// Fragments contradict each other (two different total lengths, data past the end).
        case inconsistent
    }

    public var key: FragmentKey
    public var outcome: Outcome
    public var frames: [Int]
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    /// Payload bytes received (overlaps counted once).
    public var bytesReceived: Int
    /// Known once the last fragment (MF = 0) arrived.
    public var totalLength: Int?
    /// Gaps in what was received, up to `totalLength` (or to the highest byte seen when unknown).
    public var holes: [ByteRange]
    /// Transport ports read from the first fragment (offset 0), when it arrived and was TCP or UDP.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
}

/// Reassembles IPv4 and IPv6 fragments. A value the caller owns (one per capture): feed it every
/// fragment in capture order with `add`; it returns the datagram when the last missing piece
/// arrives.
///
/// Bounded: at most `maxDatagrams` in progress, `maxDatagramBytes` per datagram, `maxTotalBytes`
/// overall, `maxFragments` per datagram; a datagram not completed within `timeout` seconds
/// (capture time) of its first fragment is given up. Overlapping data: the first copy wins (later
/// bytes for a range already filled are ignored), as in most stacks before RFC 5722 made IPv6
/// overlaps fatal; a fragment that repeats one already seen is a harmless duplicate.
public struct FragmentReassembler: Sendable {
    public struct Limits: Sendable {
        public var maxDatagrams = 1024
        public var maxDatagramBytes = 65535
        public var maxTotalBytes = 16 << 20
        /// 65535 / 8: a datagram cut into 8-byte pieces (as attacks and fuzzers do) still completes.
        public var maxFragments = 8192
        /// Seconds of capture time (Linux's `ipfrag_time` default is 30).
        public var timeout = 30.0
        /// Summaries of given-up datagrams kept in `expired` (the rest are only counted): each holds
        /// up to `maxFragments` frames and holes, and nothing in the analysis reads them.
        public var maxExpiredSummaries = 16
        public init() {}
    }

    private struct InProgress: Sendable {
        var data: [UInt8] = []
        /// Filled ranges, sorted, non-overlapping, non-adjacent.
        var filled: [ByteRange] = []
        var totalLength: Int?
        var frames: [Int] = []
        var firstSeen: Timestamp
        var lastSeen: Timestamp
        var fragmentCount = 0
        var sourcePort: UInt16?
        var destinationPort: UInt16?

        var isComplete: Bool {
            guard let total = self.totalLength else { return false }
            return self.filled.count == 1 && self.filled[0].start == 0 && self.filled[0].end >= total
        }

        /// Marks `range` filled and returns the sub-ranges that were new (first copy wins). Finds its
        /// place by binary search and visits only the ranges it overlaps or touches (they merge into
        /// one), so a datagram cut into thousands of pieces costs each piece a logarithm, not a scan.
        mutating func fill(_ range: ByteRange) -> [ByteRange] {
            // First range ending at or after the start (ends increase: the ranges are sorted and apart).
            var low = 0, high = self.filled.count
            while low < high {
                let mid = (low + high) / 2
                if self.filled[mid].end < range.start { low = mid + 1 } else { high = mid }
            }
            var fresh: [ByteRange] = []
            var cursor = range.start
            var merged = range
            var last = low
            while last < self.filled.count, self.filled[last].start <= range.end {
                let r = self.filled[last]
                if r.end > cursor && r.start < range.end {
                    if r.start > cursor { fresh.append(ByteRange(start: cursor, end: r.start)) }
                    cursor = max(cursor, r.end)
                }
                merged = ByteRange(start: min(merged.start, r.start), end: max(merged.end, r.end))
                last += 1
            }
            if cursor < range.end { fresh.append(ByteRange(start: cursor, end: range.end)) }
            self.filled.replaceSubrange(low..<last, with: CollectionOfOne(merged))
            return fresh
        }

        func holes() -> [ByteRange] {
            var holes: [ByteRange] = []
            var cursor = 0
            for r in self.filled {
                if r.start > cursor { holes.append(ByteRange(start: cursor, end: r.start)) }
                cursor = r.end
            }
            if let total = self.totalLength, cursor < total { holes.append(ByteRange(start: cursor, end: total)) }
            return holes
        }
    }

    public var limits: Limits
    private var inProgress: [FragmentKey: InProgress] = [:]
    private var totalBytes = 0
    /// No datagram in progress started before this (a lower bound): `expire` scans the table only
    /// when one may have timed out, not on every fragment.
    private var oldestFirstSeen: Timestamp?
    /// Datagrams given up (timed out, over a limit, inconsistent), oldest first, at most
    /// `limits.maxExpiredSummaries` of them.
    public private(set) var expired: [FragmentSummary] = []
    /// Every datagram given up, including those beyond `maxExpiredSummaries`.
    public private(set) var expiredCount = 0
    /// Datagrams completed so far.
    public private(set) var completedCount = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Datagrams still waiting for fragments, oldest first.
    public var pending: [FragmentSummary] {
        self.inProgress.map { Self.summary($0.key, $0.value, .incomplete) }.sorted { $0.firstSeen < $1.firstSeen }
    }

    /// Adds one fragment's data (the bytes after the IP header, or after the IPv6 Fragment header).
    /// Returns the datagram when this fragment completes it.
    public mutating func add(_ fragment: Fragment, data: UnsafeRawBufferPointer, frame: Int,
                             at time: Timestamp) -> ReassembledDatagram? {
        self.expire(olderThan: time)
        let key = fragment.key
        let end = fragment.offset + data.count
        if self.inProgress[key] == nil {
            if self.inProgress.count >= self.limits.maxDatagrams, let oldest = self.oldestKey() {
                self.giveUp(oldest, .limitExceeded)
            }
            self.inProgress[key] = InProgress(firstSeen: time, lastSeen: time)
            self.oldestFirstSeen = min(self.oldestFirstSeen ?? time, time)
        }
        guard var d = self.inProgress.removeValue(forKey: key) else { return nil }
        d.lastSeen = time
        d.fragmentCount += 1
        // Frames come in capture order: a frame already listed is the last one.
        if d.frames.last != frame { d.frames.append(frame) }
        if fragment.offset == 0, key.protocolNumber == .udp || key.protocolNumber == .tcp {
            var ports = ByteReader(data)
            d.sourcePort = try? ports.read(UInt16.self)
            d.destinationPort = try? ports.read(UInt16.self)
        }
        self.inProgress[key] = d

        guard end <= self.limits.maxDatagramBytes, d.fragmentCount <= self.limits.maxFragments else {
            self.giveUp(key, .limitExceeded)
            return nil
        }
        if !fragment.moreFragments {
            if let total = d.totalLength, total != end {
                self.giveUp(key, .inconsistent)
                return nil
            }
            d.totalLength = end
        }
        if let total = d.totalLength, end > total {
            self.giveUp(key, .inconsistent)
            return nil
        }
        if end > d.data.count {
            let growth = end - d.data.count
            guard self.totalBytes + growth <= self.limits.maxTotalBytes else {
                self.giveUp(key, .limitExceeded)
                return nil
            }
            self.totalBytes += growth
            d.data.append(contentsOf: repeatElement(0, count: growth))
        }
        for range in d.fill(ByteRange(start: fragment.offset, end: end)) {
            let source = UnsafeRawBufferPointer(rebasing: data[(range.start - fragment.offset)..<(range.end - fragment.offset)])
            d.data.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: range.start).copyMemory(from: source.baseAddress!, byteCount: source.count) }
        }
        guard d.isComplete, let total = d.totalLength else {
            self.inProgress[key] = d
            return nil
        }
        self.inProgress[key] = nil
        self.totalBytes -= d.data.count
        self.completedCount += 1
        d.data.removeLast(d.data.count - total)
        return ReassembledDatagram(key: key, payload: d.data, frames: d.frames)
    }

    /// Gives up every datagram whose first fragment is more than `timeout` seconds older than `time`.
    public mutating func expire(olderThan time: Timestamp) {
        guard let oldest = self.oldestFirstSeen, time.seconds(since: oldest) > self.limits.timeout else { return }
        self.oldestFirstSeen = nil
        for (key, d) in self.inProgress {
            if time.seconds(since: d.firstSeen) > self.limits.timeout {
                self.giveUp(key, .timedOut)
            } else {
                self.oldestFirstSeen = min(self.oldestFirstSeen ?? d.firstSeen, d.firstSeen)
            }
        }
    }

    /// End of capture: every datagram still waiting moves to `expired` as `.incomplete`.
    public mutating func finish() {
        for summary in self.pending {
            self.giveUp(summary.key, .incomplete)
        }
    }

    private func oldestKey() -> FragmentKey? {
        self.inProgress.min { $0.value.firstSeen < $1.value.firstSeen }?.key
    }

    private mutating func giveUp(_ key: FragmentKey, _ outcome: FragmentSummary.Outcome) {
        guard let d = self.inProgress.removeValue(forKey: key) else { return }
        self.totalBytes -= d.data.count
        self.expiredCount += 1
        if self.expired.count < self.limits.maxExpiredSummaries {
            self.expired.append(Self.summary(key, d, outcome))
        }
    }

    private static func summary(_ key: FragmentKey, _ d: InProgress, _ outcome: FragmentSummary.Outcome) -> FragmentSummary {
        FragmentSummary(key: key, outcome: outcome, frames: d.frames, firstSeen: d.firstSeen, lastSeen: d.lastSeen,
                        bytesReceived: d.filled.reduce(0) { $0 + $1.count }, totalLength: d.totalLength,
                        holes: d.holes(), sourcePort: d.sourcePort, destinationPort: d.destinationPort)
    }
}
