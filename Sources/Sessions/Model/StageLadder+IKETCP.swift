/// IKEv2 over TCP (RFC 8229): IKE's rungs, as over UDP. When no IKE message went through the
/// connection, its first rung is judged by what TCP did instead (refused, never answered).
extension StageLadder {
    static func ikeTCP(_ s: Session, captureEnd: Double) -> [StageResult] {
        var rungs = self.ipsec(s, captureEnd: captureEnd)
        guard s.primaryIKE == nil, let c = s.ikeTCP.first, !rungs.isEmpty else { return rungs }
        let label = "TCP \(c.server.port) connection"
        if c.resetFromServer, c.synAckFrames.isEmpty {
            rungs[0] = result(.ikeSAInit, .failed, label, frames: c.synFrames + c.resetFrames, times: [c.start, c.end],
                              "refused: the server answers the SYN with a RST")
        } else if c.synAckFrames.isEmpty, !c.synFrames.isEmpty {
            let status = unfinished(lastTime: c.end, captureEnd: captureEnd, retried: c.synFrames.count > 1)
            rungs[0] = result(.ikeSAInit, status, label, frames: c.synFrames, times: [c.start],
                              "SYN sent \(c.synFrames.count)×, never answered")
        } else {
            rungs[0] = result(.ikeSAInit, .incomplete, label, frames: c.synFrames + c.synAckFrames, times: [c.start],
                              "connected, no IKE message in the stream")
        }
        return rungs
    }
}
