/// A WireGuard message (whitepaper §5.4). WireGuard has no port of its own, so a datagram is one
/// only by its shape: the first byte a message type, three reserved zero bytes, and the exact
/// length of that type (148, 92, 64) or, for transport data, at least 32 bytes (16 of header, the
/// ciphertext, a 16-byte tag). Not whole 16-byte blocks: a sender pads the packet to 16 bytes only
/// up to the MTU, so a packet near the MTU is not (nDPI/wireguard.pcap frame 22: 1452 bytes). The
/// same test as Wireshark's `wg` heuristic. Indices and the counter are little-endian on the wire.
///
/// Data plane: a plain value. The keys, MACs and ciphertext are not decoded.
public struct WireGuard: Hashable, Sendable, Codable {
    public enum MessageType: UInt8, Hashable, Sendable, Codable {
        case initiation = 1, response = 2, cookieReply = 3, transportData = 4
    }

    public var type: MessageType
    /// The sender's index: initiation and response.
    public var sender: UInt32?
    /// The receiver's index (the peer's sender index): response, cookie reply and transport data.
    public var receiver: UInt32?
    /// Transport data's nonce counter.
    public var counter: UInt64?
    /// Transport data's encrypted packet with its tag (16 for a keepalive, which carries nothing).
    public var encryptedLength: Int?

    /// Bytes of transport data before the encrypted packet: type, reserved, receiver, counter.
    public static let dataHeaderLength = 16
    /// A transport data message carrying an empty packet: the header and the 16-byte tag alone.
    public static let keepaliveLength = 32

    /// The message type a datagram of `length` bytes whose first four bytes read `first` (big-endian)
    /// has, or nil when it is not WireGuard. The one recognition rule: the decoder and the
    /// header-byte path (`Classifier.wire`) both ask it.
    @inline(__always)
    public static func messageType(first: UInt32, length: Int) -> MessageType? {
        guard first & 0x00FF_FFFF == 0, let type = MessageType(rawValue: UInt8(first >> 24)) else { return nil }
        switch type {
        case .initiation: return length == 148 ? type : nil
        case .response: return length == 92 ? type : nil
        case .cookieReply: return length == 64 ? type : nil
        case .transportData: return length >= keepaliveLength ? type : nil
        }
    }

    /// `messageType` as a capture filter (BPF, libpcap's syntax) for UDP on any port: exact for the
    /// three handshake messages (type byte, reserved zeros, UDP length 8 + 148, 92 or 64). Transport
    /// data is matched by its first four bytes (4, 0, 0, 0) and a length of at least 8 + 32: other
    /// UDP that happens to start so is captured too, and costs only a flow; without it a WireGuard
    /// on another port than 51820 (Tailscale's 41641) would show handshakes and never data.
    public static let captureFilter: String = {
        let shapes = [(MessageType.initiation, "= \(8 + 148)"), (.response, "= \(8 + 92)"), (.cookieReply, "= \(8 + 64)"),
                      (.transportData, ">= \(8 + keepaliveLength)")]
        return "(" + shapes.map { "(udp[8:4] = 0x0\($0.0.rawValue)000000 and udp[4:2] \($0.1))" }.joined(separator: " or ") + ")"
    }()

    /// Decodes a datagram of `length` bytes (the UDP length's, so that a snaplen cut still shows the
    /// type); nil, consuming nothing, when it is not WireGuard.
    public init?(from r: inout ByteReader, length: Int) throws(DecodeError) {
        guard r.remaining >= 4 else {
            // The snaplen cut the datagram before its type could be read: say so rather than end
            // quietly, when it is long enough to be one.
            if length >= Self.keepaliveLength, r.remaining < length { throw r.truncated(4) }
            return nil
        }
        guard let type = Self.messageType(first: try r.peek(UInt32.self), length: length) else { return nil }
        r.layer = .wireguard
        try r.skip(4)
        self.type = type
        switch type {
        case .initiation:
            self.sender = try Self.littleEndian(&r)
        case .response:
            self.sender = try Self.littleEndian(&r)
            self.receiver = try Self.littleEndian(&r)
        case .cookieReply:
            self.receiver = try Self.littleEndian(&r)
        case .transportData:
            self.receiver = try Self.littleEndian(&r)
            self.counter = UInt64(littleEndian: UInt64(bigEndian: try r.read()))
            self.encryptedLength = length - Self.dataHeaderLength
        }
    }

    private static func littleEndian(_ r: inout ByteReader) throws(DecodeError) -> UInt32 {
        UInt32(littleEndian: UInt32(bigEndian: try r.read()))
    }

    /// A transport data message with nothing inside: a keepalive.
    public var isKeepalive: Bool { self.encryptedLength == Self.keepaliveLength - Self.dataHeaderLength }

    public var summary: String {
        switch self.type {
        case .initiation: "WireGuard handshake initiation sender=0x\(hex32(self.sender ?? 0))"
        case .response: "WireGuard handshake response sender=0x\(hex32(self.sender ?? 0)) receiver=0x\(hex32(self.receiver ?? 0))"
        case .cookieReply: "WireGuard cookie reply receiver=0x\(hex32(self.receiver ?? 0))"
        case .transportData:
            self.isKeepalive ? "WireGuard keepalive receiver=0x\(hex32(self.receiver ?? 0)) counter=\(self.counter ?? 0)"
                : "WireGuard transport data receiver=0x\(hex32(self.receiver ?? 0)) counter=\(self.counter ?? 0) len=\(self.encryptedLength ?? 0)"
        }
    }
}
