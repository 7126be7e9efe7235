import Foundation
import Testing
import TestSupport

/// Two vantage points of one attempt (issue 14): every lab scenario's client and server captures
/// analyzed together, against `Captures/VANTAGE.tsv` (where each scenario loses its packets, from
/// the lab's daemon logs and router rules); clocks recovered from a copy with shifted timestamps;
/// NAT shown; captures that share nothing kept apart; per-capture reports unchanged by the join.
@Suite struct VantageTests {
    struct Row: CustomStringConvertible, Sendable {
        var scenario: String, join: String, lossLocation: String
        var description: String { self.scenario }
        var client: String { "lab-\(self.scenario)-client.pcap" }
        var server: String { "lab-\(self.scenario)-server.pcap" }
    }

    static let rows: [Row] = {
        let text = (try? String(contentsOf: Corpus.captures.appendingPathComponent("VANTAGE.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: "\t").map(String.init)
            return f.count >= 3 ? Row(scenario: f[0], join: f[1], lossLocation: f[2]) : nil
        }
    }()

    /// `analyze --json` on `files` (run from `directory`), the document parsed.
    static func analyze(_ files: [String], _ options: [String] = [], at directory: URL = Corpus.captures) throws
        -> (status: Int32, document: [String: Any], stdout: String) {
        let result = try runVPNDoctor(["analyze", "--json"] + options + files, directory: directory)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (result.status, document, result.stdout)
    }

    /// The one joint attempt of a document.
    static func attempt(_ document: [String: Any]) throws -> [String: Any] {
        let joint = try #require(document["joint"] as? [[String: Any]], "no joint report")
        #expect(joint.count == 1)
        return try #require(joint.first)
    }

    /// The attempt's loss: a packet lost anywhere first, then a stop at one end, else none.
    static func loss(_ attempt: [String: Any]) -> String {
        let all = (attempt["sessions"] as? [[String: Any]] ?? []).compactMap { $0["lossLocation"] as? String }
        return ["client-to-server", "server-to-client", "at-server", "at-client"].first(where: all.contains) ?? "none"
    }

    @Test func everyLabScenarioHasARow() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)
        let scenarios = files.filter { $0.hasPrefix("lab-") && $0.hasSuffix("-client.pcap") }
            .map { String($0.dropFirst(4).dropLast("-client.pcap".count)) }
        #expect(Set(scenarios) == Set(Self.rows.map(\.scenario)))
        #expect(Self.rows.count >= 24)
        #expect(Self.rows.allSatisfy { $0.join == "shared" || $0.join == "named" })
    }

    @Test(arguments: rows)
    func jointReportPlacesTheLoss(_ row: Row) throws {
        // The server's file first: which file is the client's is told from the packets, not the order.
        let named = row.join == "named" ? ["--vantage", "client=\(row.client)", "--vantage", "server=\(row.server)"] : []
        let (status, document, stdout) = try Self.analyze([row.server, row.client], named)
        let attempt = try Self.attempt(document)
        let vantages = attempt["vantages"] as? [[String: Any]] ?? []
        let ordered = vantages.map { $0["file"] as? String } == [row.client, row.server]
            && vantages.map { $0["vantage"] as? String } == ["client", "server"]
        #expect(ordered, "\(row.scenario): vantages \(vantages)")
        #expect(Self.loss(attempt) == row.lossLocation, "\(row.scenario): \(attempt["sessions"] ?? [])")
        if row.join == "shared" { #expect((attempt["matchedPackets"] as? Int ?? 0) >= 2) }
        let findings = (attempt["sessions"] as? [[String: Any]] ?? []).flatMap { $0["findings"] as? [[String: Any]] ?? [] }
        // A finding about lost packets carries the same place and frames on each side.
        for f in findings where (f["rule"] as? String ?? "").hasPrefix("vantage.lost") || f["rule"] as? String == "vantage.fragments-lost" {
            #expect(f["lossLocation"] as? String == row.lossLocation)
            let sides = f["frames"] as? [[String: Any]] ?? []
            #expect(sides.count == 2 && !((sides[0]["frames"] as? [Int]) ?? []).isEmpty)
        }
        #expect(findings.contains { $0["severity"] as? String == "error" } == row.lossLocation.contains("-to-"))
        if row.lossLocation.contains("-to-") { #expect(status == 1) }
        #expect(try ReportSchemaTests.validateOK(stdout))
    }

    /// A copy of `capture` in a fresh directory with every timestamp moved by `seconds` (editcap -t).
    static func shifted(_ capture: String, by seconds: Double) throws -> String {
        let editcap = try #require(which("editcap"), "editcap (wireshark-common) is needed")
        let directory = NSTemporaryDirectory() + "vpndoctor-vantage-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let copy = directory + "/" + capture
        let result = try runCommand(editcap, ["-t", String(seconds), Corpus.capturePath(capture), copy])
        #expect(result.status == 0, "\(result.stderr)")
        return copy
    }

    /// The server's clock moved by a known amount (forwards and backwards) is recovered from the
    /// matched packets, within the one-way delay; the loss is placed as before.
    @Test(arguments: [("esp-one-way", 3600.25), ("natt-4500-blocked", -42.5), ("ikev2-nat-ok", 0.75)])
    func clockOffsetIsRecovered(_ scenario: String, _ shift: Double) throws {
        let row = try #require(Self.rows.first { $0.scenario == scenario })
        let server = try Self.shifted(row.server, by: shift)
        defer { try? FileManager.default.removeItem(atPath: (server as NSString).deletingLastPathComponent) }
        let (_, document, stdout) = try Self.analyze([Corpus.capturePath(row.client), server])
        let attempt = try Self.attempt(document)
        let clock = try #require((attempt["clocks"] as? [[String: Any]])?.first)
        #expect(clock["vantage"] as? String == "server")
        let offset = try #require(clock["offset"] as? Double)
        #expect(abs(offset - shift) < 0.001, "offset \(offset), shifted by \(shift)")
        // Both ways matched: the one-way delay is known, and small on the lab's veth pairs.
        let delay = try #require(clock["oneWayDelay"] as? Double)
        #expect(delay >= 0 && delay < 0.005)
        #expect(Self.loss(attempt) == row.lossLocation)
        // Unshifted, the clocks agree (same machine) within the delay.
        let (_, same, _) = try Self.analyze([row.client, row.server])
        let sameOffset = try #require(((try Self.attempt(same))["clocks"] as? [[String: Any]])?.first?["offset"] as? Double)
        #expect(abs(sameOffset) < 0.001)
        #expect(try ReportSchemaTests.validateOK(stdout))
    }

    /// Four vantage points (the lab router captured on both interfaces, `*-taps` scenarios): the
    /// segment where packets die is named: the router itself, between its two interfaces (its
    /// FORWARD chain drops them; Captures/lab/lab.sh).
    @Test(arguments: [("natt-4500-blocked-taps", "client-to-server", ["router-inside", "router-outside"]),
                      ("esp-one-way-taps", "server-to-client", ["router-outside", "router-inside"])])
    func routerSegmentIsNamed(_ scenario: String, _ location: String, _ segment: [String]) throws {
        let names = ["client", "router-inside", "router-outside", "server"]
        let files = names.map { "lab-\(scenario)-\($0).pcap" }
        let named = zip(names, files).flatMap { ["--vantage", "\($0)=\($1)"] }
        let (_, document, stdout) = try Self.analyze(files.reversed(), named)
        let attempt = try Self.attempt(document)
        #expect((attempt["vantages"] as? [[String: Any]])?.compactMap { $0["vantage"] as? String } == names)
        let session = try #require((attempt["sessions"] as? [[String: Any]])?.first { $0["lossLocation"] as? String == location })
        let lossSegment = try #require(session["lossSegment"] as? [String: Any])
        #expect([lossSegment["from"] as? String, lossSegment["to"] as? String] == segment)
        let findings = session["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["segment"] as? String == "between the \(segment[0]) and the \(segment[1])" && $0["severity"] as? String == "error" })
        // Each router interface's clock is estimated too.
        #expect((attempt["clocks"] as? [[String: Any]])?.compactMap { $0["offset"] as? Double }.count == 3)
        #expect(try ReportSchemaTests.validateOK(stdout))
        let text = try runVPNDoctor(["analyze", "--no-color"] + named + files, directory: Corpus.captures)
        #expect(text.stdout.contains("loss: \(location) (between the \(segment[0]) and the \(segment[1]))"), "\(text.stdout)")
    }

    /// A packet is lost only where the next capture was running: the client's capture cut after
    /// IKE (frames 1-4, editcap -r) misses the ESP that followed, and that is no loss.
    @Test func nothingIsLostAfterACaptureStopped() throws {
        let editcap = try #require(which("editcap"), "editcap (wireshark-common) is needed")
        let directory = NSTemporaryDirectory() + "vpndoctor-vantage-\(getpid())-cut"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cut = directory + "/lab-esp-one-way-client.pcap"
        #expect(try runCommand(editcap, ["-r", Corpus.capturePath("lab-esp-one-way-client.pcap"), cut, "1-4"]).status == 0)
        let (_, document, _) = try Self.analyze([cut, Corpus.capturePath("lab-esp-one-way-server.pcap")])
        let attempt = try Self.attempt(document)
        #expect(Self.loss(attempt) == "none")
        let messages = (attempt["sessions"] as? [[String: Any]] ?? []).flatMap { $0["messages"] as? [[String: Any]] ?? [] }
        #expect(messages.count == 12 && messages.allSatisfy { $0["lostAfter"] == nil })
    }

    /// NAT between the vantage points is shown as the mapping of each rewritten endpoint.
    @Test func natMappingIsShown() throws {
        let result = try runVPNDoctor(["analyze", "--no-color", "lab-ikev2-nat-ok-client.pcap", "lab-ikev2-nat-ok-server.pcap"],
                                      directory: Corpus.captures)
        #expect(result.stdout.contains("NAT: client 10.99.1.10:500 appears as 203.0.113.1:500 at the server"), "\(result.stdout)")
        #expect(result.stdout.contains("NAT: client 10.99.1.10:4500 appears as 203.0.113.1:4500 at the server"))
        #expect(!result.stdout.contains("NAT: server"))
        // Without NAT, no mapping.
        let plain = try runVPNDoctor(["analyze", "--no-color", "lab-ikev2-psk-ok-client.pcap", "lab-ikev2-psk-ok-server.pcap"],
                                     directory: Corpus.captures)
        #expect(plain.stdout.contains("Joint report") && !plain.stdout.contains("NAT: "))
    }

    /// Captures of different attempts share no packet: reported apart, as before (no joint section).
    @Test func unrelatedCapturesStayApart() throws {
        let files = ["lab-ikev2-psk-ok-client.pcap", "lab-ikev2-wrong-psk-server.pcap", "lab-natt-4500-blocked-client.pcap"]
        let (_, document, _) = try Self.analyze(files)
        #expect(document["joint"] == nil)
        #expect(document.keys.sorted() == ["reports", "schemaVersion"])
        let text = try runVPNDoctor(["analyze", "--no-color"] + files, directory: Corpus.captures)
        #expect(!text.stdout.contains("Joint"))
        // Only the two of one attempt are joined when a third, unrelated, is beside them.
        let (_, mixed, _) = try Self.analyze(files + ["lab-natt-4500-blocked-server.pcap"])
        let attempt = try Self.attempt(mixed)
        #expect((attempt["vantages"] as? [[String: Any]])?.compactMap { $0["file"] as? String }
                == ["lab-natt-4500-blocked-client.pcap", "lab-natt-4500-blocked-server.pcap"])
    }

    /// Copies of one capture are not two vantage points: a copy (here shifted by an hour), the
    /// fixtures' one loopback traffic in ten link types (IPv6: no IP ID, the ports in the key), a
    /// synthetic capture built from a corpus capture's packets with other addresses. Same TTLs:
    /// not joined unless named.
    @Test func copiesAreNotJoined() throws {
        let copy = try Self.shifted("lab-ikev2-psk-ok-client.pcap", by: 3600)
        defer { try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent) }
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: Corpus.captures.appendingPathComponent("fixtures").path)
            .filter { $0.hasPrefix("loopback") }.sorted().map { Corpus.captures.appendingPathComponent("fixtures/" + $0).path }
        #expect(fixtures.count >= 10)
        for files in [[Corpus.capturePath("lab-ikev2-psk-ok-client.pcap"), copy], fixtures] {
            let (_, document, _) = try Self.analyze(files)
            #expect(document["joint"] == nil, "\(files)")
        }
        if Corpus.publicCorpusAvailable {
            let (_, document, _) = try Self.analyze([Corpus.capturePath("synthetic-pptp-mschapv2-691.pcap"),
                                                     Corpus.publicPath("john-samples/lulu-password-pptp.pcap")])
            #expect(document["joint"] == nil)
        }
    }

    /// The join adds a section; each capture's own report stays what it is alone.
    @Test func perCaptureReportsAreUnchanged() throws {
        let files = ["lab-esp-one-way-client.pcap", "lab-esp-one-way-server.pcap"]
        let (_, joint, _) = try Self.analyze(files)
        let together = try #require(joint["reports"] as? [NSDictionary])
        for (i, file) in files.enumerated() {
            let (_, alone, _) = try Self.analyze([file])
            let report = try #require((alone["reports"] as? [NSDictionary])?.first)
            #expect(together[i].isEqual(report), "\(file)")
        }
    }

    /// --vantage names the points (files that share nothing are then joined); a bad one is a usage error.
    @Test func vantageOption() throws {
        let bad = try runVPNDoctor(["analyze", "--vantage", "client=other.pcap", "lab-esp-one-way-client.pcap", "lab-esp-one-way-server.pcap"],
                                   directory: Corpus.captures)
        #expect(bad.status == 2, "\(bad.status) \(bad.stderr)")
        #expect(bad.stderr.contains("--vantage"))
        // Named the wrong way round, the names win over the TTLs.
        let (_, document, _) = try Self.analyze(["lab-esp-one-way-client.pcap", "lab-esp-one-way-server.pcap"],
                                                ["--vantage", "server=lab-esp-one-way-client.pcap", "--vantage", "client=lab-esp-one-way-server.pcap"])
        let vantages = try Self.attempt(document)["vantages"] as? [[String: Any]] ?? []
        #expect(vantages.map { $0["file"] as? String } == ["lab-esp-one-way-server.pcap", "lab-esp-one-way-client.pcap"])
        #expect(vantages.allSatisfy { $0["orderedBy"] as? String == "named" })
    }

    /// Two clients behind one NAT (`nat-two-clients`: both are 203.0.113.1 at the server): the
    /// sessions are matched by their SPIs, not their addresses, so the second client is a joint
    /// session of its own, seen at the server only, and none of it is lost on the way to the first
    /// client's capture (its ports have no NAT mapping there).
    @Test func twoClientsBehindOneNATAreTwoJointSessions() throws {
        let (_, document, _) = try Self.analyze(["lab-nat-two-clients-client.pcap", "lab-nat-two-clients-server.pcap"])
        let sessions = try Self.attempt(document)["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.count == 2)
        func members(_ s: [String: Any]) -> [String] { (s["members"] as? [[String: Any]] ?? []).compactMap { $0["vantage"] as? String } }
        let first = try #require(sessions.first { members($0) == ["client", "server"] })
        let second = try #require(sessions.first { members($0) == ["server"] })
        #expect(first["lossLocation"] as? String == "none")
        #expect(second["lossLocation"] as? String == "at-server")
        let messages = second["messages"] as? [[String: Any]] ?? []
        #expect(messages.count == 4 && messages.allSatisfy { $0["lostAfter"] == nil }, "\(messages)")
    }

    /// Who gave up, read from the protocol when both captures end unfinished: the IKEv1 initiator's
    /// Informational after QM2, the OpenVPN client's new hard reset (new session ID) after the
    /// server's answers reached it: at-client, with the stopped-at-client finding.
    /// The AnyConnect client's TCP reset after the server's certificate reached it: a VPN named but
    /// not diagnosed is a joint session too. And without keys, the IKEv2 client's refusal of the
    /// server's identity (inside SK) is inferred from its INFORMATIONAL request right after the
    /// IKE_AUTH response: the finding says it is an inference, and only there.
    @Test(arguments: ["ikev1-qm-initiator-abort", "openvpn-unknown-ca", "anyconnect-wrong-ca", "ikev2-responder-id-mismatch"])
    func theClientGaveUp(_ scenario: String) throws {
        let (_, document, _) = try Self.analyze(["lab-\(scenario)-client.pcap", "lab-\(scenario)-server.pcap"])
        let sessions = try Self.attempt(document)["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.map { $0["lossLocation"] as? String } == ["at-client"])
        let findings = sessions.flatMap { $0["findings"] as? [[String: Any]] ?? [] }
        #expect(findings.map { $0["rule"] as? String } == ["vantage.stopped-at-client"])
        let inferred = findings.contains { ($0["summary"] as? String ?? "").contains("This is an inference") }
        #expect(inferred == (scenario == "ikev2-responder-id-mismatch"), "\(findings)")
    }

    /// Captures that share an attempt but not one identical packet (the server's cut to a snaplen
    /// of `snaplen` bytes by `editcap -s`, so every payload differs) are joined by what the
    /// protocol numbers (IKE SPIs and message IDs, ESP SPIs and sequence numbers, WireGuard indices
    /// and counters, OpenVPN session and packet IDs), and the loss is placed as before.
    @Test(arguments: [("esp-one-way", 80), ("natt-4500-blocked", 80), ("wireguard-unknown-key", 60), ("openvpn-udp-ok", 90)])
    func joinedByIdentifiersWithoutIdenticalPackets(_ scenario: String, _ snaplen: Int) throws {
        let row = try #require(Self.rows.first { $0.scenario == scenario })
        let editcap = try #require(which("editcap"), "editcap (wireshark-common) is needed")
        let directory = NSTemporaryDirectory() + "vpndoctor-vantage-\(getpid())-snap-\(scenario)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cut = directory + "/" + row.server
        #expect(try runCommand(editcap, ["-s", String(snaplen), Corpus.capturePath(row.server), cut]).status == 0)
        let (_, document, _) = try Self.analyze([cut, Corpus.capturePath(row.client)])
        let attempt = try Self.attempt(document)
        #expect((attempt["vantages"] as? [[String: Any]])?.compactMap { $0["vantage"] as? String } == ["client", "server"])
        #expect((attempt["matchedPackets"] as? Int ?? 0) >= 2)
        #expect(Self.loss(attempt) == row.lossLocation, "\(attempt["sessions"] ?? [])")
    }

    /// Standard input ("-") is one of the files: kept in an unnamed file, read twice, joined.
    @Test func standardInputIsJoined() throws {
        let server = try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath("lab-esp-one-way-server.pcap")))
        let result = try runVPNDoctor(["analyze", "--json", "lab-esp-one-way-client.pcap", "-"], stdin: server, directory: Corpus.captures)
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let attempt = try Self.attempt(document)
        #expect((attempt["vantages"] as? [[String: Any]])?.compactMap { $0["file"] as? String } == ["lab-esp-one-way-client.pcap", "-"])
        #expect(Self.loss(attempt) == "server-to-client")
        #expect(try ReportSchemaTests.validateOK(result.stdout))
        // Nothing is left behind under a name.
        let left = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("vpndoctor-stdin") }
        #expect(left.isEmpty, "\(left)")
    }

    /// The joint rules are rules like the others: listed, explained, completed, suggested, ignorable.
    @Test func jointRulesAreListedAndExplained() throws {
        let ids = ["vantage.fragments-lost", "vantage.lost-client-to-server", "vantage.lost-server-to-client",
                   "vantage.stopped-at-server", "vantage.stopped-at-client"]
        let rules = try runVPNDoctor(["rules"])
        for id in ids { #expect(rules.stdout.contains(id), "\(id)") }
        let explain = try runVPNDoctor(["explain", "vantage.stopped-at-client"])
        #expect(explain.status == 0 && explain.stdout.contains("the client gave up"), "\(explain.stdout)")
        let typo = try runVPNDoctor(["explain", "vantage.stoped-at-client"])
        #expect(typo.status == 2 && typo.stderr.contains("Did you mean 'vantage.stopped-at-client'?"), "\(typo.stderr)")
        let completion = try runVPNDoctor(["---completion", "explain", "--", "positional@0", "0", "0", "vantage.lost"])
        #expect(completion.stdout.contains("vantage.lost-client-to-server") && completion.stdout.contains("vantage.lost-server-to-client"))
        let files = ["lab-natt-4500-blocked-client.pcap", "lab-natt-4500-blocked-server.pcap"]
        let (_, ignored, _) = try Self.analyze(files, ["--ignore", "vantage.lost-client-to-server"])
        let findings = (try Self.attempt(ignored)["sessions"] as? [[String: Any]] ?? []).flatMap { $0["findings"] as? [[String: Any]] ?? [] }
        #expect(findings.isEmpty, "\(findings)")
    }

    /// The join is protocol-generic: a WireGuard or OpenVPN packet missing from one side is lost on
    /// the way there, as an IKE packet would be. Real lab pairs with one packet cut out of one
    /// capture (editcap deleting the frame; the lab's router rules for WireGuard and OpenVPN
    /// drops come with their own scenarios): the WireGuard handshake response (client frame 2),
    /// the client's first WireGuard data packet (server frame 3), OpenVPN's server hard reset
    /// (client frame 2).
    @Test(arguments: [("wireguard-ok", "client", 2, "server-to-client", "WireGuard"),
                      ("wireguard-ok", "server", 3, "client-to-server", "WireGuard"),
                      ("openvpn-udp-ok", "client", 2, "server-to-client", "OpenVPN")])
    func aTunnelPacketMissingAtOneSideIsLostThere(_ scenario: String, _ side: String, _ frame: Int, _ location: String, _ label: String) throws {
        let row = try #require(Self.rows.first { $0.scenario == scenario })
        let editcap = try #require(which("editcap"), "editcap (wireshark-common) is needed")
        let directory = NSTemporaryDirectory() + "vpndoctor-vantage-\(getpid())-cut-\(scenario)-\(side)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = side == "client" ? row.client : row.server
        let cut = directory + "/" + name
        #expect(try runCommand(editcap, [Corpus.capturePath(name), cut, String(frame)]).status == 0)
        let files = side == "client" ? [cut, Corpus.capturePath(row.server)] : [Corpus.capturePath(row.client), cut]
        let (status, document, _) = try Self.analyze(files)
        let attempt = try Self.attempt(document)
        #expect(Self.loss(attempt) == location, "\(attempt["sessions"] ?? [])")
        #expect(status == 1)
        let sessions = attempt["sessions"] as? [[String: Any]] ?? []
        let lost = sessions.flatMap { $0["messages"] as? [[String: Any]] ?? [] }.filter { $0["lostAfter"] != nil }
        #expect(lost.count == 1 && (lost.first?["label"] as? String ?? "").hasPrefix(label), "\(lost)")
    }
}
