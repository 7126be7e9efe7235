/// The stages of a VPN connection attempt, in order. Our own concept: a closed enum.
///
/// Each family's ladder lists the stages it has in its own order (`StageLadder`). PPTP: TCP 1723 and
/// its Start-Control-Connection / Outgoing-Call exchange (`tunnelControl`), GRE both ways
/// (`tunnelTransport`), LCP, authentication, IPCP, then user data inside PPP both ways (`dataPlane`).
/// L2TP: `tunnelControl` (SCCRQ…ICCN), PPP, then user data; inside IPsec, after IKE and ESP.
public enum Stage: String, Sendable, Codable, CaseIterable, Comparable {
    case nameResolution, reachability, ikeSAInit, ikeAuth, childSA, handshake, dataPlane, tunnelControl, tunnelTransport
    case pppLink, pppAuth, pppNetwork
    /// OpenVPN: the TLS handshake inside the control channel (after the hard reset exchange, which is
    /// its `tunnelControl`).
    case tlsHandshake
    case connected

    var order: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }

    public var title: String {
        switch self {
        case .nameResolution: "Name resolution (DNS)"
        case .reachability: "Reachability"
        case .ikeSAInit: "IKE phase 1 (SA)"
        case .ikeAuth: "IKE authentication"
        case .childSA: "IKE phase 2 (child SA)"
        case .handshake: "Handshake"
        case .dataPlane: "Data plane"
        case .tunnelControl: "Tunnel control"
        case .tunnelTransport: "Tunnel transport"
        case .pppLink: "PPP link (LCP)"
        case .pppAuth: "PPP authentication"
        case .pppNetwork: "PPP network (IPCP)"
        case .tlsHandshake: "TLS handshake"
        case .connected: "Connected"
        }
    }
}

/// What the capture shows of one stage of a session.
public enum StageStatus: String, Sendable, Codable {
    /// Completed.
    case ok
    /// Started and did not complete (or was refused).
    case failed
    /// Started; the capture ends before it could complete or fail.
    case incomplete
    /// Not reached: an earlier stage stopped the attempt.
    case notReached
    /// Happens inside encryption (L2TP/PPP within IPsec): cannot be seen in a capture.
    case notObservable
    /// Not in the capture (no DNS query, capture started later…), no judgement.
    case notSeen
}

/// One rung of a session's stage ladder.
public struct StageResult: Sendable, Codable, Hashable {
    public var stage: Stage
    public var status: StageStatus
    /// What this stage consists of for the protocol ("MM1–MM4", "IKE_SA_INIT", "GRE both ways"…).
    public var label: String
    /// Frames that make up the stage (first ones), for the ladder.
    public var frames: [Int]
    /// Capture-relative seconds of the first and last of those frames.
    public var start: Double?
    public var end: Double?
    /// One line: what happened ("MM5 sent 4×, never answered").
    public var detail: String?

    public init(stage: Stage, status: StageStatus, label: String, frames: [Int] = [], start: Double? = nil,
                end: Double? = nil, detail: String? = nil) {
        self.stage = stage
        self.status = status
        self.label = label
        self.frames = frames
        self.start = start
        self.end = end
        self.detail = detail
    }
}
