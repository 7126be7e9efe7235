/// Bounded, in-order reassembly of TCP *control* streams (PPTP on 1723, DNS over TCP on 53) into
/// whole messages, for the messages the per-frame dissector cannot decode: one split across
/// segments, or a segment that starts mid-message (the dissector stops those with a `.fragment`
/// stop at layer `.pptp` / `.dns`).
///
/// How a caller uses it: keep one `TCPStreams` per capture and feed it *every* decoded packet of
/// the stream, in capture order, with the frame's bytes (`add(_:bytes:)`), before the next frame
/// is read. It returns the messages completed by that segment. A message with
/// `decodedPerFrame == true` began and ended in that segment at a message boundary, so the
/// dissector already produced it as a layer of the same packet: skip it to avoid counting it
/// twice. Decode the others with `PPTP.decode(_:)` / `DNS.decode(_:)`.
///
/// Each direction (keyed by its 4-tuple) is reassembled on its own: SYN sets the next sequence
/// number; a stream first seen mid-way starts at its first segment. Retransmitted bytes are
/// dropped, overlapping segments contribute only their new tail. On a gap (a segment beyond the
/// next expected byte: a lost or uncaptured segment), on a framing error, or when more than
/// `maxTCPStreamBytes` would be buffered, the stream gives up: its buffer is dropped and it is
/// resynchronised only by a later segment that starts at a message boundary (PPTP: magic cookie
/// in place). At most `maxTCPStreams` directions are tracked: RST forgets a direction at once, FIN
/// marks it closed (retransmissions after FIN are still recognised) and closed directions make room
/// for new ones.
public struct TCPStreams {
    /// How messages are delimited in the stream.
    public enum Framing: Sendable {
        /// RFC 2637 §1.4: a 2-byte length that counts the whole message; magic cookie at offset 4.
        case pptp
        /// RFC 1035 §4.2.2: a 2-byte length that counts the message after it.
        case dns
        /// OpenVPN over TCP: a 2-byte length that counts the packet after it, whose first byte is
        /// a known opcode.
        case openvpn
        /// IKE and ESP over TCP — RFC 8229: the "IKETCP" prefix (a 6-byte message of its own here),
        /// then a 2-byte length that counts the whole message (`TCPEncapsulation`).
        case ikeTCP

        /// Total bytes of the message starting at `buffer`'s first byte, nil when unknown yet;
        /// throws on a framing error.
        func messageLength(_ buffer: ArraySlice<UInt8>) -> Result<Int?, FramingError> {
            guard buffer.count >= 2 else { return .success(nil) }
            let field = Int(buffer[buffer.startIndex]) << 8 | Int(buffer[buffer.startIndex + 1])
            switch self {
            case .pptp:
                guard field >= PPTP.headerSize else { return .failure(.badLength) }
                if buffer.count >= 8, !Self.hasMagic(buffer) { return .failure(.notAtBoundary) }
                return .success(field)
            case .dns:
                guard field >= 12 else { return .failure(.badLength) }
                return .success(field + 2)
            case .openvpn:
                guard field >= 1 else { return .failure(.badLength) }
                if buffer.count >= 3, !Self.hasOpcode(buffer) { return .failure(.notAtBoundary) }
                return .success(field + 2)
            case .ikeTCP:
                if TCPEncapsulation.startsWithPrefix(buffer) {
                    return .success(buffer.count >= TCPEncapsulation.streamPrefix.count ? TCPEncapsulation.streamPrefix.count : nil)
                }
                guard field >= TCPEncapsulation.minimumLength else { return .failure(.badLength) }
                if buffer.count >= 6, Self.word(buffer, at: 2) == 0, field < TCPEncapsulation.minimumIKELength {
                    return .failure(.badLength)
                }
                return .success(field)
            }
        }

        /// Whether `bytes` starts like a message (a resynchronisation point).
        func startsMessage(_ bytes: ArraySlice<UInt8>) -> Bool {
            switch self {
            case .pptp: bytes.count >= 8 && Self.hasMagic(bytes)
            // DNS has no marker: a plausible length prefix is the best one can do.
            case .dns: bytes.count >= 2 && (Int(bytes[bytes.startIndex]) << 8 | Int(bytes[bytes.startIndex + 1])) >= 12
            case .openvpn: bytes.count >= 3 && (bytes[bytes.startIndex] != 0 || bytes[bytes.startIndex + 1] != 0) && Self.hasOpcode(bytes)
            // The prefix, or an IKE message whose own length agrees (ESP has nothing to check).
            case .ikeTCP:
                bytes.count >= TCPEncapsulation.streamPrefix.count && TCPEncapsulation.startsWithPrefix(bytes)
                    || bytes.count >= TCPEncapsulation.minimumIKELength && Self.word(bytes, at: 2) == 0
                    && Int(Self.word(bytes, at: 30)) == (Int(bytes[bytes.startIndex]) << 8 | Int(bytes[bytes.startIndex + 1])) - 6
            }
        }

        static func hasMagic(_ b: ArraySlice<UInt8>) -> Bool {
            let i = b.startIndex + 4
            return b[i] == 0x1A && b[i + 1] == 0x2B && b[i + 2] == 0x3C && b[i + 3] == 0x4D
        }

        /// The big-endian 32-bit word at `offset`.
        static func word(_ b: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
            b[(b.startIndex + offset)..<(b.startIndex + offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }

        static func hasOpcode(_ b: ArraySlice<UInt8>) -> Bool {
            OpenVPNOpcode(rawValue: b[b.startIndex + 2] >> 3).isKnown
        }
    }

    public enum FramingError: Error { case badLength, notAtBoundary }

    /// One direction of a TCP connection.
    public struct Key: Hashable, Sendable {
        public var source: IPAddress
        public var sourcePort: UInt16
        public var destination: IPAddress
        public var destinationPort: UInt16
        public init(source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16) {
            self.source = source
            self.sourcePort = sourcePort
            self.destination = destination
            self.destinationPort = destinationPort
        }
    }

    /// A whole message taken out of a stream.
    public struct Message: Sendable {
        public var key: Key
        public var framing: Framing
        /// The message, length prefix included (PPTP's length field; DNS's 2-byte prefix).
        public var bytes: [UInt8]
        /// Frame where its first and last bytes arrived.
        public var firstFrame: Int
        public var lastFrame: Int
        /// True when the dissector already decoded it from `lastFrame` alone.
        public var decodedPerFrame: Bool
    }

    struct Stream {
        var nextSequence: UInt32
        var buffer: [UInt8] = []
        var bufferFirstFrame = 0
        /// Gave up (gap, overflow, framing error) and waits for a message boundary.
        var lost = false
        /// FIN seen: forgotten first when room is needed.
        var closed = false
    }

    public let limits: DecodeLimits
    var streams: [Key: Stream] = [:]
    /// Directions and bytes given up on, for reporting.
    public private(set) var gaps = 0
    public private(set) var overflows = 0
    public private(set) var framingErrors = 0

    public init(limits: DecodeLimits = .standard) { self.limits = limits }

    /// The framing of a TCP segment's stream, or nil when it is not a control stream we reassemble.
    public static func framing(of tcp: TCP) -> Framing? {
        switch ProtocolRegistry.tcp(tcp.sourcePort, tcp.destinationPort)?.service {
        case .pptpControl?: .pptp
        case .dns?: .dns
        case .openvpn?: .openvpn
        case .ikeTCP?: .ikeTCP
        default: nil
        }
    }

    /// Feeds one decoded packet (with the bytes it was decoded from); returns the messages it
    /// completed. Packets that are not TCP on a reassembled port return [], unless `framing` names the
    /// stream's framing (a stream recognised by its content: RFC 8229's prefix on any port).
    public mutating func add(_ packet: DecodedPacket, bytes: UnsafeRawBufferPointer, framing: Framing? = nil) -> [Message] {
        guard let ip = packet.ipv4, let tcp = packet.tcp, let framing = framing ?? Self.framing(of: tcp) else { return [] }
        let key = Key(source: ip.source, sourcePort: tcp.sourcePort, destination: ip.destination,
                      destinationPort: tcp.destinationPort)
        let range = max(0, tcp.payload.start)..<min(bytes.count, max(tcp.payload.start, tcp.payload.end))
        return self.add(key: key, framing: framing, sequence: tcp.sequenceNumber, flags: tcp.flags,
                        payload: Array(bytes[range]), frame: packet.frame.number)
    }

    /// Feeds one segment of direction `key`.
    public mutating func add(key: Key, framing: Framing, sequence: UInt32, flags: TCPFlags, payload: [UInt8],
                             frame: Int) -> [Message] {
        if flags.contains(.rst) {
            self.streams[key] = nil
            return []
        }
        if flags.contains(.syn) {
            guard self.room(for: key) else { return [] }
            self.streams[key] = Stream(nextSequence: sequence &+ 1)
            return []
        }
        let messages = self.addData(key: key, framing: framing, sequence: sequence, payload: payload, frame: frame)
        if flags.contains(.fin), var stream = self.streams[key] {
            // Keep the closed direction (a retransmission may follow) until its room is needed.
            if !stream.closed { stream.nextSequence &+= 1 }
            stream.closed = true
            self.streams[key] = stream
        }
        return messages
    }

    private mutating func addData(key: Key, framing: Framing, sequence: UInt32, payload: [UInt8], frame: Int) -> [Message] {
        guard !payload.isEmpty else { return [] }
        var stream: Stream
        if let existing = self.streams[key] {
            stream = existing
        } else {
            guard self.room(for: key) else { return [] }
            stream = Stream(nextSequence: sequence)  // picked up mid-connection
            stream.lost = !framing.startsMessage(payload[...])
        }

        var data = payload[...]
        let ahead = Int32(bitPattern: sequence &- stream.nextSequence)
        if ahead > 0 {  // a gap: bytes we will never see
            self.gaps += 1
            stream.buffer.removeAll()
            stream.lost = true
        } else if ahead < 0 {  // retransmission or overlap: keep only the new tail
            let overlap = Int(-Int64(ahead))
            guard overlap < data.count else {
                self.streams[key] = stream
                return []
            }
            data = data.dropFirst(overlap)
        }
        stream.nextSequence = sequence &+ UInt32(truncatingIfNeeded: payload.count)
        if stream.lost {
            guard ahead >= 0, framing.startsMessage(data) else {
                self.streams[key] = stream
                return []
            }
            stream.lost = false
        }
        let clean = stream.buffer.isEmpty && ahead == 0
        if stream.buffer.isEmpty { stream.bufferFirstFrame = frame }
        guard stream.buffer.count + data.count <= self.limits.maxTCPStreamBytes else {
            self.overflows += 1
            stream.buffer.removeAll()
            stream.lost = true
            self.streams[key] = stream
            return []
        }
        stream.buffer.append(contentsOf: data)

        var messages: [Message] = []
        var consumed = 0
        let most = switch framing {
        case .openvpn: self.limits.maxOpenVPNPacketsPerSegment
        case .ikeTCP: self.limits.maxTCPEncapsulatedPerSegment
        case .pptp, .dns: self.limits.maxPPTPMessagesPerSegment
        }
        while messages.count < most {  // each pass takes ≥ 3 bytes
            let rest = stream.buffer[consumed...]
            switch framing.messageLength(rest) {
            case .failure:
                self.framingErrors += 1
                stream.buffer.removeAll()
                stream.lost = true
                self.streams[key] = stream
                return messages
            case .success(let length):
                guard let length, length <= rest.count else {
                    stream.buffer.removeFirst(consumed)
                    self.streams[key] = stream
                    return messages
                }
                messages.append(Message(key: key, framing: framing, bytes: Array(rest.prefix(length)),
                                        firstFrame: consumed == 0 ? stream.bufferFirstFrame : frame, lastFrame: frame,
                                        decodedPerFrame: clean))
                consumed += length
                if consumed < stream.buffer.count { stream.bufferFirstFrame = frame }
            }
        }
        stream.buffer.removeFirst(consumed)
        self.streams[key] = stream
        return messages
    }

    /// Whether `key` is or can be tracked; evicts a closed direction when the table is full.
    private mutating func room(for key: Key) -> Bool {
        if self.streams[key] != nil || self.streams.count < self.limits.maxTCPStreams { return true }
        guard let closed = self.streams.first(where: { $0.value.closed })?.key else { return false }
        self.streams[closed] = nil
        return true
    }
}

extension PPTP {
    /// Decodes a reassembled message (`TCPStreams.Message.bytes`).
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> PPTP {
        try Self.withReader(bytes) { (r: inout ByteReader) throws(DecodeError) in try PPTP(from: &r) }
    }

    static func withReader<T>(_ bytes: [UInt8], _ body: (inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) -> T {
        let result: Result<T, DecodeError> = bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, layer: .pptp)
            do throws(DecodeError) { return .success(try body(&r)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

extension OpenVPN {
    /// Decodes a reassembled OpenVPN-over-TCP packet (`TCPStreams.Message.bytes`, prefix included).
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> OpenVPN {
        try PPTP.withReader(bytes) { (r: inout ByteReader) throws(DecodeError) in try OpenVPN(from: &r, tcp: true) }
    }
}

extension DNS {
    /// Decodes a reassembled DNS-over-TCP message (`TCPStreams.Message.bytes`, prefix included).
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> DNS {
        try PPTP.withReader(bytes) { (r: inout ByteReader) throws(DecodeError) in try DNS(tcp: &r) }
    }
}

extension TCPEncapsulation {
    /// Decodes a reassembled message (`TCPStreams.Message.bytes`, length included) into the layers
    /// the dissector gives one whole in a segment: `.tcpEncapsulation`, then IKE or `.esp`.
    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .standard) throws(DecodeError) -> [DecodedLayer] {
        try PPTP.withReader(bytes) { (r: inout ByteReader) throws(DecodeError) in
            var packet = DecodedPacket(linkType: .raw)
            var state = DissectorState(limits: limits)
            _ = try Dispatch.decode(.tcpEncapsulated, &r, into: &packet, state: &state)
            return packet.layers
        }
    }
}
