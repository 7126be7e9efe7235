import Capture
import Decoding

/// DNS queries and their answers, on or off the server (a lookup of the server's name matters
/// either way). A repeated query adds its frame to the open record; each answered record is filed
/// under the addresses it resolved to, so a session finds the lookups of its server. Bounded by
/// `records` and `framesPerList`.
struct DNSTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var records: [DNSQueryRecord] = []
    /// The record of each (client, name, type) query still awaiting its answer, by index in `records`.
    private var open: [QueryKey: Int] = [:]
    /// The records that resolved each address, by index (once each, however often it was answered).
    private var byAnswer: [IPAddress: [Int]] = [:]
    private(set) var dropped = DroppedState()

    struct QueryKey: Hashable { var client: IPAddress; var name: String; var type: UInt16 }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) { self.recordOffServer(fact, context) }

    mutating func recordOffServer(_ fact: PacketFact, _ context: TrackerContext) {
        guard case .dns(let d) = fact.kind else { return }
        if !d.isResponse {
            let key = QueryKey(client: fact.source, name: d.queryName, type: d.queryType)
            if let i = self.open[key] {
                self.records[i].queryFrames.append(fact.frame, limit: self.limits.framesPerList, dropped: &self.dropped.frames)
            } else if self.records.count < self.limits.records {
                self.open[key] = self.records.count
                self.records.append(DNSQueryRecord(name: d.queryName, queryType: d.queryType, client: fact.source,
                                                   resolver: fact.destination, queryFrames: [fact.frame], time: context.time,
                                                   responseFrame: nil, rcode: nil, answers: []))
            } else {
                self.dropped.records &+= 1
            }
        } else if let i = self.open.removeValue(forKey: QueryKey(client: fact.destination, name: d.queryName, type: d.queryType)) {
            self.records[i].responseFrame = fact.frame
            self.records[i].rcode = d.rcode
            self.records[i].answers = d.answers
            for address in Set(d.answers) { self.byAnswer[address, default: []].append(i) }
        }
    }

    /// The lookups that resolved the session's server, in the order they were asked.
    func complete(_ session: inout Session, _ scope: FinishScope, attempt: Int) {
        session.dns = (self.byAnswer[session.server] ?? []).sorted().map { self.records[$0] }
    }

    func conclude(_ analysis: inout Analysis, flows: FlowTable) { analysis.dnsQueries = self.records }
}
