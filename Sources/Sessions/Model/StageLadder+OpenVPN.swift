/// OpenVPN's ladder: the hard reset exchange (over TCP, after the TCP handshake), the TLS handshake
/// in the control channel, then data packets both ways.
extension StageLadder {
    static let openvpnDataLabel = "data both ways"

    /// The attempt that tells the session's story: the one that got furthest, the latest on ties.
    static func primaryOpenVPN(_ s: Session) -> OpenVPNEvidence? {
        func rank(_ o: OpenVPNEvidence) -> Int {
            (o.dataFromClient > 0 && o.dataFromServer > 0 ? 8 : 0) + (o.dataFromClient + o.dataFromServer > 0 ? 4 : 0)
                + (!o.tlsRecords.isEmpty ? 2 : 0) + (o.answered ? 1 : 0)
        }
        return s.openvpn.max { rank($0) <= rank($1) }
    }

    static func openvpn(_ s: Session, captureEnd: Double) -> [StageResult] {
        guard let o = primaryOpenVPN(s) else { return [] }
        let reset = self.openvpnReset(o, captureEnd: captureEnd)
        let restarted = s.openvpn.contains { $0.start > o.start && !$0.clientResets.isEmpty }
        let tls = self.openvpnTLS(o, restarted: restarted, captureEnd: captureEnd)
        return [reset, tls, self.openvpnData(o, tls: tls, captureEnd: captureEnd)]
    }

    static func openvpnReset(_ o: OpenVPNEvidence, captureEnd: Double) -> StageResult {
        let label = o.overTCP ? "TCP \(o.server.port), hard reset" : "hard reset"
        if o.overTCP, !o.synFrames.isEmpty, o.synAckFrames.isEmpty, o.clientResets.isEmpty {
            let status: StageStatus = o.resetFromServer || o.synFrames.count > 1 || captureEnd - o.end >= quietSeconds ? .failed : .incomplete
            return result(.tunnelControl, status, label, frames: o.synFrames + o.resetFrames,
                          o.resetFromServer ? "connection refused (RST)" : "SYN sent \(o.synFrames.count)×, no answer")
        }
        if o.clientResets.isEmpty {
            return result(.tunnelControl, o.answered ? .ok : .notSeen, label, o.answered ? "before the capture started" : nil)
        }
        let frames = Array(o.clientResets.prefix(1) + o.serverResets.prefix(1))
        if o.answered { return result(.tunnelControl, .ok, label, frames: frames) }
        let status = unfinished(lastTime: o.end, captureEnd: captureEnd, retried: o.clientResets.count > 1 || o.resetFromServer)
        return result(.tunnelControl, status, label, frames: o.clientResets + o.resetFrames,
                      "hard reset sent \(o.clientResets.count)×, no answer")
    }

    /// Done when data packets flow (the data channel's keys come from the finished handshake), or both
    /// sides sent ChangeCipherSpec (TLS 1.2); failed on a cleartext alert. With tls-crypt, and after
    /// TLS 1.3's ServerHello, the handshake is encrypted: only its outcome (data) tells.
    static func openvpnTLS(_ o: OpenVPNEvidence, restarted: Bool, captureEnd: Double) -> StageResult {
        let label = "TLS in the control channel"
        let frames = o.tlsRecords.filter { !$0.handshake.isEmpty || $0.alertDescription != nil }.map(\.frame)
        let times = o.tlsRecords.map(\.time)
        if let alert = o.alert {
            return result(.tlsHandshake, .failed, label, frames: frames, times: times,
                          "the \(alert.fromClient ? "client" : "server") sent the alert \(alert.alertName ?? "")")
        }
        if o.dataFromClient + o.dataFromServer > 0
            || (!o.records(fromClient: true, type: 20).isEmpty && !o.records(fromClient: false, type: 20).isEmpty) {
            return result(.tlsHandshake, .ok, label, frames: frames, times: times)
        }
        if o.tlsRecords.isEmpty {
            let opaque = o.protection == "tls-crypt" && o.answered
            return result(.tlsHandshake, opaque ? .incomplete : .notSeen, label, opaque ? "encrypted (tls-crypt)" : nil)
        }
        let status = unfinished(lastTime: o.end, captureEnd: captureEnd, retried: restarted)
        let last = o.tlsRecords.last!
        return result(.tlsHandshake, status, label, frames: frames, times: times,
                      "not finished: the last record came from the \(last.fromClient ? "client" : "server"), then no data")
    }

    static func openvpnData(_ o: OpenVPNEvidence, tls: StageResult, captureEnd: Double) -> StageResult {
        let frames = [o.firstDataFromClient, o.firstDataFromServer].compactMap { $0 }
        let counts = "\(o.dataFromClient) out, \(o.dataFromServer) back"
        if o.dataFromClient > 0 && o.dataFromServer > 0 { return result(.dataPlane, .ok, openvpnDataLabel, frames: frames, counts) }
        if o.dataFromClient + o.dataFromServer > 0 {
            return result(.dataPlane, .failed, openvpnDataLabel, frames: frames,
                          "data only \(o.dataFromClient > 0 ? "client → server" : "server → client") (\(counts))")
        }
        guard tls.status == .ok else { return result(.dataPlane, .notReached, openvpnDataLabel) }
        return result(.dataPlane, captureEnd - o.end >= quietSeconds ? .failed : .incomplete, openvpnDataLabel,
                      "no data after the TLS handshake")
    }
}

extension Session {
    /// The OpenVPN attempt the ladder tells (the one that got furthest, the latest on ties).
    public var primaryOpenVPN: OpenVPNEvidence? { StageLadder.primaryOpenVPN(self) }
}
