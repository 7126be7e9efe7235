import Decoding

/// IKEv2 fragments (RFC 7383) put back together after decryption: each SKF payload is encrypted
/// and authenticated on its own, and the message is the decrypted fragments' plaintexts in
/// fragment-number order. Fragment 1's next-payload field names the message's first payload.
struct IKEv2Fragments {
    struct Key: Hashable {
        var initiatorSPI: UInt64, responderSPI: UInt64, messageID: UInt32, fromInitiator: Bool, isResponse: Bool
    }
    struct Pending {
        var total: UInt16
        var first: IKEv2PayloadType?
        var parts: [UInt16: [UInt8]] = [:]
    }
    /// Messages still missing fragments; bounded (a capture that never completes one must not grow).
    var pending: [Key: Pending] = [:]
    static let maxPending = 256

    /// Adds one decrypted fragment; the whole message's plaintext and first payload type once
    /// every fragment is in (a repeated fragment replaces the earlier copy).
    mutating func add(_ m: IKEv2Message, plaintext: [UInt8]) -> (plaintext: [UInt8], first: IKEv2PayloadType)? {
        guard let f = m.fragment, let sk = m.encrypted, f.number >= 1, f.number <= f.total else { return nil }
        let key = Key(initiatorSPI: m.initiatorSPI, responderSPI: m.responderSPI, messageID: m.messageID,
                      fromInitiator: m.isInitiator, isResponse: m.isResponse)
        if self.pending[key] == nil, self.pending.count >= Self.maxPending { self.pending.removeAll() }
        var p = self.pending[key] ?? Pending(total: f.total)
        guard p.total == f.total else { return nil }
        p.parts[f.number] = plaintext
        if f.number == 1 { p.first = sk.nextPayload }
        guard p.parts.count == Int(p.total), let first = p.first else {
            self.pending[key] = p
            return nil
        }
        self.pending[key] = nil
        return ((1...p.total).flatMap { p.parts[$0] ?? [] }, first)
    }
}
