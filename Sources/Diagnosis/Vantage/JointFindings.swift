/// What a joint session shows that no single capture can: where packets died, with advice on
/// where to look.
public struct JointFinding: Sendable {
    /// Frames of one vantage point behind the finding.
    public struct Frames: Sendable {
        public var file: String
        public var vantage: String
        public var frames: [Int]
    }

    /// The id of one of `allJointRules`.
    public var rule: String
    public var severity: Severity
    public var summary: String
    public var lossLocation: LossLocation
    /// With three vantage points or more: "between the router-inside and the router-outside".
    public var segment: String?
    /// The sender's side first, then the receiver's.
    public var frames: [Frames]
    public var advice: [String]
}

enum JointFindings {
    static func make(_ s: JointSession, files: [String], names: [String]) -> [JointFinding] {
        var out: [JointFinding] = []
        for fromClient in [true, false] {
            let lost = s.messages.filter { $0.fromClient == fromClient && $0.lostAfter != nil }
            guard !lost.isEmpty else { continue }
            // Lost fragments whose first fragment arrived: the path drops IP fragments.
            let firstArrived = Set(s.messages.filter { $0.fromClient == fromClient && $0.firstFragment && $0.lostAfter == nil }.map(\.fragmentID))
            let fragments = lost.filter { $0.laterFragment && firstArrived.contains($0.fragmentID) }
            if !fragments.isEmpty { out.append(Self.fragmentsLost(fragments, s, files: files, names: names)) }
            let rest = lost.filter { m in !fragments.contains { $0.fragmentID == m.fragmentID && $0.laterFragment == m.laterFragment && $0.time == m.time } }
            if !rest.isEmpty { out.append(Self.lost(rest, fromClient: fromClient, s, files: files, names: names)) }
        }
        if out.isEmpty, s.lossLocation == .atServer || s.lossLocation == .atClient {
            let atServer = s.lossLocation == .atServer
            let rule: any JointRule.Type = atServer ? JointStoppedAtServer.self : JointStoppedAtClient.self
            let last = names.count - 1
            let arrived = s.messages.filter { $0.fromClient == atServer }
            let at = atServer ? last : 0
            out.append(JointFinding(
                rule: rule.id.rawValue, severity: rule.severity,
                summary: atServer
                    ? "Nothing was lost on the way: the \(names[last]) received the client's packets and refused them or did not answer."
                    : "Nothing was lost on the way: the \(names[0]) received the server's answers and stopped on its own."
                        + (s.inferredStop
                           ? " This is an inference: the client's first packet after the IKE_AUTH response reached it is an INFORMATIONAL request, before any CHILD_SA traffic, and its payloads are encrypted (with --keys each capture reads the refusal itself)." : ""),
                lossLocation: s.lossLocation, segment: nil,
                frames: [.init(file: files[at], vantage: names[at], frames: arrived.compactMap { $0.frames[at] })],
                advice: rule.advice))
        }
        return out
    }

    /// "between the router-inside and the router-outside" when there are points between the ends.
    static func segment(_ m: JointSession.Message, names: [String]) -> String? {
        guard names.count > 2, let at = m.lostAfter else { return nil }
        return "between the \(names[at]) and the \(names[m.fromClient ? at + 1 : at - 1])"
    }

    static func fragmentsLost(_ lost: [JointSession.Message], _ s: JointSession, files: [String], names: [String]) -> JointFinding {
        let fromClient = lost[0].fromClient
        let at = lost[0].lostAfter!, next = fromClient ? at + 1 : at - 1
        let ids = Set(lost.map(\.fragmentID))
        let siblings = s.messages.filter { $0.fromClient == fromClient && ids.contains($0.fragmentID) }
        let what = siblings.first { $0.laterFragment }?.label.components(separatedBy: ": IP fragment").first ?? "A message"
        let firsts = siblings.filter(\.firstFragment)
        let sender = fromClient ? "client" : "server", receiver = fromClient ? "server" : "client"
        let sent = siblings.compactMap { $0.frames[at] }, arrived = firsts.compactMap { $0.frames[next] }
        return JointFinding(
            rule: JointFragmentsLost.id.rawValue, severity: JointFragmentsLost.severity,
            summary: "\(what) left the \(names[at]) as IP fragments (\(files[at]) frames \(Self.list(sent))); only the first fragment"
                + " reached the \(names[next]) (\(files[next]) frames \(Self.list(arrived))): a device between them drops IP fragments.",
            lossLocation: fromClient ? .clientToServer : .serverToClient, segment: Self.segment(lost[0], names: names),
            frames: [.init(file: files[at], vantage: names[at], frames: sent), .init(file: files[next], vantage: names[next], frames: arrived)],
            advice: ["Enable IKE fragmentation (RFC 7383; strongSwan fragmentation = yes) on both peers, so no IKE message relies on IP fragments.",
                     "Or let IP fragments through the device between the \(sender) and the \(receiver) (firewall, NAT router, cloud security group), or shrink the message (fewer certificates, smaller keys)."])
    }

    static func lost(_ lost: [JointSession.Message], fromClient: Bool, _ s: JointSession, files: [String], names: [String]) -> JointFinding {
        let at = lost[0].lostAfter!, next = fromClient ? at + 1 : at - 1
        let sender = fromClient ? "client" : "server"
        let arrived = s.messages.filter { $0.fromClient == fromClient && $0.frames[next] != nil }
        let path = Self.path(lost)
        let summary = "\(Self.counted(lost)) left the \(names[at]) (\(files[at]) frames \(Self.list(lost.compactMap { $0.frames[at] })))"
            + " and never reached the \(names[next]): " + (arrived.isEmpty ? "nothing from the \(sender) arrived."
                : "\(Self.counted(arrived)) did (\(files[next]) frames \(Self.list(arrived.compactMap { $0.frames[next] }))), so the path drops \(path).")
        var advice = ["Look at the devices between the \(names[at]) and the \(names[next]) (firewalls, NAT routers, security groups): let \(path) through \(fromClient ? "towards the server" : "back to the client")."]
        if path.contains("4500") {
            advice.append(fromClient ? "UDP 4500 (NAT-T) is often blocked by the client's NAT router or a firewall that allows only UDP 500: allow UDP 4500 both ways."
                                     : "The return path drops the \(path): look at the client's NAT router (its NAT-T / IPsec passthrough handling) and stateful firewalls.")
        }
        let rule: any JointRule.Type = fromClient ? JointLostClientToServer.self : JointLostServerToClient.self
        return JointFinding(
            rule: rule.id.rawValue, severity: rule.severity, summary: summary,
            lossLocation: fromClient ? .clientToServer : .serverToClient, segment: Self.segment(lost[0], names: names),
            frames: [.init(file: files[at], vantage: names[at], frames: lost.compactMap { $0.frames[at] }),
                     .init(file: files[next], vantage: names[next], frames: arrived.compactMap { $0.frames[next] })],
            advice: advice)
    }

    /// What the lost packets were, as a path filter would name them: "IKE on UDP 4500", "ESP in UDP 4500", "TCP 1723".
    static func path(_ lost: [JointSession.Message]) -> String {
        var kinds: [String] = []
        for m in lost {
            let word = m.label.split(separator: " ").first.map(String.init) ?? "IP"
            let kind = switch word {
            case "IKEv1", "IKEv2": "IKE on UDP \(m.port)"
            case "ESP": m.port == 0 ? "ESP (IP protocol 50)" : "ESP in UDP \(m.port)"
            case "TCP", "PPTP": "TCP \(m.port)"
            case "UDP", "L2TP": "UDP \(m.port)"
            case "GRE": "GRE (IP protocol 47)"
            case "WireGuard": "WireGuard on UDP \(m.port)"
            case "OpenVPN": "OpenVPN on port \(m.port)"
            default: m.laterFragment ? "IP fragments" : word
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds.joined(separator: " and ")
    }

    /// "IKEv2 IKE_AUTH request ×4, ESP 0x1234 ×2" (in order of first appearance).
    static func counted(_ messages: [JointSession.Message]) -> String {
        var order: [String] = [], count: [String: Int] = [:]
        for m in messages {
            if count[m.label] == nil { order.append(m.label) }
            count[m.label, default: 0] += 1
        }
        let shown = order.prefix(3).map { count[$0]! > 1 ? "\($0) ×\(count[$0]!)" : $0 }
        return shown.joined(separator: ", ") + (order.count > 3 ? " and \(order.count - 3) other kind(s)" : "")
    }

    static func list(_ frames: [Int]) -> String {
        guard !frames.isEmpty else { return "none" }
        let shown = frames.prefix(8).map(String.init).joined(separator: ",")
        return frames.count > 8 ? shown + ",… (\(frames.count))" : shown
    }
}
