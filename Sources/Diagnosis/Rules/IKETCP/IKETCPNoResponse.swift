import Sessions

struct IKETCPNoResponse: SessionRule {
    static let id: RuleID = "ikev2-tcp.no-response"
    static let title = "IKEv2 over TCP: an IKE request delivered over TCP is never answered"
    static let severity = Severity.error
    static let explanation = """
        Over TCP (RFC 8229) nothing is lost on the way without TCP noticing: the request reached the server's \
        TCP stack, yet the IKE daemon never answered it before the connection was closed or the capture \
        ended. The responder accepted TCP but does not read IKE from it (TCP encapsulation half set up, \
        another service on the port), dropped the request (an authentication backend that hangs, a policy \
        it cannot find), or a TLS-inspecting or application-layer proxy on the path swallowed the stream.
        """
    static let advice = [
        "Read the responder's IKE log at the time of the unanswered request: it shows whether the request reached the daemon.",
        "Check that the service on the server's TCP port is the IKE daemon with TCP encapsulation enabled.",
        "A proxy or firewall that inspects TCP on this port (443 above all): exempt the VPN server from it.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let sa = s.primaryIKE, sa.overTCP else { return [] }
        let answered = Set(sa.messages.filter(\.step.isResponse).map(\.messageID))
        guard let request = sa.messages.last(where: { $0.fromInitiator && !$0.step.isResponse && !answered.contains($0.messageID) }),
              !sa.messages.contains(where: { !$0.fromInitiator && $0.time > request.time }) else { return [] }
        let connection = s.ikeTCP.first { $0.ikeFrames.contains(request.frame) }
        let close = connection.flatMap { c in c.closeTime.map { (c, $0) } }
        guard close != nil || a.capture.duration - request.time >= 5 else { return [] }
        let copies = sa.messages.filter { $0.fromInitiator && !$0.step.isResponse && $0.messageID == request.messageID }
        var evidence = [Evidence("\(request.step) from \(request.source) to \(request.destination) over TCP: \(Text.repeated(copies))",
                                 frames: copies.map(\.frame), time: copies.first?.time)]
        let ending: String
        if let (c, closeTime) = close {
            let by = c.closedByServer ? "the server" : "the client"
            ending = "; \(by) closed the TCP connection \(Text.seconds(closeTime - request.time)) later"
            evidence.append(Evidence("\(by) closes the connection (\(c.resetFrames.contains(c.closeFrame ?? 0) ? "RST" : "FIN"))",
                                     frames: (c.finFrames + c.resetFrames).sorted(), time: closeTime))
        } else {
            ending = ", and the capture goes on \(Text.seconds(a.capture.duration - request.time)) without an answer"
        }
        return [self.finding(s, stage: request.step.exchange == .ikeAuth ? .ikeAuth : .ikeSAInit,
                             "\(request.step) over TCP to \(request.destination) is never answered\(ending).", evidence: evidence)]
    }
}
