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
