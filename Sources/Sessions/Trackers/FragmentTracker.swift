import Capture
import Decoding

/// IP fragments by datagram (source, destination, identification), and the frames reassembled
/// datagrams were made of: a group none of whose frames was reassembled lost a fragment before
/// the capture point. Bounded by `records` groups of `framesPerList` frames.
struct FragmentTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var fragments: [Key: [Int]] = [:]
    private(set) var reassembledFrames: Set<Int> = []
    private(set) var dropped = DroppedState()

    struct Key: Hashable { var source: IPAddress; var destination: IPAddress; var id: UInt32 }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        if case .ipFragment(let id, _, _) = fact.kind {
            let key = Key(source: fact.source, destination: fact.destination, id: id)
            if let index = self.fragments.index(forKey: key) {
                self.fragments.values[index].append(fact.frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames)
            } else if self.fragments.count < self.limits.records {
                self.fragments[key] = [fact.frame]
            } else {
                self.dropped.records &+= 1
            }
        }
        if !fact.reassembledFrom.isEmpty {
            // Only fragments still held can be matched against these; a full set stops growing.
            if self.reassembledFrames.count < self.limits.records * self.limits.framesPerList {
                self.reassembledFrames.formUnion(fact.reassembledFrom)
            } else {
                self.dropped.frames &+= fact.reassembledFrom.count
            }
        }
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for (key, frames) in self.fragments where !frames.contains(where: { self.reassembledFrames.contains($0) }) {
            if let a = scope.owner(of: HostPair(key.source, key.destination)) {
                sessions[a]?.incompleteFragmentFrames.append(contentsOf: frames)
            }
        }
        scope.eachSession(&sessions) { session, _ in session.incompleteFragmentFrames.sort() }
    }
}
