import Decoding

/// PPTP, GRE, L2TP, PPP control and DNS layers as facts.
extension Classifier {
    /// The fact for the tunnel or application layer at `index` (looking further for what it carries).
    static func tunnelKind(_ layers: [DecodedLayer], at index: Int) -> FactKind? {
        switch layers[index] {
        case .gre(let g):
            var gre = GREFact(version: g.version, callID: g.callID ?? UInt16(truncatingIfNeeded: g.key ?? 0),
                              sequence: g.sequence, acknowledgment: g.acknowledgment, protocolType: g.protocolType.rawValue,
                              keepalive: self.keepalive(layers, at: index))
            gre.carriesUserData = g.version == 1 && self.carriesUserData(layers, after: index)
            if let control = self.pppControl(layers, after: index) { return .pppControl(control, over: .gre(gre)) }
            return .gre(gre)
        case .l2tp(let h):
            let tunnel = UInt16(truncatingIfNeeded: h.tunnelID), session = UInt16(truncatingIfNeeded: h.sessionID)
            guard h.isControl else {
                if let control = self.pppControl(layers, after: index) {
                    return .pppControl(control, over: .l2tp(tunnel: tunnel, session: session))
                }
                return .l2tpData(tunnel: tunnel, session: session, userData: self.carriesUserData(layers, after: index))
            }
            var c: L2TPControl?
            if index + 1 < layers.count, case .l2tpControl(let control) = layers[index + 1] { c = control }
            return .l2tpControl(L2TPControlFact(
                tunnelID: tunnel, sessionID: session, ns: h.ns ?? 0, nr: h.nr ?? 0, messageType: c?.messageType,
                assignedTunnelID: c?.assignedTunnelID, assignedSessionID: c?.assignedSessionID, resultCode: c?.result?.result,
                errorCode: c?.result?.error, resultText: c?.result?.description))
        case .pptp:
            let messages = layers[index...].compactMap { layer -> PPTPMessageFact? in
                guard case .pptp(let p) = layer else { return nil }
                return self.fact(p)
            }
            return .pptp(messages)
        case .openvpn:
            return .openvpn(layers[index...].compactMap { if case .openvpn(let p) = $0 { OpenVPNPacketFact(p) } else { nil } })
        case .pppControl(let c):
            return .pppControl(self.fact(c), over: .direct)
        case .wireguard(let w):
            return .wireguard(WireGuardFact(w))
        case .dtls(let d):
            return .dtls(version: d.version)
        case .tls(let s):
            return .tls(s)
        case .dns(let d):
            let question = d.questions.first
            return .dns(DNSFact(id: d.id, isResponse: d.isResponse, rcode: d.rcode.rawValue, queryName: question?.name ?? "",
                                queryType: question?.type.rawValue ?? 0,
                                answers: d.answers.compactMap { if case .address(let a) = $0.data { a } else { nil } }))
        default:
            return nil
        }
    }

    /// A plain GRE keepalive (Cisco's, the de-facto format; RFC 2784 defines none): the sender wraps
    /// a GRE header with protocol type 0 and nothing after it in an IP packet addressed back to
    /// itself, and sends that inside GRE to the peer, which decapsulates it and routes it home. The
    /// request is GRE → IP (peer → sender) → empty GRE; the reply is the empty GRE itself.
    static func keepalive(_ layers: [DecodedLayer], at index: Int) -> GREFact.Keepalive? {
        guard case .gre(let g) = layers[index], g.version == 0 else { return nil }
        if g.protocolType.rawValue == 0, g.payload.count == 0 { return .reply }
        guard index > 0, index + 2 < layers.count, let outer = layers[index - 1].addresses,
              let inner = layers[index + 1].addresses, inner.source == outer.destination, inner.destination == outer.source,
              case .gre(let carried) = layers[index + 2], carried.version == 0, carried.protocolType.rawValue == 0,
              carried.payload.count == 0 else { return nil }
        return .request
    }

    /// The PPP control packet carried after `index` (GRE or L2TP → PPP framing → control), if any.
    static func pppControl(_ layers: [DecodedLayer], after index: Int) -> PPPControlFact? {
        var i = index + 1
        while i < layers.count {
            switch layers[i] {
            case .pppControl(let c): return self.fact(c)
            case .ipv4, .ipv6: return nil
            default: i += 1
            }
        }
        return nil
    }

    /// Whether the PPP frame after `index` carries user data: IPv4, IPv6, or a compressed/encrypted
    /// datagram (CCP/MPPE, RFC 1962 protocol 0x00FD).
    static func carriesUserData(_ layers: [DecodedLayer], after index: Int) -> Bool {
        for i in layers.indices where i > index {
            // A switch, not an array's `contains`: no allocation per frame (AnalyzerAllocationTests).
            if case .ppp(let f) = layers[i] {
                switch f.protocolNumber {
                case .ipv4, .ipv6, .compressedDatagram: return true
                default: return false
                }
            }
        }
        return false
    }

    /// A PPTP control message as a fact (decoded per frame, or from the reassembled stream).
    static func fact(_ p: PPTP) -> PPTPMessageFact {
        PPTPMessageFact(p.controlType, callID: p.callID, peerCallID: p.peerCallID, resultCode: p.result?.rawValue,
                        errorCode: p.errorCode?.rawValue)
    }

    static func fact(_ c: PPPControl) -> PPPControlFact {
        var fact = PPPControlFact(c.protocolNumber, code: c.code, identifier: c.identifier)
        switch c.message {
        case .configure(let p):
            if let auth = p.options.lazy.compactMap(\.authProtocol).first {
                fact.authProtocol = auth.protocolNumber
                fact.chapAlgorithm = auth.algorithm?.rawValue
            }
        case .pap(let p): fact.message = p.message
        case .chap(let p):
            fact.message = p.message
            fact.msChapError = p.msCHAP?.errorCode
        case .eap: break
        }
        return fact
    }
}
