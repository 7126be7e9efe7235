import Sessions

struct ServerBehindNATWindows: SessionRule {
    static let id: RuleID = "nat.server-behind-nat-windows"
    static let title = "Windows client and a server behind NAT: Windows refuses NAT-T to it by default"
    static let severity = Severity.error
    static let lowerSeverities: [Severity] = [.warning]
    static let explanation = """
        The client is Windows (MS NT5 ISAKMPOAKLEY vendor ID) and the server is behind NAT. Since Windows \
        Vista (and XP SP2), Windows does not set up NAT-T security associations with a server behind NAT \
        unless told to, so L2TP/IPsec fails (typically error 809) although the server is reachable.
        """
    static let advice = [
        "On the Windows client create the DWORD value AssumeUDPEncapsulationContextOnSendRule = 2 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent (Windows XP: HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSec), then reboot.",
        "Command: reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent /v AssumeUDPEncapsulationContextOnSendRule /t REG_DWORD /d 0x2 /f",
        "Or give the server a public address (no NAT in front of it).",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard let nat = s.nat, nat.serverBehindNAT || nat.possiblyBehindNAT.contains(.server),
              let sa = s.ike.first(where: \.microsoftClient) else { return [] }
        let vid = sa.messages.first { $0.fromInitiator }
        let likely = nat.serverBehindNAT ? "" : "likely "
        var evidence = [Evidence("MS NT5 ISAKMPOAKLEY vendor ID from the client", frames: vid.map { [$0.frame] } ?? []),
                        Evidence(nat.serverBehindNAT ? "server behind NAT (NAT-D)" : "server likely behind NAT: its NAT-D hash matches no address seen here",
                                 frames: nat.frames)]
        if let stop = s.stage(.ikeAuth), stop.status == .failed, let detail = stop.detail {
            evidence.append(Evidence(detail, frames: stop.frames))
        }
        return [self.finding(s, stage: .ikeSAInit,
                             "Windows client to a server \(likely)behind NAT: Windows will not use NAT-T with it until AssumeUDPEncapsulationContextOnSendRule = 2 is set on the client.",
                             evidence: evidence, severity: s.outcome == .connected ? .warning : .error,
                             confidence: nat.serverBehindNAT ? nil : .medium)]
    }
}
