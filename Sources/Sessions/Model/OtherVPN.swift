import Decoding

/// A VPN vpndoctor recognises but does not diagnose (TLS/DTLS-based VPNs, WireGuard-based meshes),
/// named from what the capture shows of it.
public struct OtherVPN: Sendable, Codable, Hashable {
    public var name: String
    public var client: IPAddress
    public var server: Endpoint
    /// What gave it away, one line each.
    public var clues: [String]
    public var frames: [Int]
    /// Its traffic is also a session vpndoctor diagnoses (Tailscale's WireGuard).
    public var diagnosedPart: String?
}
