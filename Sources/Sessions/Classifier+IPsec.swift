import Decoding

/// IPsec layers (IKEv1, IKEv2, ESP, AH, RFC 3948 demux) as facts.
extension Classifier {
    /// The VPN meaning of the first IPsec layer after the outer IP header, if any.
    static func ipsecKind(_ layer: DecodedLayer, udpEncapsulated: Bool) -> FactKind? {
        switch layer {
        case .esp(let h): return .esp(ESPFact(spi: h.spi, sequence: h.sequence, udpEncapsulated: udpEncapsulated))
        case .ah(let h): return .ah(spi: h.spi, sequence: h.sequence)
        case .udpEncapsulation(let h): return h.kind == .natKeepalive ? .natKeepalive : nil
        case .tcpEncapsulation: return .ikeTCP
        case .isakmp(let m): return .ike(self.fact(m))
        case .ikev2(let m): return .ike(self.fact(m))
        default: return nil
        }
    }

    static func fact(_ m: IKEv1Message) -> IKEMessageFact {
        let proposals = m.securityAssociations.flatMap(\.proposals).filter { $0.protocolID == .isakmp }
            .flatMap(\.transforms).map { t in
                var algorithms: [IKEAlgorithm] = []
                if let e = t.encryption { algorithms.append(IKEAlgorithm(.encryption, e.rawValue, keyLength: t.keyLength.map { UInt16($0) })) }
                if let h = t.hash { algorithms.append(IKEAlgorithm(.hash, h.rawValue)) }
                if let a = t.authMethod { algorithms.append(IKEAlgorithm(.authMethod, a.rawValue)) }
                if let g = t.group { algorithms.append(IKEAlgorithm(.dhGroup, g.rawValue)) }
                return IKEProposalFact(protocolID: 1, algorithms: algorithms)
            }
        var fact = IKEMessageFact(
            version: 1, exchange: IKEExchange(rawValue: m.exchangeType.rawValue), initiatorSPI: m.initiatorCookie,
            responderSPI: m.responderCookie, messageID: m.messageID, fromInitiator: nil, isResponse: false,
            encrypted: m.isEncrypted, length: m.length, payloadTypes: m.payloadTypes.map(\.rawValue),
            notifies: m.notifies.map { IKENotifyFact(IKENotifyType(rawValue: $0.type.rawValue), data: Array($0.data.prefix(64))) },
            natDHashes: m.natDetectionHashes, vendorIDs: m.vendorIDs.map(\.bytes), proposals: proposals,
            fragment: m.fragment.map { IKEFragmentInfo(number: Int($0.number), total: $0.isLast ? Int($0.number) : 0) })
        // Phase 1 (Main, Aggressive Mode) identities; Quick Mode's ID payloads are selectors.
        if [2, 4].contains(m.exchangeType.rawValue) { fact.identities = m.identifications.map { "ID \($0.identity)" } }
        return fact
    }

    static func fact(_ m: IKEv2Message) -> IKEMessageFact {
        let proposals = (m.securityAssociation?.proposals ?? []).filter { $0.protocolID == .ike }.map { p in
            IKEProposalFact(protocolID: 1, algorithms: p.transforms.compactMap { t in
                let kind: IKEAlgorithm.Kind
                switch t.id.type {
                case .encryption: kind = .encryption
                case .prf: kind = .prf
                case .integrity: kind = .integrity
                case .dhGroup: kind = .dhGroup
                default: return nil
                }
                return IKEAlgorithm(kind, t.id.rawValue, keyLength: t.keyLength.map { UInt16($0) })
            })
        }
        var fact = IKEMessageFact(
            version: 2, exchange: IKEExchange(rawValue: m.exchangeType.rawValue), initiatorSPI: m.initiatorSPI,
            responderSPI: m.responderSPI, messageID: m.messageID, fromInitiator: m.isInitiator, isResponse: m.isResponse,
            encrypted: m.encrypted != nil, length: m.length, payloadTypes: m.payloadTypes.map(\.rawValue),
            notifies: m.notifies.map { IKENotifyFact(IKENotifyType(rawValue: $0.type.rawValue), data: Array($0.data.prefix(64))) },
            vendorIDs: m.vendorIDs.map(\.bytes), proposals: proposals, keGroup: m.keyExchange?.group.rawValue,
            fragment: m.fragment.map { IKEFragmentInfo(number: Int($0.number), total: Int($0.total)) })
        fact.trafficSelectors = m.trafficSelectors.map(Self.describe)
        fact.identities = m.identifications.map { ($0.isInitiator ? "IDi " : "IDr ") + "\($0.identity)" }
        fact.configuration = m.configuration.map { cp in
            // INTERNAL_IP4_ADDRESS (1): 4 bytes; INTERNAL_IP6_ADDRESS (8): 16 bytes and a prefix
            // length; either may be empty in a request (any address).
            IKEConfigFact(type: cp.type.rawValue, addresses: cp.attributes.compactMap { a in
                let word = { (r: Range<Int>) in a.value[r].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
                switch (a.type.rawValue, a.value.count) {
                case (1, 0), (8, 0): return ""
                case (1, 4): return "\(IPAddress.v4(UInt32(word(0..<4))))"
                case (8, 17): return "\(IPAddress.v6(word(0..<8), word(8..<16)))"
                default: return nil
                }
            })
        }
        return fact
    }

    /// "TSi 10.99.10.1/32", "TSr 10.0.0.0-10.0.255.255 udp/1701".
    static func describe(_ ts: IKEv2TrafficSelectors) -> String {
        let ranges = ts.selectors.map { s -> String in
            var text = s.startAddress == s.endAddress ? "\(s.startAddress.map { "\($0)" } ?? "?")/\(s.startAddress?.isV4 == false ? 128 : 32)"
                                                     : "\(s.startAddress.map { "\($0)" } ?? "?")-\(s.endAddress.map { "\($0)" } ?? "?")"
            if s.ipProtocol != 0 {
                text += " proto \(s.ipProtocol)" + (s.startPort == 0 && s.endPort == 65535 ? "" : s.startPort == s.endPort ? "/\(s.startPort)" : "/\(s.startPort)-\(s.endPort)")
            }
            return text
        }
        return (ts.isInitiator ? "TSi " : "TSr ") + ranges.joined(separator: ", ")
    }
}
