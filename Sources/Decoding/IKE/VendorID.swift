/// Vendor IDs of IKEv1 and IKEv2 implementations and features. Most are MD5 hashes of a string;
/// some carry a version after a fixed prefix (DPD, Cisco Unity, MS NT5 ISAKMPOAKLEY, Cisco
/// fragmentation), so matching is by longest prefix. Bytes cross-checked against tshark 4.0's
/// names on the public corpus (see VendorIDTests).
public struct KnownVendorID: Hashable, Sendable, Codable {
    public enum Feature: String, Sendable, Codable {
        case natTraversalRFC3947, natTraversalDraft, deadPeerDetection, xauth, ikeFragmentation
        case ciscoUnity, microsoft, strongSwan, openswan, other
    }

    public var name: String
    public var feature: Feature
    public var prefix: [UInt8]

    init(_ name: String, _ feature: Feature, _ hex: String) {
        self.name = name
        self.feature = feature
        self.prefix = Self.bytes(hex)
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            out.append(UInt8(Self.nibble(hi) << 4 | Self.nibble(lo)))
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8 { c >= 97 ? c - 87 : c >= 65 ? c - 55 : c - 48 }

    /// Windows release announced by the 4-byte version after MS NT5 ISAKMPOAKLEY (as listed by
    /// ike-scan and Wireshark; 8 and later are not documented by Microsoft).
    static let windowsVersions: [UInt32: String] = [
        2: "Windows 2000", 3: "Windows XP SP1", 4: "Windows Server 2003 / XP SP2", 5: "Windows Vista",
        6: "Windows Server 2008", 7: "Windows 7", 8: "Windows Server 2008 R2", 9: "Windows 8 or later",
    ]

    /// The name, with the version carried after the prefix when there is one.
    public func description(for bytes: [UInt8]) -> String {
        let tail = bytes.dropFirst(self.prefix.count)
        if self.feature == .microsoft, self.name == "MS NT5 ISAKMPOAKLEY", tail.count == 4 {
            let v = tail.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return "\(self.name) (\(Self.windowsVersions[v] ?? "version \(v)"))"
        }
        if self.feature == .openswan { return "\(self.name) (\(String(decoding: bytes.dropFirst(2), as: UTF8.self)))" }
        return tail.isEmpty ? self.name : "\(self.name) (+\(tail.hexString))"
    }

    /// The longest known prefix of `bytes`.
    public static func match(_ bytes: [UInt8]) -> KnownVendorID? {
        var best: KnownVendorID?
        for known in Self.table where bytes.count >= known.prefix.count && bytes.starts(with: known.prefix)
            && (known.feature != .openswan || bytes.count == 12) {
            if known.prefix.count > best?.prefix.count ?? 0 { best = known }
        }
        return best
    }

    public static let table: [KnownVendorID] = [
        .init("RFC 3947 NAT-T", .natTraversalRFC3947, "4a131c81070358455c5728f20e95452f"),
        .init("draft-ietf-ipsec-nat-t-ike", .natTraversalDraft, "4df37928e9fc4fd1b3262170d515c662"),
        .init("draft-ietf-ipsec-nat-t-ike-00", .natTraversalDraft, "4485152d18b6bbcd0be8a8469579ddcc"),
        .init("draft-ietf-ipsec-nat-t-ike-01", .natTraversalDraft, "16f6ca16e4a4066d83821a0f0aeaa862"),
        .init("draft-ietf-ipsec-nat-t-ike-02", .natTraversalDraft, "cd60464335df21f87cfdb2fc68b6a448"),
        .init("draft-ietf-ipsec-nat-t-ike-02\\n", .natTraversalDraft, "90cb80913ebb696e086381b5ec427b1f"),
        .init("draft-ietf-ipsec-nat-t-ike-03", .natTraversalDraft, "7d9419a65310ca6f2c179d9215529d56"),
        .init("draft-ietf-ipsec-nat-t-ike-04", .natTraversalDraft, "9909b64eed937c6573de52ace952fa6b"),
        .init("draft-ietf-ipsec-nat-t-ike-05", .natTraversalDraft, "80d0bb3def54565ee84645d4c85ce3ee"),
        .init("draft-ietf-ipsec-nat-t-ike-06", .natTraversalDraft, "4d1e0e136deafa34c4f3ea9f02ec7285"),
        .init("draft-ietf-ipsec-nat-t-ike-07", .natTraversalDraft, "439b59f8ba676c4c7737ae22eab8f582"),
        .init("draft-ietf-ipsec-nat-t-ike-08", .natTraversalDraft, "8f8d83826d246b6fc7a8a6a428c11de8"),
        .init("draft-ietf-ipsec-nat-t-ike-09", .natTraversalDraft, "42ea5b6f898d9773a575df26e7dd19e1"),
        .init("draft-stenberg-ipsec-nat-traversal-01", .natTraversalDraft, "27bab5dc01ea0760ea4e3190ac27c0d0"),
        .init("draft-stenberg-ipsec-nat-traversal-02", .natTraversalDraft, "6105c422e76847e43f9684801292aecd"),
        .init("draft-huttunen-ipsec-esp-in-udp-01", .natTraversalDraft, "50760f624c63e5c53eea386c685ca083"),
        .init("RFC 3706 DPD", .deadPeerDetection, "afcad71368a1f1c96b8696fc7757"),
        .init("XAUTH", .xauth, "09002689dfd6b712"),
        .init("draft-beaulieu-ike-xauth-02", .xauth, "09002689dfd6b71280a224dec33b81e5"),
        .init("CISCO-UNITY", .ciscoUnity, "12f5f28c457168a9702d9fe274cc"),
        .init("CISCO-CONCENTRATOR", .other, "1f07f70eaa6514d3b0fa96542a50"),
        .init("FRAGMENTATION", .ikeFragmentation, "4048b7d56ebce88525e7de7f00d6c2d3"),
        .init("Cisco VPN Revision 2", .other, "434953434f56504e2d5245562d3032"),
        .init("Cisco FlexVPN Supported", .other, "464c455856504e2d535550504f52544544"),
        .init("Cisco Dynamic Route Supported", .other, "434953434f2d44594e414d49432d524f555445"),
        .init("Cisco Delete Reason Supported", .other, "434953434f2d44454c4554452d524541534f4e"),
        .init("MS NT5 ISAKMPOAKLEY", .microsoft, "1e2b516905991c7d7c96fcbfb587e461"),
        .init("MS-Negotiation Discovery Capable", .microsoft, "fb1de3cdf341b7ea16b7e5be0855f120"),
        .init("Microsoft Vid-Initial-Contact", .microsoft, "26244d38eddb61b3172a36e3d0cfb819"),
        .init("IKE CGA version 1", .microsoft, "e3a5966a76379fe707228231e5ce8652"),
        .init("MS-MamieExists", .microsoft, "214ca4faffa7f32d6748e5303395ae83"),
        .init("GSSAPI", .microsoft, "621b04bb09882ac1e15935fefa24aeee"),
        .init("strongSwan", .strongSwan, "882fe56d6fd20dbc2251613b2ebe5beb"),
        // Openswan and Libreswan send "OE" followed by 10 printable bytes (a hash of their version).
        .init("Openswan/Libreswan", .openswan, "4f45"),
        .init("KAME/racoon", .other, "7003cbc1097dbe9c2600ba6983bc8b35"),
        .init("IPsec-Tools", .other, "20a3622c1cea7ce37bee3ca484425276"),
        .init("Shrew Soft", .other, "f14b94b7bff1fef02773b8c49feded26"),
        .init("SSH Sentinel", .other, "054182a07c7ae206f9d2cf9d2432c482"),
        .init("Check Point", .other, "f4ed19e0c114eb516faaac0ee37daf2807b4381f"),
        .init("Netscreen-6", .other, "699369228741c6d4ca094c93e242c9de19e7b7c6"),
        .init("Fortigate", .other, "8299031757a36082c6a621de"),
        .init("SonicWALL", .other, "404bf439522ca3f6"),
        .init("Heartbeat Notify", .other, "4865617274426561745f4e6f74696679"),
        .init("Juniper / NetScreen (ScreenOS)", .other, "166f932d55eb64d8e4df4fd37e2313f0d0fd8451"),
        .init("ZyXEL ZyWALL", .other, "625027749d5ab97f5616c1602765cf480a3b7d0b"),
    ]
}
