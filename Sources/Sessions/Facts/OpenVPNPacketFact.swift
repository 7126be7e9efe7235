import Decoding

/// One OpenVPN packet as the analyzer needs it (control packets own their TLS bytes).
public struct OpenVPNPacketFact: Hashable, Sendable {
    public var opcode: OpenVPNOpcode
    public var keyID: UInt8
    public var sessionID: UInt64?
    public var remoteSessionID: UInt64?
    public var messagePacketID: UInt32?
    /// tls-auth's HMAC size (0: none); nil for data and tls-crypt packets.
    public var hmacSize: Int?
    public var tlsCrypt: Bool
    /// The piece of the TLS stream a `P_CONTROL_V1` carries.
    public var tls: [UInt8]

    public init(_ opcode: OpenVPNOpcode, keyID: UInt8 = 0, sessionID: UInt64? = nil, remoteSessionID: UInt64? = nil,
                messagePacketID: UInt32? = nil, hmacSize: Int? = nil, tlsCrypt: Bool = false, tls: [UInt8] = []) {
        self.opcode = opcode
        self.keyID = keyID
        self.sessionID = sessionID
        self.remoteSessionID = remoteSessionID
        self.messagePacketID = messagePacketID
        self.hmacSize = hmacSize
        self.tlsCrypt = tlsCrypt
        self.tls = tls
    }

    init(_ p: OpenVPN) {
        self.init(p.opcode, keyID: p.keyID, sessionID: p.sessionID, remoteSessionID: p.remoteSessionID,
                  messagePacketID: p.messagePacketID, hmacSize: p.hmacSize, tlsCrypt: p.tlsCrypt, tls: p.tls)
    }
}
