/// Ceilings on the state the analyzer keeps, so memory stays flat whatever the capture's size
/// (issue 7): a gateway uplink holds thousands of IKE SAs that never got an answer, DNS floods and
/// scans. Each table either evicts its idlest entries or refuses new ones when full, and counts
/// what it dropped (`DroppedState`), which `capture.flow-table-full` reports.
public struct AnalysisLimits: Sendable {
    /// Host pairs (sessions) with VPN traffic; new pairs are ignored once full.
    public var hostPairs = 4_096
    /// IKE SAs in all; the least advanced, idlest quarter is evicted when full.
    public var ikeSAs = 4_096
    /// IKE SAs of one host pair (a client retrying for hours); the least advanced is evicted.
    public var ikeSAsPerPair = 8
    /// ESP/AH streams (source, destination, SPI) and GRE streams (source, destination, call ID);
    /// the idlest quarter is evicted when full.
    public var streams = 16_384
    /// DNS query records, ICMP errors and unreassembled fragment groups; new ones are ignored once full.
    public var records = 4_096
    /// Control messages (PPTP, L2TP, PPP) of one session, and IKE messages of one SA; later ones
    /// are ignored once full.
    public var messagesPerSession = 1_024
    /// Frame numbers kept in one list (echo requests, repeats of a DNS query, fragments of a datagram,
    /// PPTP SYNs, FINs and RSTs).
    public var framesPerList = 64
    /// Cleartext values one IKE SA collects (vendor IDs, NAT-D payloads, KE groups offered): a
    /// handshake has a few; later ones are ignored once full.
    public var valuesPerSA = 64

    public init() {}
}

/// What the ceilings of `AnalysisLimits` dropped.
struct DroppedState {
    var hostPairs = 0
    var ikeSAs = 0
    var streams = 0
    var records = 0
    var messages = 0
    var frames = 0
    var values = 0
    /// Messages on endpoint pairs an IKE SA could not record (`IKESA.paths`, `valuesPerSA`).
    var paths = 0

    /// Named counts, only those that dropped something.
    var named: [String: Int] {
        let all = ["host pairs": self.hostPairs, "IKE SAs": self.ikeSAs, "ESP/AH/GRE streams": self.streams,
                   "DNS, ICMP error and fragment records": self.records, "control messages": self.messages,
                   "frame numbers in lists": self.frames, "IKE vendor IDs, NAT-D payloads and KE groups": self.values,
                   "IKE messages on unrecorded endpoint pairs": self.paths]
        return all.filter { $0.value > 0 }
    }
}

extension Dictionary {
    /// Removes the `count` idlest entries (smallest `lastFrame`), and a few more as idle (`idleCut`). Rare (a quarter of a table at a time), so it may allocate. The
    /// victims are a set fixed by the frame numbers, not by the table's order (its hash order:
    /// random per process), so what is evicted is the same on every run. Returns how many went.
    @discardableResult
    mutating func evictIdle(_ count: Int, lastFrame: (Value) -> Int) -> Int {
        guard count > 0, !self.isEmpty else { return 0 }
        let cut = idleCut(count, of: self.values.map(lastFrame))
        var victims: [Key] = []
        victims.reserveCapacity(count + count / 4)
        for (key, value) in self where lastFrame(value) <= cut { victims.append(key) }
        for key in victims { self.removeValue(forKey: key) }
        return victims.count
    }
}

extension Array {
    /// Appends unless `limit` elements are held; counts the refusal in `dropped`.
    @inline(__always)
    mutating func append(_ element: Element, limit: Int, dropped: inout Int) {
        if self.count < limit { self.append(element) } else { dropped &+= 1 }
    }
}
