import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct PPPTests {
    static let lulu = "john-samples/lulu-password-pptp.pcap"

    /// lulu-password-pptp.pcap frame 15: LCP Configure-Request asking for MS-CHAPv2.
    @Test func lcpConfigureRequestOptions() throws {
        let p = try corpusFrame(Self.lulu, 15)
        #expect(p.ppp?.protocolNumber == .lcp)
        #expect(p.ppp?.addressControlPresent == true)
        let c = try #require(p.pppControl)
        guard case .configure(let lcp) = c.message else { Issue.record("not LCP"); return }
        #expect(lcp.code == .configureRequest)
        #expect(c.identifier == 1)
        #expect(lcp.options.map(\.type) == [2, 3, 5, 7, 8])
        let auth = try #require(lcp.options.compactMap(\.authProtocol).first)
        #expect(auth.protocolNumber == .chap && auth.algorithm == .msCHAPv2)
        #expect(lcp.options.compactMap(\.magicNumber) == [0xAA47_1106])
        #expect(c.summary == "LCP Configure-Request id=1 (ACCM=0x00000000, Auth=CHAP/MS-CHAPv2, Magic=0xaa471106, PFC, ACFC)")
    }

    /// lulu frame 17: MRU 1400; frame 39: Protocol-Reject of IPV6CP; frame 27: Echo-Request.
    @Test func lcpMRUProtocolRejectAndEcho() throws {
        let mru = try #require(try corpusFrame(Self.lulu, 17).pppControl)
        guard case .configure(let req) = mru.message else { Issue.record("not LCP"); return }
        #expect(req.options.compactMap(\.mru) == [1400])
        let reject = try #require(try corpusFrame(Self.lulu, 39).pppControl)
        guard case .configure(let rej) = reject.message else { Issue.record("not LCP"); return }
        #expect(rej.code == .protocolReject && rej.rejectedProtocol == .ipv6cp)
        let echo = try #require(try corpusFrame(Self.lulu, 27).pppControl)
        guard case .configure(let e) = echo.message else { Issue.record("not LCP"); return }
        #expect(e.code == .echoRequest && e.magicNumber == 0xAA47_1106)
    }

    /// lulu frames 28, 35, 36: MS-CHAPv2 Challenge, Response (49-byte value), Success (`S=… M=…`).
    @Test func msCHAPv2Exchange() throws {
        guard case .chap(let challenge) = try #require(try corpusFrame(Self.lulu, 28).pppControl).message,
              case .chap(let response) = try #require(try corpusFrame(Self.lulu, 35).pppControl).message,
              case .chap(let success) = try #require(try corpusFrame(Self.lulu, 36).pppControl).message
        else { Issue.record("not CHAP"); return }
        #expect(challenge.code == .challenge && challenge.value?.count == 16 && challenge.name == "pptpd")
        #expect(response.code == .response && response.value?.count == 49 && response.name == "lulu")
        #expect(success.code == .success)
        #expect(success.msCHAP?.authenticatorResponse?.count == 40)
        #expect(success.msCHAP?.text == "Access granted")
        #expect(success.msCHAP?.isVersion2 == true)
    }

    /// No capture in the corpus has an MS-CHAPv2 Failure: synthetic packet (CHAP code 4, id 1)
    /// carrying the RFC 2759 §6 example message.
    @Test func msCHAPv2FailureIsParsed() throws {
        let message = Array("E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failed".utf8)
        let body: [UInt8] = [4, 1, 0, UInt8(4 + message.count)] + message
        let frame: [UInt8] = [0xFF, 0x03, 0xC2, 0x23] + body
        let p = decodeBytes(frame, linkType: .ppp)
        let c = try #require(p.pppControl)
        guard case .chap(let chap) = c.message else { Issue.record("not CHAP"); return }
        let ms = try #require(chap.msCHAP)
        #expect(ms.errorCode == 691 && ms.retry == false && ms.version == 3)
        #expect(ms.challenge == "00112233445566778899AABBCCDDEEFF")
        #expect(ms.text == "Authentication failed")
        #expect(c.summary == "MS-CHAPv2 Failure E=691 R=0 \"Authentication failed\"")
    }

    /// PcapPlusPlus/GrePackets.cap frames 17, 18: PAP request with peer id, ack; frame 22: IPCP Nak.
    @Test func papAndIPCP() throws {
        let file = "PcapPlusPlus/GrePackets.cap"
        guard case .pap(let req) = try #require(try corpusFrame(file, 17).pppControl).message,
              case .pap(let ack) = try #require(try corpusFrame(file, 18).pppControl).message,
              case .configure(let nak) = try #require(try corpusFrame(file, 22).pppControl).message
        else { Issue.record("wrong types"); return }
        #expect(req.code == .authenticateRequest && req.peerID == "ixia" && req.passwordLength != nil)
        #expect(ack.code == .authenticateAck)
        #expect(nak.protocolNumber == .ipcp && nak.code == .configureNak)
        #expect(nak.options.compactMap(\.ipAddress) == [IPAddress("17.1.1.122")!])
    }

    /// lulu frames 37, 38: CCP (MPPE option 18) and IPV6CP interface identifier.
    @Test func ccpAndIPV6CP() throws {
        guard case .configure(let ccp) = try #require(try corpusFrame(Self.lulu, 37).pppControl).message,
              case .configure(let v6) = try #require(try corpusFrame(Self.lulu, 38).pppControl).message
        else { Issue.record("wrong types"); return }
        #expect(ccp.protocolNumber == .ccp && ccp.options.first?.name == "MPPE/MPPC")
        #expect(v6.options.compactMap(\.interfaceIdentifier) == [0xDC15_159B_5957_C96D])
    }

    /// No EAP over PPP in the corpus: synthetic EAP Response/Identity "alice" (RFC 3748 §5.1).
    @Test func eapIdentity() throws {
        let frame: [UInt8] = [0xFF, 0x03, 0xC2, 0x27, 2, 7, 0, 10, 1] + Array("alice".utf8)
        let c = try #require(decodeBytes(frame, linkType: .ppp).pppControl)
        guard case .eap(let eap) = c.message else { Issue.record("not EAP"); return }
        #expect(eap.code == .response && eap.type == .identity && eap.identity == "alice")
    }

    /// tcpdump's malformed PPP captures stop cleanly (no crash, a named stop).
    @Test(arguments: ["tcpdump-malformed/ppp-invalid-lengths.pcap", "tcpdump-malformed/mlppp-oobr.pcap",
                      "tcpdump-malformed/ppp_ip_udp_dns.pcap"])
    func malformedStopsCleanly(_ file: String) throws {
        for p in try decodeFile(Corpus.publicPath(file)) {
            let stop = try #require(p.stop)
            #expect([.malformed, .limit, .unsupported, .truncated].contains(stop.reason))
        }
    }
}
