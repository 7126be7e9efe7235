import Decoding
import Diagnosis
import Sessions
import Testing

@Suite struct IKEPortUnreachableTests {
    @Test func icmpPortUnreachableQuotingUDP500() {
        var s = Scenario()
        s.saInit(response: false)
        s.add(.server, proto: .icmp, length: 56,
              .icmpError(ICMPErrorFact(type: 3, code: 3, quotedSource: s.client, quotedDestination: s.server, quotedProtocol: .udp,
                                       quotedSourcePort: 500, quotedDestinationPort: 500)))
        let f = s.findings("ike.port-unreachable")
        #expect(f.count == 1)
        #expect(f[0].frames.contains(2))
        #expect(s.findings("ike.no-response").isEmpty)
        #expect(s.analysis().sessions[0].icmpErrors[0].quotedWhat == "IKE (UDP 500)")
    }
}

@Suite struct ICMPUnreachableTests {
    /// A router refuses GRE (protocol 47) after the PPTP control channel came up: PPTP's tunnel
    /// transport (GRE both ways) is the stage it broke.
    @Test func greAdministrativelyProhibited() {
        var s = Scenario()
        s.pptpControl()
        s.gre(.client, count: 2)
        s.add(.server, proto: .icmp, length: 56,
              .icmpError(ICMPErrorFact(type: 3, code: 13, quotedSource: s.client, quotedDestination: s.server, quotedProtocol: .gre)))
        s.facts[s.facts.count - 1].source = IPAddress("198.51.100.1")!
        let a = s.analysis()
        #expect(a.sessions[0].icmpErrors.first?.stage == .tunnelTransport)
        let f = s.findings("icmp.unreachable")
        #expect(f.count == 1 && f[0].severity == .error && f[0].stage == .tunnelTransport)
        #expect(f[0].summary.contains("Router 198.51.100.1") && f[0].summary.contains("GRE") && f[0].summary.contains("administratively prohibited"))
    }
}
