import Decoding
import Sessions

/// What one session's ladder diagram draws, read from the schema-v2 report (`SessionReport` and its
/// `EvidenceReport`), never from the internal model, so the drawing follows the documented report.
///
/// Rows are in capture order (frame numbers), not to time scale: a ladder of 12 messages over 40 s
/// with a 30 s wait in the middle stays readable, and the wait is marked as a gap row instead.
struct Ladder {
    /// A lifeline: the client, the server, and any third party that spoke (a DNS resolver, a
    /// router that sent an ICMP error).
    struct Lifeline {
        var title: String
        var address: IPAddress
    }

    /// One arrow: a control message and its retransmissions.
    struct Message {
        var from: Int
        var to: Int
        var label: String
        /// Frame numbers, the first message's first; retransmissions follow.
        var frames: [Int]
        /// Capture-relative times of `frames` (nil where the report has none: TCP handshake frames).
        var times: [Double?]
        /// Decoded fields, shown on hover and focus.
        var fields: [String]
        /// A request nothing answered: drawn as an arrow that stops.
        var unanswered: Bool
        /// For grouping retransmissions and matching answers.
        var key: MessageKey
        var isRequest: Bool
        /// What an unanswered request lacks ("no answer", "no MM6").
        var missing = "no answer"
    }

    /// A data-plane band: packets one way and the other, aggregated.
    struct Band {
        var label: String
        var toServer: Int
        var toClient: Int
        var firstFrame: Int
        var frames: [Int]
        var start: Double?
        var end: Double?
    }

    enum Row {
        case message(Message)
        case band(Band)
        /// Rows left out of a very long ladder (the JSON report has them all).
        case omitted(Int)
    }

    var lifelines: [Lifeline]
    var rows: [Row]
    /// The session's start, for the time axis.
    var origin: Double

    /// The most rows a ladder draws: the first `head` and the last `tail` (a long-lived session
    /// rekeys and sends keepalives for hours; the start and the end tell the story).
    static let head = 150
    static let tail = 50
}

/// What identifies a message for grouping retransmissions and matching a request with its answer.
struct MessageKey: Hashable {
    var family: String
    var a: Int
    var b: Int
}

extension Ladder {
    init(_ s: SessionReport) {
        var builder = LadderBuilder(s)
        if let e = s.evidence {
            for (n, c) in (e.ikeTCP ?? []).enumerated() {
                builder.addTCPOpening("IKE over TCP", port: Int(c.server.port), route: "\(c.client.address) → \(c.server.address):\(c.server.port)",
                                      syn: c.synFrames, synAck: c.synAckFrames, reset: c.resetFrames,
                                      resetFromServer: c.resetFromServer, attempt: n)
            }
            builder.addIKE(e.ike)
            builder.addPPTP(e.pptp)
            builder.addL2TP(e.l2tp)
            builder.addPPP(e.ppp ?? [])
            builder.addDNS(e.dns)
            builder.addICMP(e.icmpErrors)
            builder.addWireGuard(e.wireguard)
            builder.addOpenVPN(e.openvpn ?? [])
            builder.addBands(e, session: s)
        }
        self = builder.ladder()
    }

    /// Every frame the ladder draws (for finding highlights).
    var drawnFrames: Set<Int> {
        var frames = Set<Int>()
        for row in self.rows {
            switch row {
            case .message(let m): frames.formUnion(m.frames)
            case .band(let b): frames.formUnion(b.frames)
            case .omitted: break
            }
        }
        return frames
    }

    /// The number of message arrows drawn (retransmissions grouped into one).
    var arrowCount: Int {
        self.rows.reduce(0) { if case .message = $1 { $0 + 1 } else { $0 } }
    }
}

/// Collects the messages of one session, groups retransmissions and marks unanswered requests.
struct LadderBuilder {
    let session: SessionReport
    var lifelines: [Ladder.Lifeline]
    var messages: [Ladder.Message] = []
    var bands: [Ladder.Band] = []

    init(_ s: SessionReport) {
        self.session = s
        self.lifelines = [.init(title: "client", address: s.client), .init(title: "server", address: s.server)]
    }

    /// The lifeline of `address`, added when it is a third party.
    mutating func lane(_ address: IPAddress, title: String) -> Int {
        if let i = self.lifelines.firstIndex(where: { $0.address == address }) { return i }
        self.lifelines.append(.init(title: title, address: address))
        return self.lifelines.count - 1
    }

    /// 0 for the client, 1 for the server, given who sent it.
    func side(fromClient: Bool) -> (Int, Int) { fromClient ? (0, 1) : (1, 0) }

    /// Adds a message, or folds it into the arrow of the message it retransmits.
    mutating func add(_ m: Ladder.Message, retransmits original: Int?) {
        if let original, let i = self.messages.lastIndex(where: { $0.frames.contains(original) }) {
            self.messages[i].frames += m.frames
            self.messages[i].times += m.times
            return
        }
        self.messages.append(m)
    }

    mutating func addIKE(_ sas: [IKESAReport]) {
        for (n, sa) in sas.enumerated() {
            for m in sa.messages {
                let fromClient = m.source.address == self.session.server ? false
                    : m.destination.address == self.session.server ? true : m.fromInitiator
                let (from, to) = self.side(fromClient: fromClient)
                let step = IKEStep(m.step.exchange, index: m.step.index, isResponse: m.step.isResponse)
                var label = step.description
                if let f = m.fragment { label += " (fragment \(f.number)/\(f.total))" }
                // Error notifies name the failure; status ones (NAT-D, cookies…) stay in the title.
                let errors = m.notifies.filter { $0.value < (sa.version == 2 ? 16384 : 8192) }
                if !errors.isEmpty { label += " N(" + errors.prefix(2).map(\.name).joined(separator: ", ") + ")" }
                var fields = ["\(m.source.address):\(m.source.port) → \(m.destination.address):\(m.destination.port)",
                              "IKEv\(sa.version) \(m.exchange) message ID \(m.messageID)", "\(m.length) bytes"]
                if m.encrypted { fields.append("encrypted") }
                if !m.notifies.isEmpty { fields.append("notify " + m.notifies.map(\.name).joined(separator: ", ")) }
                if !m.ipFragments.isEmpty { fields.append("IP fragments in frames " + m.ipFragments.map(String.init).joined(separator: ", ")) }
                if let g = m.requestedGroup { fields.append("asks for DH group \(g)") }
                // IKEv2 answers carry the request's message ID; IKEv1's phase-1 and quick-mode
                // messages answer the one before them.
                let v1Step = [.mainMode, .aggressiveMode, .quickMode].contains(m.step.exchange)
                let isRequest = sa.version == 2 ? !m.step.isResponse : v1Step && m.step.index < step.total
                let key = sa.version == 2
                    ? MessageKey(family: "ikev2-\(n)-\(m.exchange.rawValue)", a: Int(m.messageID), b: m.step.isResponse ? 1 : 0)
                    : MessageKey(family: "ikev1-\(n)-\(m.step.exchange.rawValue)-\(m.messageID)", a: m.step.index, b: 0)
                let next = IKEStep(m.step.exchange, index: m.step.index + 1, isResponse: true)
                self.add(.init(from: from, to: to, label: label, frames: [m.frame], times: [m.time], fields: fields, unanswered: false,
                               key: key, isRequest: isRequest, missing: v1Step ? "no \(next.shortName)" : "no response"),
                         retransmits: m.retransmissionOf)
            }
        }
    }

    /// A TCP connection's opening (PPTP's, OpenVPN's over TCP): the client's SYNs to `service`'s
    /// port, the server's SYN-ACK, and RSTs with their sender; `attempt` keeps connections apart.
    mutating func addTCPOpening(_ service: String, port: Int, route: String, syn: [Int], synAck: [Int], reset: [Int],
                                resetFromServer: Bool, attempt: Int = 0) {
        if !syn.isEmpty {
            self.messages.append(.init(from: 0, to: 1, label: "TCP SYN (\(service) port \(port))", frames: syn,
                                       times: syn.map { _ in nil }, fields: [route],
                                       unanswered: false, key: .init(family: "tcp", a: attempt, b: 0), isRequest: true))
        }
        if !synAck.isEmpty {
            self.messages.append(.init(from: 1, to: 0, label: "TCP SYN-ACK", frames: synAck, times: synAck.map { _ in nil },
                                       fields: [], unanswered: false, key: .init(family: "tcp", a: attempt, b: 1), isRequest: false))
        }
        if !reset.isEmpty {
            let (from, to) = self.side(fromClient: !resetFromServer)
            self.messages.append(.init(from: from, to: to, label: "TCP RST", frames: reset, times: reset.map { _ in nil },
                                       fields: [], unanswered: false, key: .init(family: "tcp-rst", a: attempt, b: 0), isRequest: false))
        }
    }

    mutating func addPPTP(_ p: PPTPReport?) {
        guard let p else { return }
        self.addTCPOpening("PPTP", port: Int(p.server.port), route: "\(p.client.address) → \(p.server.address):\(p.server.port)",
                           syn: p.synFrames, synAck: p.synAckFrames, reset: p.resetFrames, resetFromServer: p.resetFromServer)
        for m in p.messages {
            let (from, to) = self.side(fromClient: m.fromClient)
            var fields: [String] = ["PPTP \(m.type) (\(m.type.rawValue))"]
            if let c = m.callID { fields.append("call ID \(c)") }
            if let c = m.peerCallID { fields.append("peer call ID \(c)") }
            if let r = m.resultCode { fields.append("result code \(r)") }
            if let e = m.errorCode { fields.append("error code \(e)") }
            if let t = m.resultText { fields.append("result text: \(t)") }
            let type = Int(m.type.rawValue)
            // Requests have odd types (RFC 2637 §2); Call-Clear-Request (12) is answered by 13.
            let isRequest = type == 12 || (type % 2 == 1 && type <= 9)
            self.messages.append(.init(from: from, to: to, label: m.type.description + (m.resultCode.map { " result \($0)" } ?? ""),
                                       frames: [m.frame], times: [m.time], fields: fields, unanswered: false,
                                       key: .init(family: "pptp", a: type, b: 0), isRequest: isRequest))
        }
    }

    mutating func addL2TP(_ l: L2TPReport?) {
        guard let l else { return }
        for m in l.messages {
            let (from, to) = self.side(fromClient: m.fromClient)
            var fields = ["tunnel \(m.tunnelID) session \(m.sessionID)", "Ns \(m.ns) Nr \(m.nr)"]
            if let r = m.resultCode { fields.append("result code \(r)") }
            if let e = m.errorCode { fields.append("error code \(e)") }
            if let t = m.resultText { fields.append("result text: \(t)") }
            let label = (m.type?.description ?? "ZLB (acknowledgement)") + (m.resultCode.map { " result \($0)" } ?? "")
            self.add(.init(from: from, to: to, label: label, frames: [m.frame], times: [m.time], fields: fields, unanswered: false,
                           key: .init(family: "l2tp", a: Int(m.ns), b: m.fromClient ? 0 : 1), isRequest: m.type != nil),
                     retransmits: m.retransmissionOf)
        }
    }

    mutating func addPPP(_ messages: [PPPMessageReport]) {
        for m in messages {
            let (from, to) = self.side(fromClient: m.fromClient)
            let code = Self.pppCodeName(m.protocolNumber, m.code)
            var fields = ["\(m.protocolNumber) code \(m.code) identifier \(m.identifier)"]
            if let a = m.authProtocol { fields.append("authentication protocol \(a)") }
            if let e = m.msChapError { fields.append("MS-CHAP error \(e)") }
            if let t = m.message { fields.append("message: \(t)") }
            self.add(.init(from: from, to: to, label: "\(m.protocolNumber) \(code)", frames: [m.frame], times: [m.time], fields: fields,
                           unanswered: false, key: .init(family: "ppp-\(m.protocolNumber.rawValue)", a: Int(m.identifier), b: Int(m.code)),
                           isRequest: Self.pppAnswers(m.protocolNumber, m.code) != nil),
                     retransmits: m.retransmissionOf)
        }
    }

    mutating func addDNS(_ queries: [DNSQueryReport]) {
        for q in queries {
            let resolver = self.lane(q.resolver, title: "DNS resolver")
            let client = self.lane(q.client, title: "DNS client")
            self.messages.append(.init(from: client, to: resolver, label: "DNS \(q.queryType)? \(q.name)", frames: q.queryFrames,
                                       times: q.queryFrames.map { _ in q.time }, fields: ["outcome: \(q.outcome)"],
                                       unanswered: q.responseFrame == nil, key: .init(family: "dns", a: 0, b: 0), isRequest: false))
            if let r = q.responseFrame {
                self.messages.append(.init(from: resolver, to: client, label: "DNS answer: \(q.outcome)", frames: [r], times: [nil],
                                           fields: ["rcode \(q.rcode.map(String.init) ?? "?")"], unanswered: false,
                                           key: .init(family: "dns", a: 0, b: 1), isRequest: false))
            }
        }
    }

    mutating func addICMP(_ errors: [ICMPErrorReport]) {
        for e in errors {
            let from = self.lane(e.reporter, title: "router")
            let to = self.lane(e.quotedSource, title: "sender")
            var fields = ["ICMP\(e.isV6 ? "v6" : "") type \(e.type) code \(e.code)", "about \(e.quotedWhat)",
                          "\(e.quotedSource):\(e.quotedSourcePort) → \(e.quotedDestination):\(e.quotedDestinationPort)"]
            if let mtu = e.mtu { fields.append("MTU \(mtu)") }
            self.messages.append(.init(from: from, to: to, label: "ICMP \(e.meaning)", frames: [e.frame], times: [e.time], fields: fields,
                                       unanswered: false, key: .init(family: "icmp", a: e.frame, b: 0), isRequest: false))
        }
    }

    /// ESP, AH and GRE as one band each, L2TP data as one band: counts both ways.
    mutating func addBands(_ e: EvidenceReport, session s: SessionReport) {
        func band(_ label: String, _ streams: [(toServer: Bool, traffic: TrafficReport)]) {
            guard !streams.isEmpty else { return }
            let traffic = streams.map(\.traffic)
            let frames = traffic.flatMap { [$0.firstFrame, $0.lastFrame].compactMap { $0 } }
            self.bands.append(.init(label: label, toServer: streams.filter(\.toServer).map(\.traffic.packets).reduce(0, +),
                                    toClient: streams.filter { !$0.toServer }.map(\.traffic.packets).reduce(0, +),
                                    firstFrame: frames.min() ?? Int.max, frames: frames.sorted(),
                                    start: traffic.compactMap(\.start).min(), end: traffic.compactMap(\.end).max()))
        }
        let esp = e.esp.filter { !$0.isAH }, ah = e.esp.filter(\.isAH)
        band(esp.contains(where: \.udpEncapsulated) ? "ESP (in UDP 4500)" : "ESP", esp.map { ($0.destination == s.server, $0.traffic) })
        band("AH", ah.map { ($0.destination == s.server, $0.traffic) })
        band("GRE (PPP)", e.gre.map { ($0.destination == s.server, $0.traffic) })
        if let l = e.l2tp, l.dataFromClient + l.dataFromServer > 0 {
            self.bands.append(.init(label: "L2TP data", toServer: l.dataFromClient, toClient: l.dataFromServer,
                                    firstFrame: Int.max, frames: [], start: nil, end: nil))
        }
    }

    /// The ladder: requests with no answer marked, rows in capture order, long ladders cut.
    func ladder() -> Ladder {
        var messages = self.messages
        for i in messages.indices where messages[i].isRequest {
            messages[i].unanswered = !self.answered(messages[i], among: messages)
        }
        var rows: [(Int, Ladder.Row)] = messages.map { ($0.frames.min() ?? 0, .message($0)) }
        rows += self.bands.map { ($0.firstFrame, .band($0)) }
        rows.sort { $0.0 < $1.0 }
        var drawn = rows.map(\.1)
        if drawn.count > Ladder.head + Ladder.tail {
            drawn = Array(drawn.prefix(Ladder.head)) + [.omitted(drawn.count - Ladder.head - Ladder.tail)] + Array(drawn.suffix(Ladder.tail))
        }
        return Ladder(lifelines: self.lifelines, rows: drawn, origin: self.session.start)
    }

    /// Whether anything from the other side answers `m` after its first frame.
    func answered(_ m: Ladder.Message, among all: [Ladder.Message]) -> Bool {
        let first = m.frames.min() ?? 0
        let later = all.filter { $0.from == m.to && $0.to == m.from && ($0.frames.min() ?? 0) > first }
        let k = m.key
        if k.family == "tcp" { return all.contains { $0.key == MessageKey(family: "tcp", a: k.a, b: 1) } }
        if k.family == "l2tp" { return !later.filter { $0.key.family == "l2tp" }.isEmpty }
        if k.family == "pptp" {
            let answer = k.a == 12 ? 13 : k.a + 1
            return later.contains { $0.key.family == "pptp" && $0.key.a == answer }
        }
        if k.family.hasPrefix("ppp-") {
            let answers = Self.pppAnswers(PPPProtocol(rawValue: UInt16(k.family.dropFirst(4)) ?? 0), UInt8(k.b)) ?? []
            return later.contains { $0.key.family == k.family && $0.key.a == k.a && answers.contains(UInt8($0.key.b)) }
        }
        // IKEv2: a response of the same exchange and message ID; IKEv1: the exchange's next message.
        if k.family.hasPrefix("ikev2-") { return later.contains { $0.key == MessageKey(family: k.family, a: k.a, b: 1) } }
        if k.family.hasPrefix("ikev1-") { return later.contains { $0.key == MessageKey(family: k.family, a: k.a + 1, b: 0) } }
        // WireGuard: that initiation's response or cookie reply; OpenVPN: the server's hard reset.
        if k.family == "wireguard" || k.family == "openvpn" {
            return all.contains { $0.key == MessageKey(family: k.family, a: k.a, b: 1) }
        }
        return true
    }

    /// "Configure-Request" for LCP and the NCPs, "Challenge" for CHAP…
    static func pppCodeName(_ proto: PPPProtocol, _ code: UInt8) -> String {
        switch proto {
        case .pap: PAPCode(rawValue: code).description
        case .chap: CHAPCode(rawValue: code).description
        case .eap: EAPCode(rawValue: code).description
        default: LCPCode(rawValue: code).description
        }
    }

    /// The codes that answer `code` (nil: it is no request).
    static func pppAnswers(_ proto: PPPProtocol, _ code: UInt8) -> [UInt8]? {
        switch (proto, code) {
        case (.pap, 1): [2, 3]
        case (.chap, 1): [2]
        case (.chap, 2): [3, 4]
        case (.eap, 1): [2]
        case (.pap, _), (.chap, _), (.eap, _): nil
        case (_, 1): [2, 3, 4]
        case (_, 5): [6]
        case (_, 9): [10]
        default: nil
        }
    }
}
