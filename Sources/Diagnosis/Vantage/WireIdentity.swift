import Decoding
import Sessions

/// What the protocol itself says a packet is, read from its VPN header: the same at every vantage
/// point whatever NAT, checksums, IP IDs or the snaplen did to the rest of the packet.
///
/// - `message` names one message (IKE SPI + message ID + direction + length, ESP SPI + sequence,
///   WireGuard index + counter, OpenVPN control packets' session ID + packet IDs, OpenVPN data's
///   first bytes): two captures holding the same
///   message saw the same packet, even when no byte of the rest is alike.
/// - `session` is the identifier the analysis keys its sessions by (`SessionKey`), so a packet
///   finds its own session when two share a pair of addresses (two clients behind one NAT).
/// - `signal` says whether the packet stops an attempt (a refusal) or opens a new one.
struct WireIdentity {
    var message: MessageKey?
    var session: SessionKey?
    var signal: StopSignal?

    /// Read from a decoded packet that is not an IP fragment (a fragment's VPN header is not known)
    /// and its frame's `bytes`.
    init(_ packet: DecodedPacket, bytes: UnsafeRawBufferPointer) {
        if let m = packet.ikev2 {
            self.message = .ike(m.initiatorSPI, m.messageID, m.flags.rawValue, m.exchangeType.rawValue, m.length, Int(m.fragment?.number ?? 0))
            self.session = .ike(m.initiatorSPI)
            if m.notifies.contains(where: \.type.isError) || !m.deletes.isEmpty {
                self.signal = .refusal
            } else if m.exchangeType == .ikeSAInit, m.isRequest, m.responderSPI == 0 {
                self.signal = .opening(m.initiatorSPI)
            } else if m.exchangeType == .ikeAuth, m.isResponse {
                self.signal = .authAnswer
            } else if m.exchangeType == .informational, m.isRequest, m.isInitiator {
                self.signal = .initiatorInformational
            } else if m.isRequest {
                self.signal = .request
            }
        } else if let m = packet.isakmp {
            self.message = .ike(m.initiatorCookie, m.messageID, m.flags.rawValue, m.exchangeType.rawValue, m.length, Int(m.nextPayload.rawValue))
            self.session = .ike(m.initiatorCookie)
            // An Informational exchange carries only notifies and deletes (RFC 2408 §4.8): once
            // encrypted its payloads are hidden, but it is still one side telling the other to stop.
            if m.exchangeType == .informational || m.notifies.contains(where: \.type.isError) {
                self.signal = .refusal
            } else if m.isFromInitiatorOfNewSA {
                self.signal = .opening(m.initiatorCookie)
            }
        } else if let e = packet.esp {
            self.message = .esp(e.spi, e.sequence)
            self.session = .esp(e.spi)
        } else if let w = packet.wireguard {
            self.message = .wireguard(w.type.rawValue, w.sender ?? 0, w.receiver ?? 0, w.counter ?? 0)
            self.session = (w.sender ?? w.receiver).map { .wireguard($0) }
            if w.type == .initiation, let index = w.sender { self.signal = .opening(UInt64(index)) }
        } else if packet.udp != nil, let o = packet.openvpnPackets.first, o.opcode.isData {
            // Data has no clear number of its own beyond AEAD's packet ID: its first bytes (packet
            // ID and tag, or HMAC and IV) differ from packet to packet and survive a short snaplen.
            let start = min(o.payload.start, bytes.count), end = min(start + 16, o.payload.end, bytes.count)
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            self.message = .openvpnData(o.opcode.rawValue, o.peerID ?? 0, hasher.finalize())
        } else if packet.udp != nil, let o = packet.openvpnPackets.first {
            self.message = .openvpn(o.opcode.rawValue, o.sessionID ?? 0, o.remoteSessionID ?? 0, o.messagePacketID ?? 0,
                                    o.replayPacketID ?? 0, o.acks)
            self.session = o.sessionID.map { .openvpn($0) }
            // A TLS alert record (content type 21) ends the handshake; a client's hard reset with a
            // new session ID starts the attempt again.
            if o.tls.count >= 5, o.tls[0] == 21, o.tls[1] == 3 {
                self.signal = .refusal
            } else if o.opcode.isClientReset, let id = o.sessionID {
                self.signal = .opening(id)
            }
        } else if let c = packet.l2tpControl, c.messageType == .stopCCN || c.messageType == .cdn {
            self.signal = .refusal
        } else if let t = packet.tcp, t.flags.contains(.rst) || t.flags.contains(.fin) {
            self.signal = .refusal
        } else if let t = packet.tcp, t.flags == .ack, t.payload.count == 0, packet.layers.last?.kind == .tcp {
            self.signal = .acknowledgment
        } else if let icmp = packet.icmp, icmp.type == .destinationUnreachable {
            self.signal = .refusal
        }
    }
}

/// One message as its protocol numbers it (see `WireIdentity.message`).
enum MessageKey: Hashable {
    /// SPI, message ID, flags, exchange, length, fragment number (IKEv2) or first payload (IKEv1:
    /// Main Mode's three messages each way share a message ID; their lengths and payloads differ).
    case ike(UInt64, UInt32, UInt8, UInt8, Int, Int)
    case esp(UInt32, UInt32)
    case wireguard(UInt8, UInt32, UInt32, UInt64)
    case openvpn(UInt8, UInt64, UInt64, UInt32, UInt32, [UInt32])
    /// Opcode, peer ID, the hash of the first 16 bytes after them.
    case openvpnData(UInt8, UInt32, Int)
}

/// An identifier the analysis keys a session by: one IKE SA's initiator SPI, one ESP SA's SPI, one
/// WireGuard handshake's index, one OpenVPN session ID. L2TP and PPTP sessions are still one per
/// pair of hosts (not keyed by tunnel or call IDs yet), so a pair of hosts finds them.
public enum SessionKey: Hashable, Sendable {
    case ike(UInt64)
    case esp(UInt32)
    case wireguard(UInt32)
    case openvpn(UInt64)

    /// Every identifier of `session`.
    public static func of(_ session: Session) -> [SessionKey] {
        var keys = session.ike.map { SessionKey.ike($0.initiatorSPI) } + session.esp.map { .esp($0.spi) }
        for h in session.wireguard?.handshakes ?? [] {
            keys.append(.wireguard(h.initiatorIndex))
            if let r = h.responderIndex { keys.append(.wireguard(r)) }
        }
        for o in session.openvpn {
            for id in [o.clientSessionID, o.serverSessionID].compactMap({ $0 }) {
                if let value = UInt64(id, radix: 16) { keys.append(.openvpn(value)) }
            }
        }
        return keys
    }
}

/// A packet that stops an attempt or starts it again (`JointBuilder.location` reads who stopped).
enum StopSignal: Hashable {
    /// A refusing notify, a delete or an IKEv1 Informational, a TLS alert, an L2TP StopCCN or CDN,
    /// a TCP FIN or RST, an ICMP destination unreachable: its sender ended the attempt.
    case refusal
    /// The first message of an attempt (IKE_SA_INIT request, Main/Aggressive Mode's first, a
    /// WireGuard initiation, an OpenVPN client hard reset), with the identifier it opens.
    case opening(UInt64)
    /// An IKEv2 IKE_AUTH response without a visible refusal (one inside SK is hidden without keys).
    case authAnswer
    /// An IKEv2 INFORMATIONAL request from the IKE SA's initiator whose payloads are not visible
    /// (inside SK): a delete, an error notify or a liveness check (RFC 7296 §1.4, §2.21.2).
    case initiatorInformational
    /// An IKEv2 request (RFC 7296: every request is answered): its sender waits for the answer.
    case request
    /// A bare TCP acknowledgment: the bytes arrived; it says nothing of what the receiver made of them.
    case acknowledgment
}
