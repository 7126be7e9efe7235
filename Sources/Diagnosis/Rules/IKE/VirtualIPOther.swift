import Sessions

/// Only decryption shows it (issue 16): the CFG_REQUEST and CFG_REPLY travel inside SK.
struct VirtualIPOther: SessionRule {
    static let id: RuleID = "ike.virtual-ip-other"
    static let title = "The client got another virtual IP than it asked for (decrypted)"
    static let severity = Severity.warning
    static let explanation = """
        The client asked for one fixed virtual IP (IKEv2 CFG_REQUEST with an INTERNAL_IP4_ADDRESS or \
        INTERNAL_IP6_ADDRESS value) and the server's CFG_REPLY gave it another address: the one asked for \
        is not in the server's pool (or is taken). The tunnel works, but routes, firewall rules or \
        traffic selectors written for the requested address do not match. Read from payloads decrypted \
        with the keys given (--keys).
        """
    static let advice = [
        "Either put the requested address into the server's pool (strongSwan pools, rightsourceip) or let the client ask for any address (vips = 0.0.0.0, leftsourceip=%config).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let reply = s.ikeMessages(where: {
                  $0.retransmissionOf == nil && !$0.fromInitiator && $0.configuration?.isRequest == false && !($0.configuration?.specific.isEmpty ?? true)
              }).first,
              let request = s.ikeMessages(where: { $0.retransmissionOf == nil }).last(where: { $0.frame < reply.frame && $0.fromInitiator && $0.messageID == reply.messageID }),
              let asked = request.configuration?.specific, !asked.isEmpty,
              let given = reply.configuration?.specific, Set(given).isDisjoint(with: asked) else { return [] }
        return [self.finding(s, stage: .childSA,
                             "The client asked for virtual IP \(asked.joined(separator: ", ")) and was given \(given.joined(separator: ", ")).",
                             evidence: [Evidence("the client's CFG_REQUEST asked for \(asked.joined(separator: ", "))", frames: [request.frame], time: request.time),
                                        Evidence("the server's CFG_REPLY assigned \(given.joined(separator: ", "))", frames: [reply.frame], time: reply.time)])]
    }
}
