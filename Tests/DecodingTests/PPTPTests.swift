import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct PPTPTests {
    static let file = "PcapPlusPlus/GrePackets.cap"

    /// GrePackets.cap frames 6, 7: Start-Control-Connection Request and Reply.
    @Test func startControlConnection() throws {
        let rq = try #require(try corpusFrame(Self.file, 6).pptpMessages.first)
        #expect(rq.length == 156 && rq.controlType == .startControlConnectionRequest)
        #expect(rq.protocolVersion == 0x0100 && rq.hostName == "local" && rq.vendorName == "ixia")
        let rp = try #require(try corpusFrame(Self.file, 7).pptpMessages.first)
        #expect(rp.result?.rawValue == 1 && rp.result?.name == "Successful")
        #expect(rp.vendorName == "Cisco Systems, Inc.")
    }

    /// GrePackets.cap frames 9, 10: Outgoing-Call Request and Reply (call IDs).
    @Test func outgoingCall() throws {
        let rq = try #require(try corpusFrame(Self.file, 9).pptpMessages.first)
        #expect(rq.controlType == .outgoingCallRequest && rq.callID == 1)
        let rp = try #require(try corpusFrame(Self.file, 10).pptpMessages.first)
        #expect(rp.callID == 24 && rp.peerCallID == 1)
        #expect(rp.summary == "PPTP Outgoing-Call-Reply result=Connected call=24 peer=1")
    }

    /// nDPI/pptp.pcap frame 16: Call-Clear-Request; frame 23: Call-Disconnect-Notify; lulu frame 16:
    /// Set-Link-Info.
    @Test func callClearDisconnectAndSetLinkInfo() throws {
        let clear = try #require(try corpusFrame("nDPI/pptp.pcap", 16).pptpMessages.first)
        #expect(clear.controlType == .callClearRequest && clear.callID == 0)
        let cdn = try #require(try corpusFrame("nDPI/pptp.pcap", 23).pptpMessages.first)
        #expect(cdn.controlType == .callDisconnectNotify && cdn.length == 148 && cdn.result != nil)
        let sli = try #require(try corpusFrame("john-samples/lulu-password-pptp.pcap", 16).pptpMessages.first)
        #expect(sli.controlType == .setLinkInfo && sli.peerCallID == 256 && sli.sendACCM != nil)
    }

    /// GrePackets.cap frame 6 with its magic cookie broken: the per-frame decoder does not take it
    /// for a PPTP message (it is no message boundary) and says so.
    @Test func badMagicCookieIsNotAMessage() throws {
        let file = try PcapFile(path: Corpus.publicPath(Self.file))
        for _ in 0..<5 { _ = try file.next() }
        let frame = try #require(try file.next())
        var bytes = Array(frame.bytes)
        let tcp = try #require(Dissector().decode(frame).tcp)
        bytes[tcp.payload.start + 4] = 0
        let p = decodeBytes(bytes)
        #expect(p.pptpMessages.isEmpty)
        #expect(p.stop?.reason == .fragment && p.stop?.layer == .pptp)
    }
}
