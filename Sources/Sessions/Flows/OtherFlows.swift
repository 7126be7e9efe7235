import Decoding

/// The non-VPN flows of `FlowTable`: most of a gateway's table and nearly all of its churn (every
/// scan probe or short connection is a new flow, and a full table evicts a quarter of itself).
///
/// Open addressing with linear probing over a power of two of slots, at most half full. One byte of
/// each key's hash sits in a dense array of its own (`tags`), so a probe for a flow that is not in
/// the table — the common case under churn — reads that array and seldom a key. Deleting shifts the
/// entries after the hole back (no tombstones), so probes stay short however much is evicted. Each
/// flow's last frame sits in a dense array too, so eviction scans 9 bytes a slot, not the keys.
/// Grows by doubling up to twice `FlowTable.capacity`; hashes with `FlowKey`'s seeded hash and a
/// seed of its own.
struct OtherFlows {
    struct Slot {
        var key: FlowKey
        var packets: (UInt32, UInt32)
        var hash: Int
    }

    /// 0: empty; otherwise 0x80 | seven bits of the hash.
    private var tags: [UInt8]
    private var slots: [Slot]
    /// By slot: the flow's last frame (`FlowActivity.lastFrame`).
    private var lastFrames: [Int]
    private var mask: Int
    private let maxSlots: Int
    private let seed = Int.random(in: .min ... .max)
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.maxSlots = size
        let initial = min(size, 1 << 12)
        self.tags = [UInt8](repeating: 0, count: initial)
        self.slots = [Slot](repeating: Self.emptySlot, count: initial)
        self.lastFrames = [Int](repeating: 0, count: initial)
        self.mask = initial - 1
    }

    private static let emptySlot = Slot(key: FlowKey(low: Endpoint(.v4(0)), high: Endpoint(.v4(0)), ipProtocol: IPProtocol(rawValue: 0)),
                                        packets: (0, 0), hash: 0)

    @inline(__always)
    func hash(_ key: FlowKey) -> Int { key._rawHashValue(seed: self.seed) }

    @inline(__always)
    private static func tag(_ hash: Int) -> UInt8 { 0x80 | UInt8(truncatingIfNeeded: UInt(bitPattern: hash) >> 57) }

    /// Counts a packet on `key`'s flow; false when the flow is not held (then `insert` it).
    @inline(__always)
    mutating func count(_ key: FlowKey, hash: Int, direction: Int, frame: Int) -> Bool {
        let tag = Self.tag(hash)
        var i = hash & self.mask
        while true {
            let t = self.tags[i]
            if t == 0 { return false }
            if t == tag, self.slots[i].key == key {
                if direction == 0 { self.slots[i].packets.0 &+= 1 } else { self.slots[i].packets.1 &+= 1 }
                self.lastFrames[i] = frame
                return true
            }
            i = (i + 1) & self.mask
        }
    }

    /// Adds a flow that is not held (see `count`).
    mutating func insert(_ key: FlowKey, hash: Int, activity: FlowActivity) {
        if (self.count + 1) * 2 > self.tags.count, self.tags.count < self.maxSlots { self.grow() }
        var i = hash & self.mask
        while self.tags[i] != 0 { i = (i + 1) & self.mask }
        self.tags[i] = Self.tag(hash)
        self.slots[i] = Slot(key: key, packets: activity.packets, hash: hash)
        self.lastFrames[i] = activity.lastFrame
        self.count += 1
    }

    /// Doubles the slots (rare: amortised, so it may allocate).
    private mutating func grow() {
        let old = self
        let size = self.tags.count * 2
        self.tags = [UInt8](repeating: 0, count: size)
        self.slots = [Slot](repeating: Self.emptySlot, count: size)
        self.lastFrames = [Int](repeating: 0, count: size)
        self.mask = size - 1
        self.count = 0
        for i in old.tags.indices where old.tags[i] != 0 {
            self.insert(old.slots[i].key, hash: old.slots[i].hash, activity: old.activity(i))
        }
    }

    /// Empties slot `i`, shifting back the entries of its probe run that may fill it.
    private mutating func remove(at i: Int) {
        var hole = i
        var j = (i + 1) & self.mask
        while self.tags[j] != 0 {
            let home = self.slots[j].hash & self.mask
            // j may move to the hole when its home is not within (hole, j] (cyclically).
            if (j - home) & self.mask >= (j - hole) & self.mask {
                self.tags[hole] = self.tags[j]
                self.slots[hole] = self.slots[j]
                self.lastFrames[hole] = self.lastFrames[j]
                hole = j
            }
            j = (j + 1) & self.mask
        }
        self.tags[hole] = 0
        self.count -= 1
    }

    /// Removes the `count` idlest flows, and a few more as idle (see `idleCut`); returns how many went.
    mutating func evictIdle(_ count: Int) -> Int {
        guard count > 0, self.count > 0 else { return 0 }
        var frames: [Int] = []
        frames.reserveCapacity(self.count)
        for i in self.tags.indices where self.tags[i] != 0 { frames.append(self.lastFrames[i]) }
        let cut = idleCut(count, of: frames)
        let before = self.count
        var i = 0
        // A removal shifts later entries into slot i: look at it again. Entries wrapped from the
        // start may come back to the end and be looked at twice, which keeps them kept.
        while i < self.tags.count {
            if self.tags[i] != 0, self.lastFrames[i] <= cut {
                self.remove(at: i)
            } else {
                i += 1
            }
        }
        return before - self.count
    }

    func forEach(_ body: (FlowKey, FlowActivity) -> Void) {
        for i in self.tags.indices where self.tags[i] != 0 { body(self.slots[i].key, self.activity(i)) }
    }

    private func activity(_ i: Int) -> FlowActivity {
        var activity = FlowActivity()
        activity.packets = self.slots[i].packets
        activity.lastFrame = self.lastFrames[i]
        return activity
    }
}

/// The frame number at or below which at least `count` of `frames` lie, and at most `count / 16`
/// more (ties may add more): a quantile found by narrowing [low, high] with a 256-bin histogram,
/// each pass dividing the range by 256 (one or two passes in practice, no sort). It depends on the
/// frame numbers only, never on their order, so evictions are the same on every run.
func idleCut(_ count: Int, of frames: [Int]) -> Int {
    guard var low = frames.min(), var high = frames.max() else { return Int.min }
    var need = min(count, frames.count)
    let slack = count / 16
    var bins = [Int](repeating: 0, count: 256)
    while low < high {
        let width = (high - low) / 256 + 1
        for i in bins.indices { bins[i] = 0 }
        for frame in frames where frame >= low && frame <= high { bins[(frame - low) / width] += 1 }
        var bin = 0
        while need > bins[bin] {
            need -= bins[bin]
            bin += 1
        }
        low += bin * width
        high = min(high, low + width - 1)
        if bins[bin] - need <= slack { return high }
    }
    return low
}
