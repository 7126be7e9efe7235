import Decoding

extension StageResult {
    /// The child-SA rung's detail when the IKEv1 initiator answered QM2 with an Informational.
    public static let initiatorRefusedQM2 = "the initiator answered QM2 with an Informational instead of QM3"
}

/// Builds a session's stage ladder, furthest stage and outcome from its evidence (facts: the verdict
/// is judged from the findings by Diagnosis' `Judge`).
enum StageLadder {
    /// An IKEv2 IKE_AUTH response this short carries a notify and little else (AUTHENTICATION_FAILED…):
    /// header 28 + SK 4 + IV 8–16 + one notify 8 + padding + ICV 12–16.
    static let shortIKEAuthResponse = 120
    /// A stage that stopped this long before the capture ended failed (rather than the capture
    /// ending during it).
    static let quietSeconds = 5.0
    /// ESP both ways that stops this long before the capture ends, after a short burst: the tunnel came
    /// up and went quiet (what ran inside it, e.g. L2TP/PPP, is not visible), so not "connected".
    static let idleDataSeconds = 3.0

    static func build(_ s: inout Session, captureEnd: Double) {
        var ladder: [StageResult] = []
        ladder.append(self.nameResolution(s))
        ladder.append(self.reachability(s))
        let isPPTP = s.vpnProtocol == .pptp
        if isPPTP {
            ladder.append(self.pptpControl(s, captureEnd: captureEnd))
            ladder.append(self.greTransport(s, control: ladder.last!))
            ladder += self.ppp(s)
            ladder.append(self.pptpUserData(s, captureEnd: captureEnd))
        } else if s.vpnProtocol == .openvpn {
            ladder += self.openvpn(s, captureEnd: captureEnd)
        } else if s.vpnProtocol == .gre {
            ladder += self.greTunnel(s, captureEnd: captureEnd)
        } else if s.vpnProtocol == .ikev2TCP {
            ladder += self.ikeTCP(s, captureEnd: captureEnd)
        } else if s.vpnProtocol == .wireguard, let w = s.wireguard {
            ladder += self.wireguard(w, captureEnd: captureEnd)
        } else if !s.ike.isEmpty || !s.esp.isEmpty {
            ladder += self.ipsec(s, captureEnd: captureEnd)
            if s.l2tp != nil || s.vpnProtocol == .l2tpIPsec || s.vpnProtocol == .l2tp {
                ladder += self.l2tpAndPPP(s, insideIPsec: s.l2tp == nil, dataPlane: ladder.last!)
            }
        } else {
            ladder += self.l2tpAndPPP(s, insideIPsec: false, dataPlane: nil)
            if let l = s.l2tp {
                ladder.append(self.userData(out: l.dataFromClient, back: l.dataFromServer,
                                            frames: [l.firstDataFromClient, l.firstDataFromServer].compactMap { $0 }))
            }
        }
        ladder.append(self.connected(s, ladder, captureEnd: captureEnd))
        self.settle(&ladder)
        s.ladder = ladder
        s.furthest = ladder.last { $0.status == .ok }?.stage
        s.stoppedAt = ladder.first { $0.status == .failed }?.stage
            ?? ladder.first { $0.status == .incomplete }?.stage
        s.startedMidSession = s.ike.contains { $0.startedMidExchange } && !s.ike.contains { !$0.startedMidExchange }
            || (s.ike.isEmpty && !s.esp.isEmpty) || (isPPTP && s.pptp == nil)
            || (s.l2tp != nil && s.l2tp!.first(.sccrq) == nil && s.ike.isEmpty)
            || s.wireguard?.handshakes.isEmpty == true
        s.oneSidedCapture = self.oneSided(s)
        s.outcome = ladder.last?.status == .ok ? .connected
            : ladder.contains(where: { $0.status == .failed }) ? .failed : .incomplete
    }

    /// Stages after a failed one are not reached; stages before an ok one that show nothing are
    /// not judged.
    static func settle(_ ladder: inout [StageResult]) {
        if let failed = ladder.firstIndex(where: { $0.status == .failed }) {
            for i in ladder.indices where i > failed && ladder[i].status != .ok && ladder[i].status != .notObservable {
                ladder[i].status = .notReached
            }
        }
    }

    static func result(_ stage: Stage, _ status: StageStatus, _ label: String, frames: [Int] = [],
                       times: [Double] = [], _ detail: String? = nil) -> StageResult {
        StageResult(stage: stage, status: status, label: label, frames: Array(Set(frames).sorted().prefix(12)), start: times.min(),
                    end: times.max(), detail: detail)
    }

    // MARK: - Common stages

    static func nameResolution(_ s: Session) -> StageResult {
        guard let q = s.dns.first else { return result(.nameResolution, .notSeen, "DNS") }
        return result(.nameResolution, .ok, "DNS", frames: q.queryFrames + [q.responseFrame].compactMap { $0 },
                      times: [q.time], "\(q.name) → \(s.server)")
    }

    static func reachability(_ s: Session) -> StageResult {
        if s.echoRequests.isEmpty { return result(.reachability, .notSeen, "ICMP echo") }
        if s.echoReplies.isEmpty {
            // A server that answers anything else is reachable: only its pings are filtered.
            let answers = s.flows.contains { ($0.a.address == s.server ? $0.aToB : $0.bToA).packets > 0 }
            return result(.reachability, answers ? .ok : .failed, "ICMP echo", frames: s.echoRequests,
                          "\(s.echoRequests.count) echo request(s), no reply" + (answers ? " (ICMP filtered: the server answers VPN traffic)" : ""))
        }
        return result(.reachability, .ok, "ICMP echo", frames: Array(s.echoRequests.prefix(1)) + Array(s.echoReplies.prefix(1)))
    }

    /// A stage that started and did not complete: failed when it was retried, refused, or the
    /// capture went on long enough after it; incomplete when the capture simply ends.
    static func unfinished(lastTime: Double, captureEnd: Double, retried: Bool) -> StageStatus {
        retried || captureEnd - lastTime >= quietSeconds ? .failed : .incomplete
    }

    // MARK: - IPsec

    static func ipsec(_ s: Session, captureEnd: Double) -> [StageResult] {
        let sa = s.primaryIKE
        let anyESP = !s.esp.isEmpty
        var rungs: [StageResult] = []
        guard let sa else {
            rungs.append(result(.ikeSAInit, .notSeen, "IKE", "no IKE in the capture (it started later)"))
            rungs.append(result(.ikeAuth, .notSeen, "IKE"))
            rungs.append(result(.childSA, .notSeen, "IKE"))
            rungs.append(self.espDataPlane(s, childOK: true, captureEnd: captureEnd))
            return rungs
        }
        let errors = s.ike.flatMap(\.errorNotifies)
        let lastIKE = s.ike.lazy.compactMap { $0.messages.lazy.map(\.time).max() }.max() ?? 0
        let v1 = sa.version == 1
        let retried = sa.messages.contains { $0.retransmissionOf != nil }
        let icmp = s.icmpErrors.contains { $0.error.isPortUnreachable }

        // Phase 1 (SA negotiation + key exchange).
        let p1Label: String, p1Done: Bool, p1Started: Bool
        let p1Frames: [IKEMessageRecord]
        switch sa.phase1 {
        case .mainMode?:
            p1Label = "MM1–MM4"
            p1Frames = sa.messages.filter { $0.step.exchange == .mainMode && $0.step.index <= 4 }
            p1Done = sa.has(.mainMode, index: 4) || sa.has(.mainMode, index: 5) || sa.has(.mainMode, index: 6)
                || sa.has(.quickMode)
            p1Started = !p1Frames.isEmpty
        case .aggressiveMode?:
            p1Label = "AM1–AM2"
            p1Frames = sa.messages.filter { $0.step.exchange == .aggressiveMode && $0.step.index <= 2 }
            p1Done = sa.has(.aggressiveMode, index: 2) && !self.hasPhase1Error(sa)
            p1Started = !p1Frames.isEmpty
        case nil where sa.version == 1:
            p1Label = "Main/Aggressive Mode"
            p1Frames = []
            p1Done = false
            p1Started = false
        default:
            p1Label = "IKE_SA_INIT"
            let all = s.ike.flatMap(\.messages)
            p1Frames = all.filter { $0.step.exchange == .ikeSAInit }
            p1Done = all.contains { $0.step.exchange == .ikeSAInit && $0.step.isResponse && !$0.notifies.contains(where: \.isError) }
                || all.contains { $0.step.exchange == .ikeAuth }
            p1Started = !p1Frames.isEmpty
        }
        let p1Last = p1Frames.last?.step.description
        if p1Done, let lost = self.answersIgnored(sa) {
            rungs.append(result(.ikeSAInit, .failed, p1Label, frames: p1Frames.map(\.frame), times: p1Frames.map(\.time),
                                "answered, but \(lost) repeated after the answer: the answers do not reach the client"))
        } else if p1Done {
            rungs.append(result(.ikeSAInit, .ok, p1Label, frames: p1Frames.map(\.frame), times: p1Frames.map(\.time)))
        } else if p1Started {
            let refused = errors.first
            let status: StageStatus = refused != nil || icmp ? .failed
                : unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: retried)
            let detail = refused.map { "refused with \($0.type.name(version: sa.version))" }
                ?? (icmp ? "ICMP port unreachable" : "last message \(p1Last ?? "?"), \(self.countRetransmissions(p1Frames)) retransmission(s), no answer")
            rungs.append(result(.ikeSAInit, status, p1Label, frames: p1Frames.map(\.frame), times: p1Frames.map(\.time), detail))
        } else {
            rungs.append(result(.ikeSAInit, .notSeen, p1Label, "before the capture started"))
        }

        // Authentication.
        switch sa.phase1 {
        case nil where sa.version == 1:
            rungs.append(result(.ikeAuth, .notSeen, "Main/Aggressive Mode", "before the capture started"))
        case .mainMode?:
            let msgs = sa.messages.filter { $0.step.exchange == .mainMode && $0.step.index >= 5 }
            if sa.has(.mainMode, index: 6) || sa.has(.quickMode) {
                rungs.append(result(.ikeAuth, .ok, "MM5–MM6", frames: msgs.map(\.frame), times: msgs.map(\.time)))
            } else if !msgs.isEmpty {
                let status = unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: self.countRetransmissions(msgs) > 0)
                rungs.append(result(.ikeAuth, status, "MM5–MM6", frames: msgs.map(\.frame), times: msgs.map(\.time),
                                    "MM5 sent \(msgs.count)×, no MM6"))
            } else {
                rungs.append(self.nothingAfterPhase1(s, sa, p1Done: p1Done, label: "MM5–MM6", next: "MM5",
                                                     lastIKE: lastIKE, captureEnd: captureEnd))
            }
        case .aggressiveMode?:
            let am3 = sa.messages(.aggressiveMode, index: 3)
            let info = sa.messages(.informationalV1).filter { m in am3.isEmpty || m.time >= am3[0].time }
            if sa.has(.quickMode) || (!am3.isEmpty && info.isEmpty) {
                rungs.append(result(.ikeAuth, .ok, "AM2–AM3", frames: am3.map(\.frame), times: am3.map(\.time)))
            } else if p1Done {
                let status: StageStatus = !info.isEmpty ? .failed : unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: false)
                rungs.append(result(.ikeAuth, status, "AM2–AM3", frames: (am3 + info).map(\.frame),
                                    times: (am3 + info).map(\.time), info.isEmpty ? "no AM3" : "Informational after AM2"))
            } else {
                rungs.append(result(.ikeAuth, .notReached, "AM2–AM3"))
            }
        default:
            let all = s.ike.flatMap(\.messages)
            let auth = all.filter { $0.step.exchange == .ikeAuth }
            let responses = auth.filter(\.step.isResponse)
            if let response = responses.last {
                let short = responses.allSatisfy { $0.length <= shortIKEAuthResponse && $0.fragment == nil }
                let laterTraffic = anyESP || all.contains { [.createChildSA].contains($0.step.exchange) }
                if short && !laterTraffic {
                    rungs.append(result(.ikeAuth, .failed, "IKE_AUTH", frames: auth.map(\.frame), times: auth.map(\.time),
                                        "short IKE_AUTH response (\(response.length) bytes): likely an error notify"))
                } else {
                    rungs.append(result(.ikeAuth, .ok, "IKE_AUTH", frames: auth.map(\.frame), times: auth.map(\.time)))
                }
            } else if !auth.isEmpty {
                let status = unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: self.countRetransmissions(auth) > 0)
                rungs.append(result(.ikeAuth, status, "IKE_AUTH", frames: auth.map(\.frame), times: auth.map(\.time),
                                    "IKE_AUTH request sent \(auth.count)×, no response"))
            } else {
                rungs.append(self.nothingAfterPhase1(s, sa, p1Done: p1Done, label: "IKE_AUTH", next: "IKE_AUTH",
                                                     lastIKE: lastIKE, captureEnd: captureEnd))
            }
        }
        let authOK = rungs.last?.status == .ok

        // Child SA.
        var childOK = false
        if v1 {
            let qm = s.ike.flatMap { $0.messages(.quickMode) }
            if qm.contains(where: { $0.step.index == 3 }) || (qm.contains { $0.step.index == 2 } && anyESP) {
                childOK = true
                rungs.append(result(.childSA, .ok, "QM1–QM3", frames: qm.map(\.frame), times: qm.map(\.time)))
            } else if !qm.isEmpty {
                let infos = s.ike.flatMap { $0.messages(.informationalV1) }
                let refused = infos.contains { !$0.fromInitiator && $0.time >= qm[0].time }
                // QM2 answered by the initiator's Informational instead of QM3: the initiator rejected
                // what the responder chose (its PFS group, lifetime or traffic selectors).
                let aborted = qm.first { $0.step.index == 2 }.flatMap { qm2 in infos.first { $0.fromInitiator && $0.time >= qm2.time } }
                let status = refused || aborted != nil ? .failed
                    : unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: self.countRetransmissions(qm) > 0)
                let last = qm.filter { $0.retransmissionOf == nil }.last?.step.description ?? "QM1"
                rungs.append(result(.childSA, status, "QM1–QM3", frames: (qm + [aborted].compactMap { $0 }).map(\.frame),
                                    times: qm.map(\.time),
                                    aborted != nil && !refused ? StageResult.initiatorRefusedQM2 : "Quick Mode stopped after \(last)"))
            } else if anyESP {
                childOK = true
                rungs.append(result(.childSA, .ok, "Quick Mode", "not captured; ESP shows an SA"))
            } else {
                rungs.append(result(.childSA, authOK ? .incomplete : .notReached, "QM1–QM3"))
            }
        } else {
            let created = self.exchangeSizes(s, .createChildSA)
            if anyESP {
                childOK = true
                rungs.append(result(.childSA, .ok, created.isEmpty ? "in IKE_AUTH" : "CREATE_CHILD_SA", "inferred from ESP"))
            } else if authOK, !created.isEmpty {
                // Childless IKE_AUTH (RFC 6023) or more children: CREATE_CHILD_SA exchanges decide.
                let made = created.filter { !self.tooShortForChild($0) }
                let frames = created.flatMap(\.frames)
                if let child = made.first {
                    childOK = true
                    rungs.append(result(.childSA, .ok, "CREATE_CHILD_SA", frames: frames,
                                        "inferred: a CREATE_CHILD_SA response (\(child.response) B) has room for a child SA"))
                } else {
                    rungs.append(result(.childSA, .failed, "CREATE_CHILD_SA", frames: frames,
                                        "CREATE_CHILD_SA response \(created[0].response) B for a \(created[0].request) B request \(created.count)×: no room for a child SA"))
                }
            } else if authOK, let exchange = self.exchangeSizes(s, .ikeAuth).first, self.tooShortForChild(exchange) {
                rungs.append(result(.childSA, .failed, "in IKE_AUTH", frames: exchange.frames,
                                    "IKE_AUTH response \(exchange.response) B for a \(exchange.request) B request: no room for a child SA"))
            } else if authOK {
                childOK = true
                rungs.append(result(.childSA, .ok, "in IKE_AUTH", "inferred: the IKE_AUTH response has room for a child SA"))
            } else {
                rungs.append(result(.childSA, .notReached, "in IKE_AUTH"))
            }
        }
        rungs.append(self.espDataPlane(s, childOK: childOK, captureEnd: captureEnd))
        return rungs
    }

    /// Phase 1 done, and the authentication message never seen: lost as IP fragments that never
    /// reassembled (the first fragment reaches the capture point, the rest does not), given up by the
    /// initiator while the responder repeats its last answer, or simply not captured yet.
    static func nothingAfterPhase1(_ s: Session, _ sa: IKESA, p1Done: Bool, label: String, next: String,
                                   lastIKE: Double, captureEnd: Double) -> StageResult {
        guard p1Done else { return result(.ikeAuth, .notReached, label) }
        let fragments = s.incompleteFragmentFrames
        if !fragments.isEmpty {
            return result(.ikeAuth, fragments.count > 1 ? .failed : unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: false),
                          label, frames: fragments, "\(next) arrives only as IP fragments that never complete (\(fragments.count)×)")
        }
        let repeated = sa.messages.filter { !$0.fromInitiator && $0.retransmissionOf != nil }
        if let last = repeated.last {
            return result(.ikeAuth, .failed, label, frames: repeated.map(\.frame), times: repeated.map(\.time),
                          "no \(next): the initiator stopped, the responder repeated \(last.step.shortName) \(repeated.count)×")
        }
        return result(.ikeAuth, unfinished(lastTime: lastIKE, captureEnd: captureEnd, retried: false), label)
    }

    /// The requests of `exchange` (IKE_AUTH, CREATE_CHILD_SA) with their responses, unfragmented, in
    /// order: a response much smaller than its request lacks the SA and traffic selectors of a child SA
    /// (the child was refused inside SK).
    static func exchangeSizes(_ s: Session, _ exchange: IKEStep.Exchange) -> [(request: Int, response: Int, frames: [Int])] {
        let messages = s.allIKEMessages.filter { $0.step.exchange == exchange && $0.fragment == nil && $0.retransmissionOf == nil }
        return messages.filter { !$0.step.isResponse }.compactMap { request in
            messages.first { $0.step.isResponse && $0.messageID == request.messageID }
                .map { (request.length, $0.length, [request.frame, $0.frame]) }
        }
    }

    /// Under 70 % of the request: the answer carries a notify, not a child SA.
    static func tooShortForChild(_ exchange: (request: Int, response: Int, frames: [Int])) -> Bool {
        exchange.response * 10 < exchange.request * 7
    }

    /// The initiator's only request, repeated after the responder answered it and never followed by
    /// the next message: the answers are lost between the capture point and the initiator.
    static func answersIgnored(_ sa: IKESA) -> IKEStep? {
        let requests = sa.distinctMessages.filter(\.fromInitiator)
        guard requests.count == 1, let request = requests.first,
              let answer = sa.messages.first(where: { !$0.fromInitiator }) else { return nil }
        let repeats = sa.messages.filter { $0.retransmissionOf == request.frame && $0.time > answer.time }
        return repeats.isEmpty ? nil : request.step
    }

    static func hasPhase1Error(_ sa: IKESA) -> Bool { sa.errorNotifies.contains { !$0.fromInitiator } }

    static func countRetransmissions(_ messages: [IKEMessageRecord]) -> Int {
        messages.filter { $0.retransmissionOf != nil }.count
    }

    static func espDataPlane(_ s: Session, childOK: Bool, captureEnd: Double) -> StageResult {
        let out = s.espFromClient, back = s.espFromServer
        let frames = (out.prefix(2).compactMap(\.traffic.firstFrame) + back.prefix(2).compactMap(\.traffic.firstFrame)).sorted()
        let times = (out + back).compactMap(\.traffic.start)
        let name = s.esp.allSatisfy(\.isAH) && !s.esp.isEmpty ? "AH" : "ESP"
        if !out.isEmpty && !back.isEmpty {
            return result(.dataPlane, .ok, "\(name) both ways", frames: frames, times: times,
                          "\(out.reduce(0) { $0 + $1.traffic.packets }) out, \(back.reduce(0) { $0 + $1.traffic.packets }) back")
        }
        if !out.isEmpty || !back.isEmpty {
            let missing = out.isEmpty ? "client → server" : "server → client"
            return result(.dataPlane, .failed, "\(name) both ways", frames: frames, times: times, "no \(name) \(missing)")
        }
        if !childOK { return result(.dataPlane, .notReached, "ESP both ways") }
        let lastIKE = s.ike.flatMap(\.messages).map(\.time).max() ?? s.end
        return result(.dataPlane, captureEnd - lastIKE >= quietSeconds ? .failed : .incomplete, "ESP both ways",
                      "no ESP after the SA was set up")
    }

    // MARK: - PPTP

    static func pptpControl(_ s: Session, captureEnd: Double) -> StageResult {
        let label = "TCP 1723, SCCRQ…OCRP"
        guard let p = s.pptp else { return result(.tunnelControl, .notSeen, label, "before the capture started") }
        let frames = p.synFrames.prefix(1) + p.synAckFrames.prefix(1) + p.messages.map(\.frame)
        let times = p.messages.map(\.time)
        if let reply = p.first(.outgoingCallReply), reply.resultCode == 1 {
            return result(.tunnelControl, .ok, label, frames: Array(frames), times: times)
        }
        if !p.synFrames.isEmpty && p.synAckFrames.isEmpty {
            let status: StageStatus = p.resetFromServer || p.synFrames.count > 1 || captureEnd - s.end >= quietSeconds ? .failed : .incomplete
            return result(.tunnelControl, status, label, frames: p.synFrames + p.resetFrames,
                          p.resetFromServer ? "connection refused (RST)" : "SYN sent \(p.synFrames.count)×, no answer")
        }
        for type in [PPTPControlType.startControlConnectionReply, .outgoingCallReply] {
            if let reply = p.first(type), let code = reply.resultCode, code != 1 {
                return result(.tunnelControl, .failed, label, frames: Array(frames), times: times,
                              "\(type): \(reply.resultText ?? "result \(code)")")
            }
        }
        if !p.resetFrames.isEmpty {
            return result(.tunnelControl, .failed, label, frames: Array(frames) + p.resetFrames, times: times, "reset")
        }
        return result(.tunnelControl, p.messages.isEmpty && p.synFrames.isEmpty ? .notSeen : .incomplete, label,
                      frames: Array(frames), times: times)
    }

    /// PPTP's GRE, both ways: what carries PPP (and every packet of the call) between the two hosts.
    static func greTransport(_ s: Session, control: StageResult) -> StageResult {
        let out = s.greFromClient, back = s.greFromServer
        let frames = (out.prefix(1).compactMap(\.traffic.firstFrame) + back.prefix(1).compactMap(\.traffic.firstFrame)).sorted()
        let times = (out + back).compactMap(\.traffic.start)
        if !out.isEmpty && !back.isEmpty { return result(.tunnelTransport, .ok, "GRE both ways", frames: frames, times: times) }
        if control.status == .ok || control.status == .notSeen || !out.isEmpty || !back.isEmpty {
            let hungUp = s.pptp.map { $0.finFromServer || $0.resetFromServer } ?? false
            let detail = out.isEmpty && back.isEmpty ? (hungUp ? "no GRE: the server closed TCP 1723 after the call" : "no GRE at all")
                : "GRE only \(out.isEmpty ? "server → client" : "client → server")"
            return result(.tunnelTransport, control.status == .ok || !(out.isEmpty && back.isEmpty) ? .failed : .notReached,
                          "GRE both ways", frames: frames, times: times, detail)
        }
        return result(.tunnelTransport, .notReached, "GRE both ways")
    }

    // MARK: - Plain GRE

    /// A plain GRE tunnel (version 0, RFC 2784): keepalives answered (its only control), then GRE
    /// carrying something both ways. Keepalives are optional: without any, the data plane alone tells.
    static func greTunnel(_ s: Session, captureEnd: Double) -> [StageResult] {
        let t = s.greTunnel ?? GRETunnelEvidence()
        let label = "GRE keepalives"
        let control: StageResult
        if !t.keepaliveReplies.isEmpty {
            control = result(.tunnelControl, .ok, label, frames: Array(t.keepaliveRequests.prefix(1) + t.keepaliveReplies.prefix(1)),
                             t.keepaliveRequests.isEmpty ? "\(t.keepaliveReplies.count) came back"
                                : "\(t.keepaliveRequests.count) sent, \(t.keepaliveReplies.count) came back")
        } else if !t.keepaliveRequests.isEmpty {
            let status = unfinished(lastTime: s.end, captureEnd: captureEnd, retried: t.keepaliveRequests.count > 1)
            control = result(.tunnelControl, status, label, frames: t.keepaliveRequests,
                             "sent \(t.keepaliveRequests.count)×, none came back")
        } else {
            control = result(.tunnelControl, .notSeen, label)
        }
        let out = s.greFromClient.filter { $0.version == 0 }, back = s.greFromServer.filter { $0.version == 0 }
        let frames = (out.prefix(1).compactMap(\.traffic.firstFrame) + back.prefix(1).compactMap(\.traffic.firstFrame)).sorted()
        let times = (out + back).compactMap(\.traffic.start)
        let carries = t.carries.isEmpty ? nil : "carrying " + t.carries.joined(separator: ", ")
        let data: StageResult
        if !out.isEmpty && !back.isEmpty {
            data = result(.dataPlane, .ok, "GRE both ways", frames: frames, times: times, carries)
        } else if !out.isEmpty || !back.isEmpty {
            // What a tunnel carries may flow one way only (syslog, a mirror): not a failure by itself.
            data = result(.dataPlane, .incomplete, "GRE both ways", frames: frames, times: times,
                          "GRE only \(out.isEmpty ? "server → client" : "client → server")\(carries.map { ", \($0)" } ?? "")")
        } else {
            data = result(.dataPlane, .notSeen, "GRE both ways", control.status == .ok ? "keepalives only, nothing carried" : nil)
        }
        return [control, data]
    }

    // MARK: - L2TP and PPP

    static func l2tpAndPPP(_ s: Session, insideIPsec: Bool, dataPlane: StageResult?) -> [StageResult] {
        let label = "L2TP SCCRQ…ICCN"
        if insideIPsec {
            let status: StageStatus = dataPlane?.status == .ok ? .notObservable : .notReached
            return [result(.tunnelControl, status, "L2TP (inside IPsec)"), result(.pppLink, status, "LCP"),
                    result(.pppAuth, status, "PAP/CHAP/EAP"), result(.pppNetwork, status, "IPCP")]
        }
        var rungs: [StageResult] = []
        if let l = s.l2tp {
            let control = l.messages.filter { $0.type != nil }
            let frames = control.map(\.frame), times = control.map(\.time)
            if let stop = l.first(.stopCCN) ?? l.first(.cdn), l.first(.iccn) == nil {
                rungs.append(result(.tunnelControl, .failed, label, frames: frames, times: times,
                                    "\(stop.type!): \(stop.resultText ?? "no result code")"))
            } else if l.first(.iccn) != nil || (l.first(.sccrq) == nil && (l.dataFromClient > 0 || s.ppp != nil)) {
                rungs.append(result(.tunnelControl, .ok, label, frames: frames, times: times))
            } else if l.first(.sccrq) != nil && l.first(.sccrp) == nil {
                rungs.append(result(.tunnelControl, .failed, label, frames: frames, times: times,
                                    "SCCRQ sent \(l.all(.sccrq).count)×, no SCCRP"))
            } else {
                rungs.append(result(.tunnelControl, .incomplete, label, frames: frames, times: times))
            }
        } else {
            rungs.append(result(.tunnelControl, .notSeen, label))
        }
        var ppp = self.ppp(s)
        // Tunnel and session up (ICCN), then CDN/StopCCN before a single PPP frame: PPP never started.
        if s.ppp == nil, let l = s.l2tp, let iccn = l.first(.iccn),
           let stop = l.messages.first(where: { ($0.type == .cdn || $0.type == .stopCCN) && $0.time >= iccn.time }) {
            ppp[0] = result(.pppLink, .failed, "LCP", frames: [stop.frame], times: [stop.time],
                            "no LCP: \(stop.type!) from the \(stop.fromClient ? "client" : "server") \(Self.milliseconds(stop.time - iccn.time)) after ICCN")
        }
        return rungs + ppp
    }

    static let userDataLabel = "IP in PPP both ways"

    /// What an L2TP or PPTP tunnel is for: user data inside PPP (IP, or compressed/encrypted datagrams),
    /// each way, from the first frame of each. LCP echoes prove the link, not that traffic gets through it.
    static func userData(out: Int, back: Int, frames: [Int]) -> StageResult {
        guard out > 0 || back > 0 else { return result(.dataPlane, .notSeen, userDataLabel) }
        let counts = "\(out) out, \(back) back"
        if out > 0 && back > 0 { return result(.dataPlane, .ok, userDataLabel, frames: frames, counts) }
        return result(.dataPlane, .failed, userDataLabel, frames: frames,
                      "user data only \(out > 0 ? "client → server" : "server → client") (\(counts))")
    }

    /// PPTP's user data is MPPE-encrypted: what it is cannot be seen, and the first packets after PPP
    /// comes up are often broadcasts and multicasts that get no answer (Windows' NetBIOS, LLMNR, SSDP).
    /// So one way only is a failure once the capture goes on `quietSeconds` after the first of them.
    static func pptpUserData(_ s: Session, captureEnd: Double) -> StageResult {
        let out = s.greFromClient.reduce(0) { $0 + $1.userData }, back = s.greFromServer.reduce(0) { $0 + $1.userData }
        let first = [s.greFromClient, s.greFromServer].compactMap { $0.compactMap(\.firstUserDataFrame).min() }
        var rung = self.userData(out: out, back: back, frames: first)
        let since = (out > 0 ? s.greFromClient : s.greFromServer).compactMap(\.firstUserDataTime).min() ?? captureEnd
        if rung.status == .failed, captureEnd - since < quietSeconds {
            rung.status = .incomplete
            rung.detail = (rung.detail ?? "") + "; the capture ends \(Self.milliseconds(captureEnd - since)) after the first"
        }
        return rung
    }

    static func milliseconds(_ t: Double) -> String { t < 1 ? "\(Int((t * 1000).rounded())) ms" : Printf.fixed(t, 1) + " s" }

    static func ppp(_ s: Session) -> [StageResult] {
        guard let p = s.ppp else {
            return [result(.pppLink, .notSeen, "LCP"), result(.pppAuth, .notSeen, "PAP/CHAP/EAP"),
                    result(.pppNetwork, .notSeen, "IPCP")]
        }
        var rungs: [StageResult] = []
        let lcp = p.messages(.lcp).filter { $0.code <= 4 }
        if p.negotiated(.lcp) || p.authStarted != nil {
            rungs.append(result(.pppLink, .ok, "LCP", frames: lcp.map(\.frame), times: lcp.map(\.time)))
        } else if !lcp.isEmpty {
            let retries = lcp.filter { $0.retransmissionOf != nil }.count
            rungs.append(result(.pppLink, .failed, "LCP", frames: lcp.map(\.frame), times: lcp.map(\.time),
                                "Configure-Request \(retries > 0 ? "repeated \(retries)×" : "sent"), not acknowledged by both sides"))
        } else {
            rungs.append(result(.pppLink, .notSeen, "LCP"))
        }
        let auth = p.messages.filter { [.pap, .chap, .eap].contains($0.protocolNumber) }
        if let ok = p.authSucceeded {
            rungs.append(result(.pppAuth, .ok, p.authProtocol?.description ?? "PPP auth", frames: auth.map(\.frame) + [ok.frame],
                                times: auth.map(\.time)))
        } else if let failed = p.authFailed {
            rungs.append(result(.pppAuth, .failed, p.authProtocol?.description ?? "PPP auth", frames: auth.map(\.frame),
                                times: auth.map(\.time), failed.message.map { "failure: \($0)" } ?? "failure"))
        } else if !auth.isEmpty {
            rungs.append(result(.pppAuth, .incomplete, "PPP auth", frames: auth.map(\.frame), times: auth.map(\.time)))
        } else {
            rungs.append(result(.pppAuth, p.negotiated(.lcp) ? .incomplete : .notSeen, "PAP/CHAP/EAP"))
        }
        let ipcp = p.messages(.ipcp)
        if p.negotiated(.ipcp) {
            rungs.append(result(.pppNetwork, .ok, "IPCP", frames: ipcp.map(\.frame), times: ipcp.map(\.time)))
        } else if !ipcp.isEmpty {
            rungs.append(result(.pppNetwork, .failed, "IPCP", frames: ipcp.map(\.frame), times: ipcp.map(\.time),
                                "IPCP not acknowledged by both sides"))
        } else {
            rungs.append(result(.pppNetwork, .notSeen, "IPCP"))
        }
        return rungs
    }

    // MARK: - Verdict

    static func connected(_ s: Session, _ ladder: [StageResult], captureEnd: Double) -> StageResult {
        let data = ladder.first { $0.stage == .dataPlane }
        let network = ladder.first { $0.stage == .pppNetwork }
        if ladder.contains(where: { $0.status == .failed }) { return result(.connected, .notReached, "connected") }
        if s.vpnProtocol == .gre, data?.status == .notSeen, ladder.contains(where: { $0.stage == .tunnelControl && $0.status == .ok }) {
            return result(.connected, .ok, "connected", "keepalives answered")
        }
        if let network, network.status == .ok { return result(.connected, .ok, "connected", frames: network.frames.suffix(1)) }
        if let data, data.status == .ok {
            // PPTP/L2TP in clear: GRE both ways is enough when PPP is not visible (mid-session capture).
            let pppVisible = ladder.contains { [.pppLink, .pppAuth, .pppNetwork].contains($0.stage) && $0.status != .notSeen && $0.status != .notObservable }
            if !pppVisible, let quiet = self.quietAfterBurst(s, captureEnd: captureEnd) {
                return result(.connected, .incomplete, "connected", quiet)
            }
            if !pppVisible { return result(.connected, .ok, "connected", frames: data.frames) }
        }
        return result(.connected, .notReached, "connected")
    }

    /// ESP both ways in a short burst (under `idleDataSeconds`), then silence for at least as long up to
    /// the end of the capture.
    static func quietAfterBurst(_ s: Session, captureEnd: Double) -> String? {
        let traffic = s.esp.map(\.traffic)
        let packets = traffic.reduce(0) { $0 + $1.packets }
        guard !traffic.isEmpty, let first = traffic.compactMap(\.start).min(), let last = traffic.compactMap(\.end).max(),
              captureEnd - last >= idleDataSeconds, last - first < idleDataSeconds else { return nil }
        let name = s.esp.allSatisfy(\.isAH) ? "AH" : "ESP"
        return "\(name) both ways for \(Self.milliseconds(last - first)) (\(packets) packets), then nothing for \(Printf.fixed(captureEnd - last, 1)) s"
    }

    /// Only one direction captured although the protocol progressed (a peer answered packets we never see).
    static func oneSided(_ s: Session) -> Bool {
        let fromClient = s.flows.reduce(0) { $0 + ($1.a.address == s.client ? $1.aToB.packets : $1.bToA.packets) }
        let fromServer = s.flows.reduce(0) { $0 + ($1.a.address == s.server ? $1.aToB.packets : $1.bToA.packets) }
        guard fromClient == 0 || fromServer == 0 else { return false }
        // Progress that needs the unseen side's answers.
        for sa in s.ike {
            if sa.has(.mainMode, index: 3) || sa.has(.mainMode, index: 5) || sa.has(.aggressiveMode, index: 3)
                || sa.has(.ikeAuth, response: false) || sa.has(.quickMode, index: 3) {
                if fromServer == 0 { return true }
            }
            if sa.has(.mainMode, index: 4) || sa.has(.mainMode, index: 6) || sa.has(.ikeAuth, response: true) {
                if fromClient == 0 { return true }
            }
        }
        if let p = s.pptp, p.first(.outgoingCallRequest) != nil || p.first(.outgoingCallReply) != nil { return true }
        if let l = s.l2tp, l.first(.scccn) != nil || l.first(.icrq) != nil || l.first(.sccrp) != nil { return true }
        return false
    }
}
