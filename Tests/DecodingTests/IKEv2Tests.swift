import Capture
import Decoding
import Testing
import TestSupport

@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct IKEv2Tests {
    static let redirect = "scapy/ikev2_notify_redirect.pcap"

    /// scapy/ikev2_notify_redirect.pcap frame 1: IKE_SA_INIT request. tshark: ENCR AES-GCM-16/256,
    /// PRF_HMAC_SHA2_256, D-H 28 (brainpool), KE group 28, NAT-D destination 509b01b4…, source
    /// 53120985…, IKEV2_FRAGMENTATION_SUPPORTED, REDIRECT_SUPPORTED, SIGNATURE_HASH_ALGORITHMS.
    @Test func saInitRequest() throws {
        let m = try #require(try CorpusFrame(Self.redirect, 1).packet.ikev2)
        #expect(m.exchangeType == .ikeSAInit)
        #expect(m.isInitiator && m.isRequest && m.messageID == 0)
        #expect(m.summary.hasPrefix("IKEv2 IKE_SA_INIT request (SA, KE, Ni, N(NAT_DETECTION_DESTINATION_IP)"))
        let proposal = try #require(m.securityAssociation?.proposals.first)
        #expect(proposal.protocolID == .ike)
        let encr = try #require(proposal.transforms(.encryption).first)
        #expect(encr.id.description == "AES_GCM_16" && encr.keyLength == 256)
        #expect(proposal.transforms(.prf).first?.id.description == "PRF_HMAC_SHA2_256")
        #expect(proposal.dhGroup?.rawValue == 28)
        #expect(m.keyExchange?.group.rawValue == 28)
        #expect(m.natDetectionHashes.destination.first?.hexString == "509b01b43dc28c9df849fd765c648a512959ac50")
        #expect(m.natDetectionHashes.source.first?.hexString == "53120985399e14cf2b79211f375b439bd03031ac")
        #expect(m.notifies.map(\.type).contains(.fragmentationSupported))
        #expect(m.notifies.map(\.type).contains(.redirectSupported))
        #expect(m.chosenProposal == nil)   // a request offers, it does not choose
    }

    /// Frame 2: the responder redirects to moneybin.duckburg.disney.com (RFC 5685).
    @Test func redirect() throws {
        let m = try #require(try CorpusFrame(Self.redirect, 2).packet.ikev2)
        #expect(m.isResponse && !m.isInitiator)
        #expect(m.summary == "IKEv2 IKE_SA_INIT response (N(REDIRECT))")
        let n = try #require(m.notifies.first)
        #expect(n.type == .redirect && !n.type.isError)
        #expect(n.redirectGateway == .name("moneybin.duckburg.disney.com"))
    }

    /// Frame 4: NO_PROPOSAL_CHOSEN, an error notify.
    @Test func noProposalChosen() throws {
        let m = try #require(try CorpusFrame(Self.redirect, 4).packet.ikev2)
        #expect(m.notifies.map(\.type) == [.noProposalChosen])
        #expect(m.notifies[0].type.isError)
    }

    /// tcpdump/ikev2-id-normal.pcap frame 1: an IDi of type IPV4_ADDR whose payload length is 9,
    /// so only 1 address byte is inside it. tshark prints 222.173.190.239, reading 3 bytes past the
    /// payload (its "Extra data"); RFC 7296 §3.2 bounds a payload by its length, so our typed view
    /// fails and the generic payload (type IDi, 1 byte of data) stays visible.
    @Test func identificationBoundedByPayloadLength() throws {
        let m = try #require(try CorpusFrame("tcpdump/ikev2-id-normal.pcap", 1).packet.ikev2)
        let p = try #require(m.payloads(.idInitiator).first)
        #expect(p.length == 9 && p.body == [1, 0, 0, 0, 222])
        #expect(m.identifications.isEmpty)
        #expect(throws: DecodeError.self) { try IKEv2Identification(p) }
    }

    /// scapy/ikev2_nat_t.pcapng: IKEv2 behind NAT; after IKE_SA_INIT the exchange moves to 4500
    /// (non-ESP marker) and IKE_AUTH is an SK payload whose next payload names the first inner one.
    @Test func encryptedOn4500() throws {
        let packets = try decodeFile(Corpus.publicPath("scapy/ikev2_nat_t.pcapng"))
        let auth = try #require(packets.compactMap(\.ikev2).first { $0.exchangeType == .ikeAuth && $0.isRequest })
        let sk = try #require(auth.encrypted)
        #expect(sk.type == .encrypted && sk.body.isEmpty && sk.length > 4)
        #expect(sk.nextPayload == .idInitiator)
        #expect(auth.summary.contains("SK(len=\(sk.length - 4), first=IDi)"))
        #expect(packets.contains { $0.udpEncapsulation?.kind == .nonESPMarker && $0.ikev2 != nil })
    }

    /// Every prefix of a real IKE_SA_INIT (frame 1 above) stops cleanly.
    @Test func everyPrefixStopsCleanly() throws {
        let f = try CorpusFrame(Self.redirect, 1)
        for p in f.prefixes() {
            #expect(p.layers.count <= f.packet.layers.count)
            if let stop = p.stop, stop.layer == .ikev2 { #expect(stop.reason == .truncated) }
        }
    }
}
