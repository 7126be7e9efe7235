extension StageLadder {
    static let wireguardHandshakeLabel = "initiation → response"
    static let wireguardDataLabel = "data both ways"
    /// WireGuard's Keepalive-Timeout (whitepaper §6.5): a peer that received data and has nothing to
    /// send back sends an empty keepalive this long after it.
    static let keepaliveTimeout = 10.0

    /// WireGuard: the handshake (an initiation answered by a response), then transport data that
    /// carries something both ways (keepalives prove a peer decrypts, not that traffic gets through).
    static func wireguard(_ w: WireGuardEvidence, captureEnd: Double) -> [StageResult] {
        let handshake: StageResult
        if let last = w.unconfirmed.last {
            // Answered, and answered again: the initiator retries as if no response had come.
            let sent = w.unconfirmed
            handshake = result(.handshake, .failed, wireguardHandshakeLabel,
                               frames: [last.initiationFrame, last.responseFrame!], times: [last.time, last.responseTime ?? last.time],
                               "\(sent.count) responses sent, the initiator used none (it retried, sent no data)")
        } else if let done = w.completed.first {
            handshake = result(.handshake, .ok, wireguardHandshakeLabel, frames: [done.initiationFrame, done.responseFrame!],
                               times: [done.time, done.responseTime ?? done.time],
                               w.handshakes.count > 1 ? "\(w.handshakes.count) initiations, \(w.completed.count) answered" : nil)
        } else if w.handshakes.isEmpty {
            handshake = result(.handshake, .notSeen, wireguardHandshakeLabel, "before the capture started")
        } else {
            let sent = w.handshakes
            let cookies = w.cookieReplyFrames
            let status = unfinished(lastTime: sent.last!.time, captureEnd: captureEnd, retried: sent.count > 1)
            handshake = result(.handshake, status, wireguardHandshakeLabel, frames: sent.map(\.initiationFrame) + cookies,
                               times: sent.map(\.time),
                               "initiation sent \(sent.count)×, no response" + (cookies.isEmpty ? "" : ", \(cookies.count) cookie repl\(cookies.count == 1 ? "y" : "ies")"))
        }
        let out = w.fromClient.data, back = w.fromServer.data
        let frames = [out.firstFrame, back.firstFrame].compactMap { $0 }
        let times = [out.start, back.start].compactMap { $0 }
        let counts = "\(out.packets) out, \(back.packets) back"
        let data: StageResult
        if out.packets > 0 && back.packets > 0 {
            data = result(.dataPlane, .ok, wireguardDataLabel, frames: frames, times: times, counts)
        } else if out.packets > 0 || back.packets > 0 {
            let way = out.packets > 0 ? "client → server" : "server → client"
            // Several packets unanswered for `quietSeconds` fail; a single one proves nothing (lost, or
            // the capture cut its answer).
            let sent = out.packets > 0 ? out : back
            // A peer that gets data answers within `keepaliveTimeout`, at least with a keepalive: data
            // one way for longer than that with nothing at all back fails even while it goes on.
            let silent = (out.packets > 0 ? w.fromServer : w.fromClient).keepalives == 0
            let status: StageStatus = sent.packets < 2 ? .incomplete
                : silent && captureEnd - (sent.start ?? captureEnd) > keepaliveTimeout ? .failed
                : unfinished(lastTime: sent.end ?? 0, captureEnd: captureEnd, retried: false)
            data = result(.dataPlane, status, wireguardDataLabel, frames: frames, times: times, "data only \(way) (\(counts))")
        } else if handshake.status == .ok {
            let last = w.completed.last!.responseTime ?? w.completed.last!.time
            data = result(.dataPlane, captureEnd - last >= quietSeconds ? .failed : .incomplete, wireguardDataLabel,
                          "no transport data after the handshake")
        } else {
            data = result(.dataPlane, handshake.status == .notSeen ? .notSeen : .notReached, wireguardDataLabel)
        }
        return [handshake, data]
    }
}
