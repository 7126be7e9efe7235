import Capture
import Foundation
import Decoding
import Diagnosis
import Reporting
import Sessions
import Testing
import TestSupport

/// The VPNs named but not diagnosed, on real captures: the public TLS-VPN captures (nDPI's
/// AnyConnect, FortiClient, ProtonVPN, Tailscale) and the AnyConnect lab (ocserv + openconnect).
/// Each is named with its product and confidence, gets the generic TLS findings its packets prove
/// and no error it cannot prove (nDPI's AnyConnect capture used to get three dns.failed ERRORs about
/// LAN printer names).
@Suite(.enabled(if: Corpus.publicCorpusAvailable))
struct NamedVPNTests {
    struct Expected: Sendable {
        var file: String
        var product: String
        var confidence: OtherVPN.Confidence
        /// The TLS handshake completed (nil: none seen).
        var completed: Bool?
        var serverName: String?
        /// Rule ids of the capture's error and warning findings besides capture.vpn-not-diagnosed.
        var findings: [String] = []
    }

    static let expected: [Expected] = [
        Expected(file: "nDPI/anyconnect-vpn.pcap", product: "Cisco AnyConnect or OpenConnect", confidence: .high, completed: true),
        Expected(file: "nDPI/forticlient.pcap", product: "Fortinet FortiGate SSL VPN", confidence: .medium, completed: true,
                 serverName: "82.81.46.13"),
        Expected(file: "nDPI/protonvpn.pcap", product: "TLS-based VPN", confidence: .low, completed: true, serverName: "vpn-api.proton.me"),
        Expected(file: "nDPI/tailscale.pcap", product: "Tailscale", confidence: .medium, completed: nil),
        Expected(file: "lab-anyconnect-ok-client.pcap", product: "Cisco AnyConnect or OpenConnect", confidence: .high, completed: true),
        Expected(file: "lab-anyconnect-dtls-blocked-client.pcap", product: "Cisco AnyConnect or OpenConnect", confidence: .high,
                 completed: true, findings: ["tls.dtls-blocked"]),
        Expected(file: "lab-anyconnect-wrong-ca-client.pcap", product: "TLS-based VPN", confidence: .low, completed: false,
                 findings: ["tls.handshake-failed"]),
    ]

    static func report(_ file: String) throws -> Report {
        let path = file.hasPrefix("lab-") ? Corpus.capturePath(file) : Corpus.publicPath(file)
        return try CorpusTests.report(path: path, name: file)
    }

    @Test(arguments: Self.expected.indices)
    func namedWithWhatItsPacketsProve(_ index: Int) throws {
        let e = Self.expected[index]
        let report = try Self.report(e.file)
        let v = try #require(report.namedVPNs.first, "\(e.file): nothing named")
        #expect(report.namedVPNs.count == 1, "\(e.file): \(report.namedVPNs.map(\.name))")
        #expect(v.name == e.product && v.confidence == e.confidence, "\(e.file): \(v.name), \(v.confidence)")
        #expect(v.decisiveConnection?.completed == e.completed, "\(e.file)")
        #expect(v.decisiveConnection?.serverName == e.serverName, "\(e.file)")
        let others = report.findings.filter { $0.severity != .info && $0.rule != "capture.vpn-not-diagnosed" }.map(\.rule.rawValue)
        #expect(others == e.findings, "\(e.file): \(report.findings.map(\.summary))")
    }

    /// The wrong-CA attempt at the client: openconnect resets the connection after the server's
    /// certificate, without an alert; the finding cites the ServerHello and the reset, and the
    /// capture is FAILED (exit 1).
    @Test func aRefusedCertificateIsAFailedHandshake() throws {
        let report = try Self.report("lab-anyconnect-wrong-ca-client.pcap")
        let f = try #require(report.findings.first { $0.rule == "tls.handshake-failed" })
        #expect(f.severity == .error && report.verdict == .failed)
        #expect(f.evidence.flatMap(\.frames) == [6, 8])
        #expect(f.evidence.last?.text == "then the client reset the connection")
    }

    /// DTLS blocked: the client's DTLS ClientHellos (4, from frame 19) get nothing back while TLS
    /// completes; at the server, which never sees a datagram, nothing is said about DTLS.
    @Test func blockedDTLSIsSaidWhereItShows() throws {
        let client = try Self.report("lab-anyconnect-dtls-blocked-client.pcap")
        let d = try #require(client.namedVPNs.first?.datagrams)
        #expect((d.fromClient, d.fromServer, d.firstFrame) == (4, 0, 19))
        let server = try Self.report("lab-anyconnect-dtls-blocked-server.pcap")
        #expect(server.namedVPNs.first?.datagrams == nil)
        #expect(!server.findings.contains { $0.rule == "tls.dtls-blocked" })
    }

    /// The wrong-CA client capture with the server's answer cut out (editcap keeps frames 1–4, the
    /// TCP handshake and the ClientHello, and the client's RST, frame 8; real bytes, frames removed):
    /// the ClientHello got no answer and the connection ended, so tls.no-server-hello. Without the
    /// RST (frames 1–5) the capture stops 0.06 s after the hello: nothing is proven, nothing said.
    @Test(arguments: [("1-4 8", true), ("1-5", false)])
    func anUnansweredClientHelloOnceTheConnectionEnded(_ frames: String, _ said: Bool) throws {
        let editcap = try #require(which("editcap"), "editcap (wireshark-common) is needed")
        let directory = NSTemporaryDirectory() + "vpndoctor-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cut = directory + "/cut.pcap"
        let result = try runCommand(editcap, ["-r", Corpus.capturePath("lab-anyconnect-wrong-ca-client.pcap"), cut]
                                    + frames.split(separator: " ").map(String.init))
        #expect(result.status == 0, "\(result.stderr)")
        let report = try CorpusTests.report(path: cut, name: "cut.pcap")
        let f = report.findings.first { $0.rule == "tls.no-server-hello" }
        #expect((f != nil) == said, "\(report.findings.map(\.summary))")
        if let f { #expect(f.evidence.first?.frames == [4] && f.severity == .error) }
        #expect(!report.findings.contains { $0.rule == "tls.handshake-failed" })
    }
}
