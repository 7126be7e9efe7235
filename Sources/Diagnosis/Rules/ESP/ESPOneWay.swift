import Sessions

struct ESPOneWay: SessionRule {
    static let id: RuleID = "esp.one-way"
    static let title = "ESP flows in one direction only"
    static let severity = Severity.error
    static let explanation = """
        ESP packets go one way and nothing comes back. ESP is one-way per SPI and carries no ports, so \
        stateful firewalls and NAT devices cannot pair the directions and often drop the return path; other \
        causes are the far side not knowing the SA (it was deleted or rekeyed), a traffic-selector mismatch, \
        or routing of the return traffic outside the tunnel.
        """
    static let advice = [
        "Allow ESP (IP protocol 50) — or UDP 4500 with NAT-T — in the missing direction on every firewall between the peers.",
        "On the silent peer, check that it receives the ESP (capture there) and has the SA (`ip xfrm state`, `swanctl --list-sas`).",
        "Check the return route and the traffic selectors on the silent peer.",
    ]

    func evaluate(_ s: Session, in a: Analysis) -> [Finding] {
        guard !s.oneSidedCapture, !s.esp.isEmpty, s.espFromClient.isEmpty != s.espFromServer.isEmpty else { return [] }
        let streams = s.espFromClient.isEmpty ? s.espFromServer : s.espFromClient
        let from = s.espFromClient.isEmpty ? "server" : "client"
        let to = s.espFromClient.isEmpty ? "client" : "server"
        let packets = streams.reduce(0) { $0 + $1.traffic.packets }
        let name = streams.allSatisfy(\.isAH) ? "AH" : "ESP"
        return [self.finding(s, stage: .dataPlane, "\(name) flows only \(from) → \(to) (\(Text.plural(packets, "packet"))); nothing comes back.",
                             evidence: streams.map { Evidence("SPI \($0.spiHex) \($0.source) → \($0.destination): \(Text.plural($0.traffic.packets, "packet"))\($0.udpEncapsulated ? " (UDP 4500)" : "")",
                                                              frames: [$0.traffic.firstFrame, $0.traffic.lastFrame].compactMap { $0 }, time: $0.traffic.start) }
                                 + [Evidence("no \(name) \(to) → \(from)")])]
    }
}
