import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct L2TPTests {
    static let file = "jnetpcap/test-l2tp.pcap"

    /// test-l2tp.pcap frame 1: a data message carrying PPP/IPv4.
    @Test func dataMessageCarriesPPP() throws {
        let p = try corpusFrame(Self.file, 1)
        let h = try #require(p.l2tp)
        #expect(!h.isControl && h.version == 2)
        #expect(h.tunnelID == 56152 && h.sessionID == 24)
        #expect(p.ppp?.protocolNumber == .ipv4)
        #expect(p.kinds == [.ethernet, .ipv4, .udp, .l2tp, .ppp, .ipv4, .icmp])
    }

    /// Frame 41: CDN with Result Code (3, administrative) and Assigned Session ID; frame 42: ZLB ack;
    /// frame 43: StopCCN result 6; frame 45: SCCRQ with host name.
    @Test func controlMessages() throws {
        let cdn = try #require(try corpusFrame(Self.file, 41).l2tpControl)
        #expect(cdn.messageType == .cdn && cdn.result?.result == 3 && cdn.result?.resultName == "Administrative reasons")
        #expect(cdn.assignedSessionID == 1)
        let zlb = try corpusFrame(Self.file, 42)
        #expect(zlb.l2tp?.isZLB == true && zlb.l2tpControl?.avps.isEmpty == true)
        #expect(zlb.l2tp?.ns == 2 && zlb.l2tp?.nr == 5)
        let stop = try #require(try corpusFrame(Self.file, 43).l2tpControl)
        #expect(stop.messageType == .stopCCN && stop.result?.result == 6)
        let sccrq = try #require(try corpusFrame(Self.file, 45).l2tpControl)
        #expect(sccrq.messageType == .sccrq && sccrq.hostName == "albatross.dev.hsd.com.au")
        #expect(sccrq.assignedTunnelID == 2 && sccrq.protocolVersion == 0x0100)
        #expect(sccrq.summary.hasPrefix("L2TP SCCRQ tunnel=0 Ns=0 Nr=0"))
    }

    /// xdp2/l2tp.pcap frame 2: L2TPv3 over IP (protocol 115) data: session ID, then a cookie whose
    /// length is configured, so decoding stops.
    @Test func l2tpv3OverIP() throws {
        let p = try corpusFrame("xdp2/l2tp.pcap", 2)
        let h = try #require(p.l2tp)
        #expect(h.transport == .ip && h.sessionID == 0x9652 && h.version == 3)
        #expect(p.stop?.reason == .unsupported && p.stop?.layer == .l2tp)
    }

    /// tcpdump's l2tp-avp-overflow.pcap: no crash, AVP lengths checked.
    @Test func avpOverflowStopsCleanly() throws {
        for p in try decodeFile(Corpus.publicPath("tcpdump-malformed/l2tp-avp-overflow.pcap")) {
            if let stop = p.stop { #expect(stop.reason != .unsupported || stop.layer != .l2tp) }
            #expect(p.layers.count <= DecodeLimits.standard.maxLayers)
        }
    }

    /// An AVP whose length is below 6 is rejected (real SCCRQ, frame 45, with its first AVP length
    /// set to 5).
    @Test func avpLengthBelowHeaderIsMalformed() throws {
        let file = try PcapFile(path: Corpus.publicPath(Self.file))
        for _ in 0..<44 { _ = try file.next() }
        let frame = try #require(try file.next())
        var bytes = Array(frame.bytes)
        let l2tp = try #require(Dissector().decode(frame).l2tp)
        bytes[l2tp.payload.start + 1] = 5
        let p = decodeBytes(bytes)
        #expect(p.stop?.error?.code == .lengthFieldTooSmall && p.stop?.layer == .l2tp)
    }
}
