import Capture
import Decoding

/// One IKE message as the analyzer records it (control plane).
public struct IKEMessageRecord: Sendable, Codable, Hashable {
    public var frame: Int
    /// Capture-relative seconds.
    public var time: Double
    public var fromInitiator: Bool
    public var source: Endpoint
    public var destination: Endpoint
    public var exchange: IKEExchange
    public var messageID: UInt32
    public var step: IKEStep
    public var length: Int
    public var encrypted: Bool
    public var notifies: [IKENotifyType]
    public var notifyNames: [String]
    /// Frame of the first copy when this message repeats an earlier one (same SPIs, message ID,
    /// exchange, direction and length).
    public var retransmissionOf: Int?
    /// IP fragments the message arrived in (empty when it was not fragmented).
    public var ipFragments: [Int]
    public var fragment: IKEFragmentInfo?
    public var onNATTPort: Bool
    /// IKEv2 INVALID_KE_PAYLOAD: the DH group the responder wants (RFC 7296 §3.10.1).
    public var requestedGroup: UInt16?
    /// Traffic selectors, when SK was decrypted with the user's keys (`IKEMessageFact`).
    public var trafficSelectors: [String] = []
    /// Identities and configuration payload, when readable (`IKEMessageFact`).
    public var identities: [String] = []
    public var configuration: IKEConfigFact?
}


/// A NAT-D observation (both versions), kept until `finish()` recomputes the hashes.
public struct NATDObservation: Sendable, Codable, Hashable {
    public var frame: Int
    public var version: UInt8
    public var fromInitiator: Bool
    public var source: Endpoint
    public var destination: Endpoint
    public var initiatorSPI: UInt64
    public var responderSPI: UInt64
    /// Hashes of the sender's own address(es) (IKEv2 NAT_DETECTION_SOURCE_IP; IKEv1 NAT-D 2…n).
    public var sourceHashes: [[UInt8]]
    /// Hashes of the peer's address (IKEv2 NAT_DETECTION_DESTINATION_IP; IKEv1 first NAT-D).
    public var destinationHashes: [[UInt8]]
    public var ttl: UInt8
}

/// An IKE SA (IKEv1 ISAKMP SA or IKEv2 IKE SA) keyed by its initiator SPI, so it survives the
/// NAT-T float from port 500 to 4500.
public struct IKESA: Sendable, Codable, Hashable {
    public var version: UInt8
    public var initiatorSPI: UInt64
    public var responderSPI: UInt64
    public var initiator: Endpoint
    public var responder: Endpoint
    /// Phase 1 exchange: Main Mode, Aggressive Mode, IKE_SA_INIT.
    public var phase1: IKEStep.Exchange?
    public var messages: [IKEMessageRecord] = []
    /// The first message seen was not the start of an exchange (MM1, AM1, IKE_SA_INIT request).
    public var startedMidExchange: Bool
    public var offeredProposals: [IKEProposalFact] = []
    public var chosenProposal: IKEProposalFact?
    public var vendorIDs: [String] = []
    public var microsoftClient = false
    public var natD: [NATDObservation] = []
    /// First frame on UDP 4500.
    public var natTFloatFrame: Int?
    /// Every pair of endpoints the SA's messages used, in order: one SA however its addresses and
    /// ports change (the float to 4500, NAT rebinding, MOBIKE); sessions are joined by them.
    public var paths: [EndpointPair] = []
    /// Frames of IKEv2 IKE_SA_INIT requests offering each KE group, in order.
    public var keGroupsOffered: [UInt16] = []
    /// Its messages came over TCP (RFC 8229, `Analyzer+IKETCP.swift`).
    public var overTCP = false

    /// Distinct (non-retransmitted) messages.
    public var distinctMessages: [IKEMessageRecord] { self.messages.filter { $0.retransmissionOf == nil } }

    public func messages(_ exchange: IKEStep.Exchange, index: Int? = nil, response: Bool? = nil) -> [IKEMessageRecord] {
        self.messages.filter {
            $0.step.exchange == exchange && (index == nil || $0.step.index == index)
                && (response == nil || $0.step.isResponse == response)
        }
    }

    public func has(_ exchange: IKEStep.Exchange, index: Int? = nil, response: Bool? = nil) -> Bool {
        self.messages.contains {
            $0.step.exchange == exchange && (index == nil || $0.step.index == index)
                && (response == nil || $0.step.isResponse == response)
        }
    }

    /// The furthest step of the phase 1 / authentication exchanges ("MM4 of 6", "IKE_AUTH response").
    public var lastCompleted: IKEStep? {
        let phase1 = self.messages.filter { [.mainMode, .aggressiveMode, .ikeSAInit, .ikeAuth].contains($0.step.exchange) }
        return phase1.max { a, b in
            (a.step.exchange == .ikeAuth ? 10 : 0) + a.step.index + (a.step.isResponse ? 1 : 0)
                < (b.step.exchange == .ikeAuth ? 10 : 0) + b.step.index + (b.step.isResponse ? 1 : 0)
        }?.step
    }

    /// Error notifies seen in cleartext, with their frames.
    public var errorNotifies: [(frame: Int, type: IKENotifyType, fromInitiator: Bool)] {
        self.messages.flatMap { m in m.notifies.filter(\.isError).map { (m.frame, $0, m.fromInitiator) } }
    }

    public var isIKEv1: Bool { self.version == 1 }

    /// How far the SA got: answered phase-1 messages count most, so an SA abandoned in a collision
    /// (both peers initiating at once) loses to the one that completed.
    /// One pass, no array: `Session.primaryIKE` asks it of every SA, and the rules ask that often.
    public var progress: Int {
        var answered = false, furthest = 0
        for m in self.messages where m.retransmissionOf == nil {
            answered = answered || !m.fromInitiator
            furthest = max(furthest, Self.progress(of: m.step))
        }
        return Self.progress(answered: answered, furthest: furthest, startedMidExchange: self.startedMidExchange)
    }

    /// `progress` from its parts (the tracker keeps them up to date per message, for eviction).
    static func progress(answered: Bool, furthest: Int, startedMidExchange: Bool) -> Int {
        (answered ? 100 : 0) + furthest + (startedMidExchange ? 0 : 1)
    }

    /// How far one step goes.
    static func progress(of step: IKEStep) -> Int {
        switch step.exchange {
        case .mainMode, .aggressiveMode: step.index * 10
        case .ikeSAInit: step.isResponse ? 20 : 10
        case .ikeAuth: step.isResponse ? 60 : 50
        case .quickMode, .createChildSA: 70
        default: 0
        }
    }
}

/// Builds `IKESA`s from IKE message facts.
struct IKETracker: Tracker {
    struct Key: Hashable {
        var version: UInt8
        var initiatorSPI: UInt64
        @inline(__always)
        func _rawHashValue(seed: Int) -> Int { KeyHash.hash(words: self.initiatorSPI, UInt64(self.version), seed: seed) }
    }
    /// What makes a message a repeat of an earlier one. `retry` counts the COOKIE and INVALID_KE
    /// answers to the initiator's message ID so far: a request after one is a new try, not a repeat.
    struct Signature: Hashable {
        var fromInitiator: Bool, exchange: UInt8, messageID: UInt32, isResponse: Bool, length: Int
        var firstPayload: UInt8, fragment: Int, retry: Int
        @inline(__always)
        func _rawHashValue(seed: Int) -> Int {
            KeyHash.hash(words: UInt64(self.messageID) << 32 | UInt64(self.exchange) << 24 | UInt64(self.firstPayload) << 16
                             | UInt64(truncatingIfNeeded: self.retry) << 2 | (self.fromInitiator ? 2 : 0) | (self.isResponse ? 1 : 0),
                         UInt64(truncatingIfNeeded: self.length) << 32 ^ UInt64(truncatingIfNeeded: self.fragment), seed: seed)
        }
    }
    struct State {
        var sa: IKESA
        /// Creation order: `all` lists SAs as they first appeared.
        var sequence = 0
        /// Each distinct message's index in `sa.messages`.
        var signatures: [Signature: Int] = [:]
        /// COOKIE and INVALID_KE answers per message ID (`Signature.retry`).
        var retries: [UInt32: Int] = [:]
        /// `sa.vendorIDs` as a set: a flood of vendor IDs is checked in constant time each.
        var vendorIDs: Set<String> = []
        /// Quick Mode: per message ID, whether the IKE SA initiator started it, and how many distinct
        /// messages its starter has sent.
        var quickMode: [UInt32: (starterIsInitiator: Bool, sentByStarter: Int)] = [:]

        var pair: HostPair { HostPair(self.sa.initiator.address, self.sa.responder.address) }
        /// `sa.progress`'s parts and the last message's frame, kept up to date by `add`: eviction
        /// compares many SAs per new one.
        var answered = false
        var furthest = 0
        var lastFrame = 0
        /// Eviction order: least advanced first (`sa.progress`), then the idlest.
        var keepScore: (Int, Int) {
            (IKESA.progress(answered: self.answered, furthest: self.furthest, startedMidExchange: self.sa.startedMidExchange),
             self.lastFrame)
        }
    }

    var states: [Key: State] = [:]
    /// The SAs of each host pair, to bound them per pair (`AnalysisLimits.ikeSAsPerPair`).
    var pairKeys: [HostPair: [Key]] = [:]
    var created = 0
    var limits: AnalysisLimits
    /// The record of the message just added (nil when it was not recorded).
    var last: IKEMessageRecord?
    /// What the ceilings refused: SAs evicted (`ikeSAs`, `ikeSAsPerPair`), messages
    /// (`messagesPerSession`), cleartext values (`valuesPerSA`), fragment frames of one message
    /// (`framesPerList`).
    var dropped = DroppedState()

    /// Host pairs whose every SA was evicted (bounded by `hostPairs`): what is left of them is no
    /// session of its own (`split`).
    private(set) var evictedPairs: Set<HostPair> = []

    init(limits: AnalysisLimits) { self.limits = limits }

    /// A session made only of an evicted SA's host pair (its flows, nothing any tracker recorded)
    /// is no session: the ceiling's count (`stateDropped`) says what went.
    static let splits = true
    func split(_ session: Session, owned: [HostPair]) -> [Session] {
        guard session.ike.isEmpty, !owned.isEmpty, owned.allSatisfy(self.evictedPairs.contains), session.esp.isEmpty,
              session.gre.isEmpty, session.pptp == nil, session.l2tp == nil, session.ppp == nil, session.wireguard == nil,
              session.openvpn.isEmpty, session.echoRequests.isEmpty, session.icmpErrors.isEmpty else { return [session] }
        return []
    }

    mutating func record(_ fact: PacketFact, _ context: TrackerContext) {
        if case .ike(let m) = fact.kind { self.add(m, fact, time: context.time) }
    }

    /// Each attempt's SAs (the attempts are made of them, `Attempts`).
    func fill(_ sessions: inout [Session?], _ scope: FinishScope) {
        for a in sessions.indices where sessions[a] != nil { sessions[a]!.ike = scope.attempts.list[a].sas.map { scope.sas[$0] } }
    }

    /// NAT as the SAs' NAT-D payloads show it, from the client's side.
    func complete(_ session: inout Session, _ scope: FinishScope, attempt: Int) {
        session.nat = NATDetection.conclude(sas: session.ike, client: session.client,
                                            flowAddresses: Set(session.flows.flatMap { [$0.a.address, $0.b.address] }))
    }

    mutating func add(_ m: IKEMessageFact, _ fact: PacketFact, time: Double) {
        let key = Key(version: m.version, initiatorSPI: m.initiatorSPI)
        let src = fact.sourceEndpoint, dst = fact.destinationEndpoint
        if self.states.index(forKey: key) == nil {
            // Who started the SA: IKEv2 says (I flag); IKEv1's first message has no responder cookie.
            let senderIsInitiator = m.fromInitiator ?? true
            let initiator = senderIsInitiator ? src : dst, responder = senderIsInitiator ? dst : src
            let isStart = switch m.exchange {
            case .identityProtection, .aggressive, .ikeSAInit: m.responderSPI == 0 && !m.isResponse
            default: false
            }
            let phase1: IKEStep.Exchange? = switch m.exchange {
            case .identityProtection: .mainMode
            case .aggressive: .aggressiveMode
            case .ikeSAInit, .ikeAuth: .ikeSAInit
            default: nil
            }
            self.makeRoom(for: HostPair(src.address, dst.address))
            self.evictedPairs.remove(HostPair(src.address, dst.address))
            self.pairKeys[HostPair(src.address, dst.address), default: []].append(key)
            self.states[key] = State(sa: IKESA(version: m.version, initiatorSPI: m.initiatorSPI, responderSPI: m.responderSPI,
                                               initiator: initiator, responder: responder, phase1: phase1,
                                               startedMidExchange: !isStart), sequence: self.created)
            self.created += 1
        }
        // By index, in place: `states[key]!` copied the whole state out to read its last message.
        guard let index = self.states.index(forKey: key) else { return }
        self.states.values[index].add(m, fact, time: time, limits: self.limits, dropped: &self.dropped)
        self.last = self.states.values[index].sa.messages.last.flatMap { $0.frame == fact.frame ? $0 : nil }
    }

    /// Evicts the least advanced SA of `pair` when it holds its ceiling, and the least advanced
    /// quarter of all SAs when the table is full.
    mutating func makeRoom(for pair: HostPair) {
        if let keys = self.pairKeys[pair], keys.count >= self.limits.ikeSAsPerPair {
            // Each score once, read in place (comparing by lookup copied every state twice a step);
            // the first of equal scores, as `min(by:)`.
            var victim: Key?, lowest = (Int.max, Int.max)
            for key in keys {
                guard let index = self.states.index(forKey: key) else { continue }
                let score = self.states.values[index].keepScore
                if victim == nil || score < lowest { victim = key; lowest = score }
            }
            if let victim { self.remove([victim]) }
        }
        if self.states.count >= self.limits.ikeSAs {
            let victims = self.states.map { ($0.value.keepScore, $0.key) }.sorted { $0.0 < $1.0 }
                .prefix(max(1, self.limits.ikeSAs / 4)).map(\.1)
            self.remove(victims)
        }
    }

    mutating func remove(_ keys: [Key]) {
        for key in keys {
            guard let state = self.states.removeValue(forKey: key) else { continue }
            self.pairKeys[state.pair]?.removeAll { $0 == key }
            if self.pairKeys[state.pair]?.isEmpty == true {
                self.pairKeys[state.pair] = nil
                if self.evictedPairs.count < self.limits.hostPairs { self.evictedPairs.insert(state.pair) }
            }
            self.dropped.ikeSAs += 1
        }
    }

    /// In creation order. The places are sorted, not the states (large: moving them cost more than the rest of `finish`).
    var all: [IKESA] {
        let values = self.states.values
        return values.indices.sorted { values[$0].sequence < values[$1].sequence }.map { values[$0].sa }
    }
}

extension IKETracker.State {
    mutating func add(_ m: IKEMessageFact, _ fact: PacketFact, time: Double, limits: AnalysisLimits,
                      dropped: inout DroppedState) {
        self.lastFrame = fact.frame
        if fact.ipProtocol == .tcp { self.sa.overTCP = true }
        let src = fact.sourceEndpoint, dst = fact.destinationEndpoint
        // Recorded past the message ceiling: a path taken late still ties its ESP to the SA.
        let path = EndpointPair(src, dst)
        if self.sa.paths.last != path, !self.sa.paths.contains(path) {
            self.sa.paths.append(path, limit: limits.valuesPerSA, dropped: &dropped.paths)
        }
        guard self.sa.messages.count < limits.messagesPerSession else { dropped.messages &+= 1; return }
        let fromInitiator = m.fromInitiator ?? (src.address == self.sa.initiator.address)
        if self.sa.responderSPI == 0, m.responderSPI != 0 { self.sa.responderSPI = m.responderSPI }
        if self.sa.phase1 == nil {
            switch m.exchange {
            case .identityProtection: self.sa.phase1 = .mainMode
            case .aggressive: self.sa.phase1 = .aggressiveMode
            default: break
            }
        }
        // UDP 4500 only: IKE on TCP 4500 (RFC 8229) is no NAT-T float.
        let onNATT = fact.ipProtocol == .udp && ProtocolRegistry.udp(fact.sourcePort, fact.destinationPort)?.service == .natTraversal
        if onNATT, self.sa.natTFloatFrame == nil { self.sa.natTFloatFrame = fact.frame }

        // INVALID_KE_PAYLOAD and COOKIE ask the initiator to try again (RFC 7296 §1.2, §2.6): the
        // next request is a retry, not a retransmission, even when it has the same length.
        if !fromInitiator, m.notifies.contains(where: { $0.type == .invalidKEPayload || $0.type == .cookie }) {
            self.retries[m.messageID, default: 0] += 1
        }
        let signature = IKETracker.Signature(
            fromInitiator: fromInitiator, exchange: m.exchange.rawValue, messageID: m.messageID, isResponse: m.isResponse,
            length: m.length, firstPayload: m.payloadTypes.first ?? 0, fragment: m.fragment?.number ?? 0,
            retry: fromInitiator ? self.retries[m.messageID] ?? 0 : 0)
        var retransmissionOf: Int?, step: IKEStep
        if let index = self.signatures[signature] {
            retransmissionOf = self.sa.messages[index].frame
            step = self.sa.messages[index].step
        } else {
            self.signatures[signature] = self.sa.messages.count
            step = self.step(for: m, fromInitiator: fromInitiator)
        }

        // A datagram may come in thousands of fragments; the record keeps the first frames.
        let ipFragments = fact.reassembledFrom.prefix(limits.framesPerList)
        dropped.frames &+= fact.reassembledFrom.count - ipFragments.count
        self.sa.messages.append(IKEMessageRecord(
            frame: fact.frame, time: time, fromInitiator: fromInitiator, source: src, destination: dst,
            exchange: m.exchange, messageID: m.messageID, step: step, length: m.length, encrypted: m.encrypted,
            notifies: m.notifies.map(\.type), notifyNames: m.notifies.map { $0.type.name(version: m.version) },
            retransmissionOf: retransmissionOf, ipFragments: Array(ipFragments), fragment: m.fragment,
            onNATTPort: onNATT,
            requestedGroup: m.version == 2 ? m.notify(.invalidKEPayload).flatMap { n in
                n.data.count >= 2 ? UInt16(n.data[0]) << 8 | UInt16(n.data[1]) : nil
            } : nil, trafficSelectors: m.trafficSelectors, identities: m.identities, configuration: m.configuration))
        guard retransmissionOf == nil else { return }
        if !fromInitiator { self.answered = true }
        self.furthest = max(self.furthest, IKESA.progress(of: step))

        // Cleartext evidence.
        if !m.proposals.isEmpty {
            if fromInitiator, !m.isResponse, step.index <= 1 { self.sa.offeredProposals = m.proposals }
            else if !fromInitiator || m.isResponse { self.sa.chosenProposal = m.proposals.first }
        }
        let valueLimit = limits.valuesPerSA
        if let group = m.keGroup, fromInitiator, m.exchange == .ikeSAInit {
            self.sa.keGroupsOffered.append(group, limit: valueLimit, dropped: &dropped.values)
        }
        for vid in m.vendorIDs {
            let hex = vid.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            if !self.vendorIDs.contains(hex) {
                if self.vendorIDs.count < valueLimit { self.vendorIDs.insert(hex) }
                self.sa.vendorIDs.append(hex, limit: valueLimit, dropped: &dropped.values)
            }
            if IKEVendorIDs.isMicrosoft(vid), fromInitiator { self.sa.microsoftClient = true }
        }
        let v2Source = m.notifies.filter { $0.type == .natDetectionSourceIP }.map(\.data)
        let v2Destination = m.notifies.filter { $0.type == .natDetectionDestinationIP }.map(\.data)
        if !m.natDHashes.isEmpty || !v2Source.isEmpty || !v2Destination.isEmpty {
            guard self.sa.natD.count < valueLimit else { dropped.values &+= 1; return }
            self.sa.natD.append(NATDObservation(
                frame: fact.frame, version: m.version, fromInitiator: fromInitiator, source: src, destination: dst,
                initiatorSPI: m.initiatorSPI, responderSPI: m.responderSPI,
                sourceHashes: m.version == 1 ? Array(m.natDHashes.dropFirst()) : v2Source,
                destinationHashes: m.version == 1 ? Array(m.natDHashes.prefix(1)) : v2Destination, ttl: fact.ttl))
        }
    }

    /// The message's place in its exchange, from its direction and cleartext payloads.
    mutating func step(for m: IKEMessageFact, fromInitiator: Bool) -> IKEStep {
        typealias P = IKEMessageFact.Payload
        switch m.exchange {
        case .identityProtection:
            if m.encrypted { return IKEStep(.mainMode, index: fromInitiator ? 5 : 6) }
            if m.has(payload: P.v1SA) { return IKEStep(.mainMode, index: fromInitiator ? 1 : 2) }
            return IKEStep(.mainMode, index: fromInitiator ? 3 : 4)
        case .aggressive:
            if !fromInitiator { return IKEStep(.aggressiveMode, index: 2) }
            return IKEStep(.aggressiveMode, index: m.has(payload: P.v1SA) && !m.encrypted ? 1 : 3)
        case .quickMode:
            var progress = self.quickMode[m.messageID] ?? (fromInitiator, 0)
            defer { self.quickMode[m.messageID] = progress }
            if fromInitiator == progress.starterIsInitiator {
                progress.sentByStarter += 1
                return IKEStep(.quickMode, index: progress.sentByStarter == 1 ? 1 : 3)
            }
            return IKEStep(.quickMode, index: 2)
        case .informationalV1: return IKEStep(.informationalV1)
        case .transaction: return IKEStep(.transaction)
        case .ikeSAInit: return IKEStep(.ikeSAInit, isResponse: m.isResponse)
        case .ikeAuth: return IKEStep(.ikeAuth, isResponse: m.isResponse)
        case .createChildSA: return IKEStep(.createChildSA, isResponse: m.isResponse)
        case .informational: return IKEStep(.informational, isResponse: m.isResponse)
        default: return IKEStep(.other, isResponse: m.isResponse)
        }
    }
}
