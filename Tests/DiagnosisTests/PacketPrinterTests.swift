import Capture
import Diagnosis
import Testing
import TestSupport

/// The matching pass of the vantage join on real lab captures: what the key keeps and leaves out,
/// and its ceiling.
@Suite struct PacketPrinterTests {
    static func prints(_ capture: String, limit: Int = PacketPrinter.standardLimit) throws -> PacketPrinter {
        var file = try PcapFile(path: Corpus.capturePath(capture))
        var printer = PacketPrinter(limit: limit)
        try printer.read(&file)
        return printer
    }

    /// Through the lab's NAT router the client's IKE_SA_INIT request is the same packet at the
    /// server (address and TTL rewritten, the key unchanged); the IKE_AUTH requests on UDP 4500
    /// never arrived, so no server print has their keys.
    @Test func natRewritesAddressesNotTheKey() throws {
        let client = try Self.prints("lab-natt-4500-blocked-client.pcap").prints
        let server = try Self.prints("lab-natt-4500-blocked-server.pcap").prints
        #expect(client.count == 6 && server.count == 2)  // ARP is not printed
        #expect(client[0].key == server[0].key && client[1].key == server[1].key)
        #expect(client[0].source.description == "10.99.1.10:500" && server[0].source.description == "203.0.113.1:500")
        #expect(client[0].ttl == 64 && server[0].ttl == 63)
        #expect(client[0].label == "IKEv2 IKE_SA_INIT request")
        let serverKeys = Set(server.map(\.key))
        #expect(client[2...].allSatisfy { !serverKeys.contains($0.key) })
        // Retransmissions of one IKE_AUTH request are one message as IKE numbers it (SPI, message
        // ID, flags, length: the IP ID, which a NAT may rewrite, is not in the key); the join pairs
        // the k-th copy at one point with the k-th at the next.
        #expect(Set(client[2...].map(\.key)).count == 1)
    }

    /// The ceiling: the first `limit` IP packets are printed, later frames only counted.
    @Test func ceilingHoldsTheFirstPackets() throws {
        let all = try Self.prints("lab-esp-one-way-server.pcap")
        let cut = try Self.prints("lab-esp-one-way-server.pcap", limit: 3)
        #expect(all.dropped == 0 && all.prints.count == 12)
        #expect(cut.prints.count == 3 && cut.dropped == 9)
        #expect(cut.prints.map(\.key) == all.prints.prefix(3).map(\.key))
    }
}
