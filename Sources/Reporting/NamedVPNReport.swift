import Decoding
import Sessions

/// A VPN the capture holds that vpndoctor names but does not diagnose (`OtherVPN`): what it is
/// inferred to be, how sure, and what its TLS/DTLS showed in clear.
public struct NamedVPNReport: Codable, Sendable {
    /// "tls-vpn", or "wireguard" for a WireGuard mesh (Tailscale) whose tunnel is also a session.
    public var `protocol`: String
    public var product: String
    public var confidence: String
    public var client: IPAddress
    public var server: Endpoint
    public var clues: [String]
    public var frames: [Int]
    /// From the ClientHello of its TLS connection (the first that completed, else the latest).
    public var serverName: String?
    public var alpn: [String]?
    /// The version the server chose in its ServerHello ("TLS 1.3").
    public var tlsVersion: String?
    /// Both sides sent application data after the handshake (absent without a TLS handshake seen).
    public var handshakeCompleted: Bool?
    public var tlsConnections: Int
    /// An alert in clear: its name and the side that sent it.
    public var alert: String?
    public var alertFrom: String?
    /// The tunnel's datagrams beside the TLS (DTLS, GlobalProtect's UDP 4501).
    public var datagrams: Datagrams?

    public struct Datagrams: Codable, Sendable {
        public var what: String
        public var fromClient: Int
        public var fromServer: Int
    }

    init(_ v: OtherVPN) {
        let c = v.decisiveConnection
        self.protocol = v.protocolName
        self.product = v.name
        self.confidence = v.confidence.rawValue
        (self.client, self.server, self.clues, self.frames) = (v.client, v.server, v.clues, v.frames)
        self.serverName = c?.serverName
        self.alpn = (c?.serverHello?.alpn).flatMap { $0.isEmpty ? nil : $0 } ?? (c?.clientHello?.alpn).flatMap { $0.isEmpty ? nil : $0 }
        self.tlsVersion = (c?.serverHello).map { TLSHello.name($0.version) }
        self.handshakeCompleted = c.map(\.completed)
        self.tlsConnections = v.tls.count
        self.alert = c?.alert?.name
        self.alertFrom = c?.alert.map { $0.fromClient ? "client" : "server" }
        self.datagrams = v.datagrams.map { Datagrams(what: $0.what, fromClient: $0.fromClient, fromServer: $0.fromServer) }
    }
}
