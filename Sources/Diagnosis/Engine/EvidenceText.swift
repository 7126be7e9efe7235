import Sessions

/// Small wording helpers shared by the rules.
enum Text {
    static func frames(_ frames: [Int]) -> String {
        let list = frames.prefix(8).map(String.init).joined(separator: ", ")
        return frames.count > 8 ? "\(list), … (\(frames.count) frames)" : list
    }

    static func seconds(_ t: Double) -> String {
        Printf.fixed(t, t < 10 ? 2 : 0) + " s"
    }

    /// "0.5 s, 1.0 s, 2.0 s" between consecutive times; past eight, "… and N more" (a request
    /// retried for hours would otherwise make one line of megabytes).
    static func intervals(_ times: [Double]) -> String {
        guard times.count > 1 else { return "" }
        let list = zip(times.dropFirst(), times).prefix(8).map { seconds($0 - $1) }.joined(separator: ", ")
        return times.count - 1 > 8 ? "\(list), … and \(times.count - 9) more" : list
    }

    /// "sent 4× over 7.5 s (intervals 0.5 s, 1.0 s, 2.0 s)".
    static func repeated(_ messages: [IKEMessageRecord]) -> String { self.repeated(times: messages.map(\.time)) }

    /// The same for any message sent at `times`.
    static func repeated(times: [Double]) -> String {
        guard let first = times.first, let last = times.last else { return "" }
        if times.count == 1 { return "sent once" }
        return "sent \(times.count)× over \(seconds(last - first)) (intervals \(intervals(times)))"
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}

extension Session {
    var title: String { "\(self.client) ⇄ \(self.server) (\(self.protocolLabel))" }
    func status(_ stage: Stage) -> StageStatus? { self.stage(stage)?.status }

    /// The server accepted the PPTP call (result 1), then closed TCP 1723 before any GRE flowed: the
    /// call failed on the server (pptp.call-failed), which is not a GRE block.
    var pptpServerHungUpAfterCall: Bool {
        guard let p = self.pptp, let reply = p.first(.outgoingCallReply), reply.resultCode == 1,
              p.finFromServer || p.resetFromServer, self.gre.isEmpty,
              let close = (p.finFrames + p.resetFrames).min() else { return false }
        return close > reply.frame
    }
}
