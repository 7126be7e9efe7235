import Decoding

/// The fields of a WireGuard message the tracker reads: plain values, so transport data is made on
/// the header-byte path (`Classifier.wire`) and consumed without touching the heap.
public struct WireGuardFact: Hashable, Sendable {
    public var type: WireGuard.MessageType
    /// Initiation and response: the sender's index (0 otherwise).
    public var sender: UInt32
    /// Response, cookie reply and transport data: the index of the peer it is for (0 otherwise).
    public var receiver: UInt32
    /// Transport data that carries nothing (WireGuard's keepalive).
    public var keepalive: Bool

    public init(type: WireGuard.MessageType, sender: UInt32 = 0, receiver: UInt32 = 0, keepalive: Bool = false) {
        self.type = type
        self.sender = sender
        self.receiver = receiver
        self.keepalive = keepalive
    }

    init(_ h: WireGuard) {
        self.init(type: h.type, sender: h.sender ?? 0, receiver: h.receiver ?? 0, keepalive: h.isKeepalive)
    }
}
