import Sessions

/// The one place that judges. Ladders state facts and rules make findings; the session verdicts,
/// the capture's verdict, its primary finding and the exit code all come from the findings here, so
/// they cannot disagree:
/// - a session is FAILED exactly when an error finding is about it; CONNECTED when none is and its
///   ladder reached the tunnel; INCOMPLETE otherwise;
/// - the capture is FAILED exactly when any error finding remains, and the exit code is 1 exactly then;
/// - the primary finding is the first of the ordered findings (an error when the capture failed);
/// - `--ignore` removes a rule's findings before judging, so it re-judges everything.
///
/// An attempt that failed before a later attempt of the same client (same session) connected does not fail the
/// capture: its error findings become warnings that say what happened ("an earlier attempt failed").
public struct Judgement: Sendable {
    /// Every finding, ordered (see `DiagnosisEngine.ordered`), after `--ignore` and superseding.
    public var findings: [Finding]
    /// The judged verdict and its one line, per session id.
    public var sessions: [Int: SessionVerdict]
    /// The capture in one word.
    public var verdict: Verdict
    /// The most important finding's rule.
    public var primaryFinding: RuleID?
    /// The session the primary finding is about (or the first session).
    public var primarySession: Int?
    /// 1 when the capture failed, else 0.
    public var exitCode: Int32 { self.verdict == .failed ? 1 : 0 }

    public struct SessionVerdict: Sendable, Hashable {
        public var verdict: Verdict
        public var line: String
    }

    public func verdict(of session: Int) -> SessionVerdict? { self.sessions[session] }
}

enum Judge {
    static func judge(_ analysis: Analysis, _ raw: [Finding]) -> Judgement {
        var findings = DiagnosisEngine.ordered(self.supersedeEarlierFailures(raw, in: analysis))
        // The error that decides each failed session: its first in the order (one pass, not one
        // filter per session).
        var deciding: [Int: Finding] = [:]
        for f in findings where f.severity == .error { if let id = f.session, deciding[id] == nil { deciding[id] = f } }
        var verdicts: [Int: Judgement.SessionVerdict] = [:]
        for s in analysis.sessions {
            let error = deciding[s.id]
            let verdict: Verdict = error != nil ? .failed : s.outcome == .connected ? .connected : .incomplete
            verdicts[s.id] = Judgement.SessionVerdict(verdict: verdict, line: self.line(s, verdict, deciding: error))
        }
        // `healthy` says the session connected: never beside the session's own failure.
        findings.removeAll { $0.rule == Healthy.id && $0.session.map { deciding[$0] != nil } == true }
        let failed = findings.contains { $0.severity == .error }
        let connected = verdicts.values.contains { $0.verdict == .connected }
        let primary = findings.first
        return Judgement(findings: findings, sessions: verdicts,
                         verdict: failed ? .failed : connected ? .connected : .incomplete,
                         primaryFinding: primary?.rule,
                         primarySession: primary?.session ?? analysis.sessions.first?.id)
    }

    /// An error finding whose every frame comes before its session's data flowed both ways: the client
    /// retried and the retry worked, so the failure is history — a warning saying what it was. The
    /// session is the client as the protocols tell it (its IKE SPIs, NAT-mapped ports; retries join
    /// it): two clients behind one NAT are two sessions, and one connecting does not excuse the other.
    static func supersedeEarlierFailures(_ findings: [Finding], in a: Analysis) -> [Finding] {
        // Where each session is first seen working: the first frame of data both ways.
        var workingFrom: [Int: Int] = [:]
        for s in a.sessions where s.outcome == .connected {
            if let frame = s.dataBothWaysFrame { workingFrom[s.id] = frame }
        }
        return findings.map { f in
            guard f.severity == .error, let id = f.session, let from = workingFrom[id], let last = f.frames.last, last < from
            else { return f }
            var superseded = f
            superseded.severity = .warning
            superseded.summary = "An earlier attempt failed, then a retry connected (data both ways from frame \(from)): " + f.summary
            return superseded
        }
    }

    /// The session's verdict in one line, from its ladder and the error that decided it (failed).
    static func line(_ s: Session, _ verdict: Verdict, deciding error: Finding?) -> String {
        switch verdict {
        case .connected:
            return self.connectedLine(s)
        case .failed:
            let error = error!
            if let rung = s.ladder.first(where: { $0.status == .failed && $0.stage == error.stage })
                ?? s.ladder.first(where: { $0.status == .failed }) {
                return "FAILED at \(rung.stage.title)\(rung.detail.map { ": \($0)" } ?? "")"
            }
            return "FAILED at \((error.stage ?? .connected).title): \(error.summary)"
        case .incomplete:
            if let stop = s.ladder.first(where: { $0.status == .failed }) {
                return "INCOMPLETE — stopped at \(stop.stage.title)\(stop.detail.map { ": \($0)" } ?? ""), with no error finding"
            }
            if let stop = s.ladder.first(where: { $0.status == .incomplete }), stop.stage == .connected {
                return self.quietLine(stop)
            }
            if let stop = s.ladder.first(where: { $0.status == .incomplete }) {
                return "INCOMPLETE — capture ends during \(stop.stage.title)\(stop.detail.map { ": \($0)" } ?? "")"
            }
            return "INCOMPLETE — outcome not visible in the capture"
        }
    }

    /// The rung that shows a connected session working: its user data both ways, else (PPP up and no
    /// user data captured) what carries the tunnel.
    static func dataRung(_ s: Session) -> StageResult? {
        s.stage(.dataPlane).flatMap { $0.status == .ok ? $0 : nil }
            ?? s.stage(.tunnelTransport).flatMap { $0.status == .ok ? $0 : nil } ?? s.stage(.dataPlane)
    }

    /// "CONNECTED — ESP both ways (12 out, 9 back)", from the ladder's data rung.
    static func connectedLine(_ s: Session) -> String {
        let data = self.dataRung(s)
        // User data seen one way so far, too soon to call (StageLadder.pptpUserData): said after.
        let pending = s.stage(.dataPlane).flatMap { $0.status == .incomplete ? $0.detail : nil }
        return "CONNECTED — \(data?.label ?? "tunnel up")\(data?.detail.map { " (\($0))" } ?? "")"
            + (pending.map { "; \($0)" } ?? "")
            + (s.startedMidSession ? "; capture starts mid-session" : "")
    }

    /// The tunnel came up and went quiet (the `connected` rung is incomplete).
    static func quietLine(_ connected: StageResult) -> String {
        "INCOMPLETE — tunnel up, then quiet: \(connected.detail ?? "no traffic")"
    }
}
