import Capture
import Decoding

/// PPP control (LCP, authentication, IPCP…) by host pair, over PPTP's GRE or L2TP: each packet, a
/// retransmission found by its signature. Kept only for pairs with a session; bounded by
/// `messagesPerSession`. Which side sent each is known once the session's client is.
struct PPPTracker: Tracker {
    let limits: AnalysisLimits
    private(set) var links: [HostPair: Link] = [:]
    private(set) var dropped = DroppedState()

    struct Link {
        var ppp = PPPEvidence()
        /// The index in `ppp.messages` of each distinct packet.
        var signatures: [Signature: Int] = [:]
    }
    struct Signature: Hashable { var source: IPAddress; var proto: UInt16; var code: UInt8; var id: UInt8 }

    init(limits: AnalysisLimits) { self.limits = limits }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        guard case .pppControl(let p, _) = fact.kind else { return }
        let pair = HostPair(fact.source, fact.destination)
        guard context.knows(pair) else { return }
        var link = self.links.removeValue(forKey: pair) ?? Link()
        defer { self.links[pair] = link }
        guard link.ppp.messages.count < self.limits.messagesPerSession else {
            self.dropped.messages &+= 1
            return
        }
        let signature = Signature(source: fact.source, proto: p.protocolNumber.rawValue, code: p.code, id: p.identifier)
        var retransmissionOf: Int?
        if let index = link.signatures[signature] {
            retransmissionOf = link.ppp.messages[index].frame
        } else {
            link.signatures[signature] = link.ppp.messages.count
        }
        link.ppp.messages.append(PPPMessageRecord(
            frame: fact.frame, time: context.time, source: fact.source, fromClient: false, protocolNumber: p.protocolNumber,
            code: p.code, identifier: p.identifier, authProtocol: p.authProtocol, message: p.message, msChapError: p.msChapError,
            retransmissionOf: retransmissionOf))
    }

    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        scope.eachSession(&sessions) { session, owned in
            session.ppp = owned.lazy.compactMap { self.links[$0]?.ppp }.first { !$0.messages.isEmpty }
        }
    }

    /// Which side sent each message, now that the client is known.
    func complete(_ session: inout Session, _ scope: FinishScope, attempt: Int) {
        guard var ppp = session.ppp else { return }
        for i in ppp.messages.indices { ppp.messages[i].fromClient = session.isClient(ppp.messages[i].source) }
        session.ppp = ppp
    }
}

/// A PPP control packet as recorded.
public struct PPPMessageRecord: Sendable, Codable, Hashable {
    public var frame: Int
    public var time: Double
    public var source: IPAddress
    public var fromClient: Bool
    public var protocolNumber: PPPProtocol
    public var code: UInt8
    public var identifier: UInt8
    public var authProtocol: PPPProtocol?
    public var message: String?
    public var msChapError: Int?
    /// Same protocol, code, identifier and direction seen before (a Configure-Request retransmission).
    public var retransmissionOf: Int?
}

/// The PPP running inside a PPTP call or an L2TP session.
public struct PPPEvidence: Sendable, Codable, Hashable {
    public var messages: [PPPMessageRecord] = []

    public func messages(_ proto: PPPProtocol, code: UInt8? = nil, fromClient: Bool? = nil) -> [PPPMessageRecord] {
        self.messages.filter {
            $0.protocolNumber == proto && (code == nil || $0.code == code) && (fromClient == nil || $0.fromClient == fromClient)
        }
    }
    /// Both sides acknowledged the other's Configure-Request for `proto` (LCP, IPCP).
    public func negotiated(_ proto: PPPProtocol) -> Bool {
        !self.messages(proto, code: PPPControlFact.Code.configureAck, fromClient: true).isEmpty
            && !self.messages(proto, code: PPPControlFact.Code.configureAck, fromClient: false).isEmpty
    }
    /// The authentication protocol the server asked for in its LCP Configure-Request.
    public var authProtocol: PPPProtocol? {
        self.messages.first { $0.protocolNumber == .lcp && $0.authProtocol != nil }?.authProtocol
    }
    public var authSucceeded: PPPMessageRecord? {
        self.messages.first {
            ($0.protocolNumber == .pap && $0.code == 2) || ($0.protocolNumber == .chap && $0.code == 3)
                || ($0.protocolNumber == .eap && $0.code == 3)
        }
    }
    public var authFailed: PPPMessageRecord? {
        self.messages.first {
            ($0.protocolNumber == .pap && $0.code == 3) || ($0.protocolNumber == .chap && $0.code == 4)
                || ($0.protocolNumber == .eap && $0.code == 4)
        }
    }
    public var authStarted: PPPMessageRecord? {
        self.messages.first { [.pap, .chap, .eap].contains($0.protocolNumber) }
    }
}
