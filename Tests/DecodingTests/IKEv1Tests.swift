import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct IKEv1Tests {
    /// zeek-spicy-ipsec/ipsec-ikev1-isakmp-aggressive-mode.pcap frame 1: Aggressive Mode from the
    /// initiator (SA, VID×4, KE, NONCE, ID, VID×3). tshark: AES-CBC/128, SHA, group 2, PSK, 86400 s,
    /// ID IPV4_ADDR 192.168.12.2 (UDP).
    @Test func aggressiveModeProposalAndID() throws {
        let m = try #require(try CorpusFrame("zeek-spicy-ipsec/ipsec-ikev1-isakmp-aggressive-mode.pcap", 1).packet.isakmp)
        #expect(m.exchangeType == .aggressive)
        #expect(m.majorVersion == 1 && m.minorVersion == 0)
        #expect(m.isFromInitiatorOfNewSA)
        #expect(m.summary == "IKEv1 Aggressive Mode (SA, VID×4, KE, NONCE, ID, VID×3) I→R")
        let sa = try #require(m.securityAssociations.first)
        #expect(sa.doi == 1)
        let t = try #require(sa.proposals.first?.transforms.first)
        #expect(sa.proposals.first?.protocolID == .isakmp)
        #expect(t.transformID.description == "KEY_IKE")
        #expect(t.encryption?.description == "AES-CBC")
        #expect(t.keyLength == 128)
        #expect(t.hash?.description == "SHA")
        #expect(t.group == .modp1024)
        #expect(t.authMethod == .preSharedKey)
        #expect(t.lifetimeSeconds == 86400)
        let id = try #require(m.identifications.first)
        #expect(id.type == .ipv4Address && id.protocolID == 17)
        #expect(id.identity == .address(IPAddress("192.168.12.2")!))
        #expect(m.keyExchangeLength == 128)
    }

    /// tcpdump/isakmp4500.pcap: Main Mode on 500 (frames 3–6, NAT-D in 5 and 6), then on 4500
    /// behind the non-ESP marker and encrypted (frame 7).
    @Test func mainModeNATDiscoveryAndEncryptedOn4500() throws {
        let m3 = try #require(try CorpusFrame("tcpdump/isakmp4500.pcap", 3).packet.isakmp)
        #expect(m3.exchangeType == .identityProtection)
        #expect(m3.vendorIDs.count == 6)
        #expect(m3.vendorIDs.contains { $0.known?.feature == .natTraversalRFC3947 })
        #expect(m3.vendorIDs.contains { $0.known?.feature == .deadPeerDetection })

        let m5 = try #require(try CorpusFrame("tcpdump/isakmp4500.pcap", 5).packet.isakmp)
        #expect(m5.summary == "IKEv1 Main Mode (KE, NONCE, NAT-D×2)")
        #expect(m5.natDetectionHashes.count == 2)
        // tshark: HASH of the address and port 6efe12f0… (16 bytes: MD5 was negotiated).
        #expect(m5.natDetectionHashes.allSatisfy { $0.count == 16 })
        #expect(m5.natDetectionHashes.first?.hexString == "6efe12f04af90dfbcfb15d71b841bb9e")

        let p7 = try CorpusFrame("tcpdump/isakmp4500.pcap", 7).packet
        #expect(p7.udpEncapsulation?.kind == .nonESPMarker)
        let m7 = try #require(p7.isakmp)
        #expect(m7.isEncrypted && m7.payloads.isEmpty)
        #expect(m7.encryptedLength == 296)
        #expect(m7.nextPayload == .identification)
        #expect(m7.initiatorCookie == 0x9e89_f238_8f90_bc1e && m7.responderCookie == 0x0a74_357c_e3d1_a4bf)
        #expect(m7.summary == "IKEv1 Main Mode encrypted(len=296, first=ID)")
    }

    /// zeek-spicy-ipsec/ipsec-ikev1-isakmp-main-mode.pcap frame 1: the chain starts with SA and
    /// every payload's body is its length minus the 4-byte generic header.
    @Test func mainModePayloadOrder() throws {
        let m = try #require(try CorpusFrame("zeek-spicy-ipsec/ipsec-ikev1-isakmp-main-mode.pcap", 1).packet.isakmp)
        #expect(m.payloadTypes.first == .securityAssociation)
        #expect(m.payloads.allSatisfy { $0.length == $0.body.count + 4 })
        #expect(!m.securityAssociations.isEmpty)
    }

    /// Every prefix of a real Main Mode message (tcpdump/isakmp4500.pcap frame 5) stops cleanly:
    /// no trap, never more layers than the whole frame, and a cut inside IKE is a truncation.
    @Test func everyPrefixStopsCleanly() throws {
        let f = try CorpusFrame("tcpdump/isakmp4500.pcap", 5)
        for p in f.prefixes() {
            #expect(p.layers.count <= f.packet.layers.count)
            if let stop = p.stop, stop.layer == .isakmp { #expect(stop.reason == .truncated) }
        }
    }

    /// A payload length below 4 stops the chain (tcpdump CVE-2017-12990) and keeps the message:
    /// zeek-spicy-ipsec/ipsec-ikev1-payload-bad-length.pcap frame 1.
    @Test func payloadLengthBelowFourStopsChain() throws {
        let p = try CorpusFrame("zeek-spicy-ipsec/ipsec-ikev1-payload-bad-length.pcap", 1).packet
        let m = try #require(p.isakmp)
        #expect(m.chainError?.code == .lengthFieldTooSmall)
        #expect(p.stop?.reason == .malformed)
        #expect(m.summary.hasSuffix("[malformed]"))
    }

    /// The tcpdump/zeek crash and over-read captures decode without trapping and stop cleanly.
    @Test(arguments: Corpus.publicFiles().filter { $0.hasPrefix("tcpdump-malformed/") || $0.contains("ipsec-ikev1-zero-length") })
    func malformedCapturesStopCleanly(_ file: String) throws {
        // Frames before a damaged record are kept (the reader's error is the file's, not ours).
        let (packets, _) = TsharkIKETests.decodeAll(Corpus.publicPath(file))
        #expect(!packets.isEmpty, "\(file): no frame read")
        for (_, packet) in packets {
            if let stop = packet.stop { #expect(stop.detail != nil || stop.error != nil) }
            _ = packet.isakmp?.summary
            _ = packet.ikev2?.summary
        }
    }
}
