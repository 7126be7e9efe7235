import Decoding
import Diagnosis
import Reporting
import Sessions
import Testing
import TestSupport

/// Plain GRE (version 0, RFC 2784) is a tunnel of its own, not PPTP (GRE version 1 carrying PPP):
/// protocol `gre`, no PPTP or MS-CHAPv2 findings, a ladder of keepalives answered → GRE both ways,
/// and what it carries analysed as its own traffic. Real captures, and one synthetic wrapping of
/// real lab IKE/ESP (no public capture has IPsec inside GRE version 0).
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct PlainGRETests {
    /// zeek/gre-sample.pcap: a GRE version 0 tunnel carrying ICMP, DNS, NTP and SSH, no keepalives.
    /// It used to read "Connected: PPTP" with security.pptp-weak.
    @Test func aPlainGRETunnelIsGREAndNotPPTP() throws {
        let report = try CorpusTests.report("zeek/gre-sample.pcap")
        #expect(report.sessions.count == 1)
        let s = try #require(report.sessions.first)
        #expect(s.evidence.vpnProtocol == .gre && s.protocolLabel == "GRE")
        #expect(s.verdict == .connected)
        #expect(s.evidence.stage(.dataPlane)?.status == .ok)
        #expect(s.evidence.stage(.tunnelControl)?.status == .notSeen)
        #expect(s.evidence.greTunnel?.carries == ["IPv4", "DNS"])
        #expect(!report.findings.contains { $0.rule.rawValue.hasPrefix("pptp.") || $0.rule == "security.pptp-weak" })
    }

    /// tcpdump/various_gre.pcap (Cisco routers): the keepalives that come back are the empty GRE
    /// headers (protocol type 0) of frames 12, 17, 42, 47, 65, 71, 88 and 93 (tshark: "Possible GRE
    /// keepalive packet"). The requests there wrap them in Cisco MetaData (0x8909), which we do not
    /// decode, so they count as GRE carrying something.
    @Test func keepalivesComingBackAreRecognised() throws {
        let report = try CorpusTests.report("tcpdump/various_gre.pcap")
        let s = try #require(report.sessions.first { $0.evidence.vpnProtocol == .gre })
        #expect(s.evidence.greTunnel?.keepaliveReplies == [12, 17, 42, 47, 65, 71, 88, 93])
        #expect(s.evidence.stage(.tunnelControl)?.status == .ok)
    }

    /// PPTP stays PPTP: PcapPlusPlus/GrePackets.cap is TCP 1723 and GRE version 1 carrying PPP.
    @Test func pptpIsStillPPTP() throws {
        let report = try CorpusTests.report("PcapPlusPlus/GrePackets.cap")
        let s = try #require(report.sessions.first)
        #expect(s.evidence.vpnProtocol == .pptp && s.evidence.greTunnel == nil)
        #expect(s.evidence.gre.allSatisfy { $0.version == 1 })
    }

    /// Captures/synthetic-ikev2-in-gre.pcap: IPsec over GRE. The tunnel is one session (keepalives
    /// sent at frames 1 and 3, back at 2 and 4), the IKEv2 connection inside it another, connected.
    @Test func ipsecInsideGREIsASessionOfItsOwn() throws {
        let report = try CorpusTests.report(path: Corpus.capturePath("synthetic-ikev2-in-gre.pcap"), name: "synthetic-ikev2-in-gre.pcap")
        #expect(report.sessions.map(\.evidence.vpnProtocol) == [.gre, .ikev2])
        let tunnel = try #require(report.sessions.first).evidence
        #expect(tunnel.greTunnel?.keepaliveRequests == [1, 3] && tunnel.greTunnel?.keepaliveReplies == [2, 4])
        #expect(tunnel.greTunnel?.carries == ["IPv4", "IKE", "ESP"])
        let ipsec = try #require(report.sessions.last)
        #expect(ipsec.verdict == .connected && ipsec.evidence.ike.count == 1 && ipsec.evidence.esp.count == 2)
        #expect(report.exitCode == 0)
    }
}
