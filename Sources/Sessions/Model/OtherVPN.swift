import Decoding

/// A VPN vpndoctor recognises but does not diagnose (TLS/DTLS-based VPNs, WireGuard-based meshes),
/// named from what the capture shows of it: an inference, with its confidence.
public struct OtherVPN: Sendable, Codable, Hashable {
    /// How sure the naming is: high for a product's own signature (Cisco's pre-standard DTLS, DTLS
    /// beside TLS to one server), medium for a product's port beside TLS, low for a hint in a name.
    public enum Confidence: String, Sendable, Codable, Hashable { case low, medium, high }

    public var name: String
    public var client: IPAddress
    public var server: Endpoint
    /// What gave it away, one line each.
    public var clues: [String]
    public var frames: [Int]
    /// Its traffic is also a session vpndoctor diagnoses (Tailscale's WireGuard).
    public var diagnosedPart: String?
    public var confidence: Confidence = .medium
    /// "tls-vpn" (TLS/DTLS), or the protocol of the part vpndoctor diagnoses ("wireguard").
    public var protocolName = "tls-vpn"
    /// The TLS connections from the client to the server (its control channel), in order, at most
    /// `OtherVPNTracker.maxConnections` (the latest kept).
    public var tls: [TLSConnection] = []
    /// The tunnel's datagrams beside the TLS (DTLS on UDP 443, GlobalProtect's UDP 4501) each way;
    /// nil when there are none.
    public var datagrams: Datagrams?

    public struct Datagrams: Sendable, Codable, Hashable {
        /// "DTLS on UDP 443", "IPsec in UDP 4501".
        public var what: String
        public var fromClient: Int
        public var fromServer: Int
        public var firstFrame: Int
    }

    /// The connection that says how it went: the first that completed, else the latest.
    public var decisiveConnection: TLSConnection? { self.tls.first(where: \.completed) ?? self.tls.last }
}
