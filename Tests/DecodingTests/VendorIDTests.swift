import Decoding
import Testing

/// Vendor IDs seen in the public corpus with the name tshark 4.0 gives them (`-e isakmp.vid_bytes
/// -e isakmp.vid_string` over every capture with ISAKMP). Every one tshark names, we know too.
@Suite struct VendorIDTests {
    static let namedByTshark: [(String, String)] = [
        ("09002689dfd6b712", "XAUTH"),
        ("12f5f28c457168a9702d9fe274cc0100", "CISCO-UNITY"),
        ("1e2b516905991c7d7c96fcbfb587e46100000003", "MS NT5 ISAKMPOAKLEY"),
        ("1e2b516905991c7d7c96fcbfb587e46100000008", "MS NT5 ISAKMPOAKLEY"),
        ("26244d38eddb61b3172a36e3d0cfb819", "Microsoft Vid-Initial-Contact"),
        ("27bab5dc01ea0760ea4e3190ac27c0d0", "draft-stenberg-ipsec-nat-traversal-01"),
        ("4048b7d56ebce88525e7de7f00d6c2d3", "Cisco Fragmentation"),
        ("4048b7d56ebce88525e7de7f00d6c2d3c0000000", "Cisco Fragmentation"),
        ("434953434f2d44454c4554452d524541534f4e", "Cisco Delete Reason Supported"),
        ("434953434f2d44594e414d49432d524f555445", "Cisco Dynamic Route Supported"),
        ("434953434f56504e2d5245562d3032", "Cisco VPN Revision 2"),
        ("439b59f8ba676c4c7737ae22eab8f582", "draft-ietf-ipsec-nat-t-ike-07"),
        ("4485152d18b6bbcd0be8a8469579ddcc", "draft-ietf-ipsec-nat-t-ike-00"),
        ("464c455856504e2d535550504f52544544", "Cisco FlexVPN Supported"),
        ("4a131c81070358455c5728f20e95452f", "RFC 3947 Negotiation of NAT-Traversal in the IKE"),
        ("6105c422e76847e43f9684801292aecd", "draft-stenberg-ipsec-nat-traversal-02"),
        ("699369228741c6d4ca094c93e242c9de19e7b7c60000000500000500", "Netscreen-6"),
        ("7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03"),
        ("8299031757a36082c6a621de00000000", "Fortigate (Fortinet)"),
        ("882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"),
        ("90cb80913ebb696e086381b5ec427b1f", "draft-ietf-ipsec-nat-t-ike-02\\n"),
        ("afcad71368a1f1c96b8696fc77570100", "RFC 3706 DPD (Dead Peer Detection)"),
        ("cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02"),
        ("fb1de3cdf341b7ea16b7e5be0855f120", "MS-Negotiation Discovery Capable"),
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { i in
            let s = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[s..<hex.index(s, offsetBy: 2)], radix: 16)!
        }
    }

    @Test(arguments: namedByTshark) func knownToUs(_ pair: (String, String)) throws {
        let vid = IKEVendorID(bytes: Self.bytes(pair.0))
        let known = try #require(vid.known, "tshark names \(pair.0) \"\(pair.1)\"")
        #expect(!known.name.isEmpty)
    }

    @Test func featuresAndVersions() {
        #expect(IKEVendorID(bytes: Self.bytes("4a131c81070358455c5728f20e95452f")).known?.feature == .natTraversalRFC3947)
        #expect(IKEVendorID(bytes: Self.bytes("afcad71368a1f1c96b8696fc77570100")).known?.feature == .deadPeerDetection)
        #expect(IKEVendorID(bytes: Self.bytes("4048b7d56ebce88525e7de7f00d6c2d380000000")).known?.feature == .ikeFragmentation)
        // The longer XAUTH draft ID wins over the 8-byte XAUTH prefix.
        #expect(IKEVendorID(bytes: Self.bytes("09002689dfd6b71280a224dec33b81e5")).known?.name == "draft-beaulieu-ike-xauth-02")
        #expect(IKEVendorID(bytes: Self.bytes("1e2b516905991c7d7c96fcbfb587e46100000003")).description
                == "MS NT5 ISAKMPOAKLEY (Windows XP SP1)")
        // Openswan/Libreswan: "OE" + 10 printable bytes (tcpdump/isakmp4500.pcap frame 3).
        #expect(IKEVendorID(bytes: Self.bytes("4f456b5262475852766d5045")).description == "Openswan/Libreswan (kRbGXRvmPE)")
        #expect(IKEVendorID(bytes: Self.bytes("4f45")).known == nil)
        #expect(IKEVendorID(bytes: [1, 2, 3]).known == nil)
        #expect(IKEVendorID(bytes: [1, 2, 3]).description == "unknown(010203)")
    }
}
