import Sessions

struct WireGuardCookieReply: SessionRule {
    static let id: RuleID = "wireguard.cookie-reply"
    static let title = "The WireGuard server answers with cookie replies: it is under load"
    static let severity = Severity.warning
    static let explanation = """
        Instead of a handshake response, the server sent a cookie reply (64 bytes): WireGuard does this when it \
        considers itself under load (many handshakes at once, a flood), and processes an initiation only once \
        it carries a MAC made with that cookie. The client retries with it; the handshake then takes one more \
        round trip. Repeated cookie replies mean the server stays overloaded or something floods it.
        """
    static let advice = [
        "Check the server's load and whether it is being flooded with handshake initiations (a capture on the server, its CPU).",
        "If the handshake then completes, nothing else is wrong; if not, see the other findings of this session.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let w = s.wireguard, !w.cookieReplyFrames.isEmpty else { return [] }
        let frames = w.cookieReplyFrames
        return [self.finding(s, stage: .handshake,
                             "A WireGuard peer answered \(Text.plural(frames.count, "handshake initiation")) with a cookie reply: it is under load.",
                             evidence: [Evidence("cookie replies (64 bytes) instead of handshake responses", frames: frames)])]
    }
}
