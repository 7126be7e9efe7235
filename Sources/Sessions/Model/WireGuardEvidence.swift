/// What a capture shows of WireGuard between two peers: every handshake initiation with its answer,
/// and the transport data each way. The client is the peer that initiated (WireGuard's peers are
/// symmetric: either may initiate; the first initiation decides).
public struct WireGuardEvidence: Sendable, Codable, Hashable {
    public var handshakes: [WireGuardHandshake] = []
    public var fromClient = WireGuardTraffic()
    public var fromServer = WireGuardTraffic()
    /// Every cookie reply, also those for an initiation before the capture.
    public var cookieReplyFrames: [Int] = []

    public init() {}

    /// The handshakes that got a response.
    public var completed: [WireGuardHandshake] { self.handshakes.filter { $0.responseFrame != nil } }
    /// Initiations after the last response (or all of them): the attempt still waiting for an answer.
    public var unanswered: [WireGuardHandshake] {
        Array(self.handshakes.suffix(from: (self.handshakes.lastIndex { $0.responseFrame != nil } ?? -1) + 1))
    }
    /// Responses the initiator never used: it sent no transport data (not even the keepalive that
    /// confirms a handshake) and started another initiation after each. The last handshake is not
    /// among them (the capture may end before its confirmation).
    public var unconfirmed: [WireGuardHandshake] {
        guard self.fromClient.data.packets == 0, self.fromClient.keepalives == 0, let client = self.handshakes.first?.initiator.address
        else { return [] }
        return self.handshakes.dropLast().filter { $0.responseFrame != nil && $0.initiator.address == client }
    }
}

/// One handshake initiation (WireGuard retries with a new one, and a new sender index, every 5 s)
/// and what answered it, matched by the initiation's sender index.
public struct WireGuardHandshake: Sendable, Codable, Hashable {
    public var initiator: Endpoint
    public var responder: Endpoint
    /// The initiation's sender index (the initiator's index for this handshake).
    public var initiatorIndex: UInt32
    public var initiationFrame: Int
    /// Capture-relative seconds of the initiation.
    public var time: Double
    public var responseFrame: Int?
    /// The response's sender index (the responder's index).
    public var responderIndex: UInt32?
    public var responseTime: Double?
    /// A cookie reply instead of a response: the responder is under load and asks for a retry with
    /// its cookie (whitepaper §5.4.7).
    public var cookieReplyFrame: Int?

    public var initiatorIndexHex: String { "0x" + String(self.initiatorIndex, radix: 16) }
}

/// Transport data in one direction: packets that carry something, and keepalives (empty ones).
public struct WireGuardTraffic: Sendable, Codable, Hashable {
    public var data = CounterSummary(packets: 0, bytes: 0)
    public var keepalives = 0
    public var firstKeepaliveFrame: Int?

    public init() {}
}
