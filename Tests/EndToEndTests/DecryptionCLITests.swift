import Decryption
import Foundation
import Testing
import TestSupport

/// `--keys` as a user runs it, on the keyed lab recordings (`Captures/decrypt/`): the findings the
/// decrypted payloads prove are `certain`, the inferences they replace are gone, every bad key gives
/// one line and the report without keys, and no key byte is ever printed.
@Suite struct DecryptionCLITests {
    static func path(_ scenario: String) -> String { Corpus.capturePath(keyedDirectory(scenario) + "lab-\(scenario)-client.pcap") }
    static func log(_ scenario: String) -> String { Corpus.capturePath(keyedDirectory(scenario) + "lab/logs/\(scenario)-client.log") }

    /// (rule, confidence) of every finding of every session, from `analyze --json`.
    static func findings(_ arguments: [String]) throws -> (findings: [String], status: Int32, stderr: String) {
        let result = try runVPNDoctor(["analyze", "--json"] + arguments)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let reports = json?["reports"] as? [[String: Any]] ?? []
        let sessions = reports.flatMap { $0["sessions"] as? [[String: Any]] ?? [] }
        let findings = sessions.flatMap { $0["findings"] as? [[String: Any]] ?? [] }
            .map { "\($0["rule"] as? String ?? "?")/\($0["confidence"] as? String ?? "-")" }
        return (findings, result.status, result.stderr)
    }

    @Test(arguments: [
        ("ikev2-wrong-psk", "ike.error-notify/certain", "ikev2.auth-failed-likely/medium"),
        ("ikev2-child-proposal-mismatch", "ike.no-proposal-chosen/certain", "ike.phase2-failed/medium"),
        ("l2tp-ipsec-ppp-fails", "l2tp.stopped/certain", "l2tp.cleartext/-"),
        ("ikev2-ts-mismatch", "ike.ts-mismatch/certain", "ike.phase2-failed/medium"),
    ])
    func decryptedPayloadsProveTheFailure(_ scenario: String, certain: String, replaced: String) throws {
        let without = try Self.findings([Self.path(scenario)])
        #expect(without.findings.contains(replaced) || scenario == "l2tp-ipsec-ppp-fails", "\(without.findings)")
        let with = try Self.findings(["--keys", Self.log(scenario), Self.path(scenario)])
        #expect(with.status == 1)
        #expect(with.findings.contains(certain), "\(with.findings)")
        let replacedRule = replaced.split(separator: "/")[0] + "/"
        #expect(!with.findings.contains { $0.hasPrefix(replacedRule) }, "\(with.findings)")
        #expect(with.stderr.isEmpty)
        let text = try runVPNDoctor(["analyze", "--no-color", "--keys", Self.log(scenario), Self.path(scenario)])
        #expect(text.stdout.contains("(decrypted: frame ") && text.stdout.contains("(decrypted: certain)"))
        if scenario == "ikev2-ts-mismatch" {  // the selectors the server refused, read from the decrypted request
            #expect(text.stdout.contains("refused the traffic selectors: TSi 10.99.10.1/32; TSr 10.99.20.1/32"), "\(text.stdout)")
        }
    }

    /// The findings only decryption can make, on their lab recordings (client capture and log): the
    /// rule is the primary finding with keys, absent without, and names the identities or addresses.
    /// `ikev2-initiator-id-mismatch` stays `ike.error-notify`: a bare AUTHENTICATION_FAILED answer
    /// cannot tell an unknown identity from a wrong PSK (`ikev2-wrong-psk` looks the same), so the
    /// finding names both identities and both causes.
    @Test(arguments: [
        ("ikev2-responder-id-mismatch", "ike.identity-mismatch/certain", "The client refused the server's identity gw.lab.example"),
        ("ikev1-initiator-id-mismatch", "ike.identity-mismatch/certain", "The server refused the client's identity roadwarrior.lab.example"),
        ("ikev2-initiator-id-mismatch", "ike.error-notify/certain", "it answered IDi roadwarrior.lab.example, IDr server.lab.example"),
        ("ikev2-wrong-psk", "ike.error-notify/certain", "it answered IDi client.lab.example, IDr server.lab.example"),
        ("ikev2-virtual-ip-refused", "ike.virtual-ip-refused/certain", "The server refused the virtual IP 10.99.70.5 the client asked for"),
        ("ikev2-virtual-ip-other-ok", "ike.virtual-ip-other/certain", "The client asked for virtual IP 10.99.70.5 and was given 10.99.80.1"),
    ])
    func decryptionOnlyFindings(_ scenario: String, primary: String, text: String) throws {
        let without = try Self.findings([Self.path(scenario)])
        let rule = primary.split(separator: "/")[0] + "/"
        #expect(!without.findings.contains { $0.hasPrefix(rule) } || rule == "ike.error-notify/", "\(without.findings)")
        let with = try Self.findings(["--keys", Self.log(scenario), Self.path(scenario)])
        // A warning comes after `healthy` (the session connected).
        #expect(scenario.hasSuffix("-ok") ? with.findings.contains(primary) : with.findings.first == primary, "\(with.findings)")
        #expect(with.stderr.isEmpty)
        #expect(with.status == (scenario.hasSuffix("-ok") ? 0 : 1))
        let report = try runVPNDoctor(["analyze", "--no-color", "-v", "--keys", Self.log(scenario), Self.path(scenario)])
        #expect(report.stdout.contains(text), "\(report.stdout)")
    }

    /// The L2TP/IPsec capture without keys: IPsec healthy, L2TP invisible (the issue's complaint).
    @Test func withoutKeysL2TPInsideESPIsInvisible() throws {
        let without = try Self.findings([Self.path("l2tp-ipsec-ppp-fails")])
        #expect(!without.findings.contains { $0.hasPrefix("l2tp.") })
    }

    /// Every way keys can be wrong, in each of Wireshark's three tables: one `keys:` line on standard
    /// error per SA the rows name (or the capture has), and the report without keys.
    @Test(arguments: [("ikev2_decryption_table", "ikev2-wrong-psk"), ("esp_sa", "ikev2-psk-ok"),
                      ("ikev1_decryption_table", "ikev1-main-psk-ok")])
    func badKeysGiveOneLineAndTheInferenceReport(_ table: String, _ scenario: String) throws {
        var tables = KeyTables()
        try tables.load(path: Self.log(scenario))
        let rows = tables.wiresharkRows.filter { $0.table == table }.map { $0.row.split(separator: ",").map(String.init) }
        #expect(!rows.isEmpty)
        let baseline = try Self.findings([Self.path(scenario)])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-keys-\(getpid())-\(table)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Flips a hex field's last digit (inside its quotes, if any); cuts 2 bytes off a key.
        let flip = { (hex: String) in
            let body = hex.hasSuffix("\"") ? String(hex.dropLast()) : hex
            return String(body.dropLast()) + (body.last == "0" ? "1" : "0") + (hex.hasSuffix("\"") ? "\"" : "")
        }
        let cut = { (hex: String) in hex.hasSuffix("\"") ? String(hex.dropLast(5)) + "\"" : String(hex.dropLast(4)) }
        // Field positions: SPI/cookie, encryption key(s), integrity key(s), algorithm name.
        let (spi, keys, integrity, algorithm): (Int, [Int], [Int], Int?) = switch table {
        case "ikev2_decryption_table": (0, [2, 3], [5, 6], 4)
        case "esp_sa": (3, [5], [7], 4)
        default: (0, [1], [], nil)
        }
        var cases: [(String, (inout [String]) -> Void, String)] = [
            ("wrong", { f in for i in keys + integrity { f[i] = flip(f[i]) } }, "do not verify"),
            ("truncated", { f in for i in keys { f[i] = cut(f[i]) } }, "bytes of encryption key, the cipher needs"),
            ("another SA", { f in f[spi] = flip(f[spi]) }, "the keys given are for other SAs"),
        ]
        if let algorithm { cases.append(("unknown algorithm", { f in f[algorithm] = "\"Serpent-CBC-256 [RFC0000]\"" }, "unknown encryption algorithm")) }
        for (name, change, line) in cases {
            let file = dir.appendingPathComponent(table)
            let changed = rows.map { var f = $0; change(&f); return f.joined(separator: ",") }
            try (changed.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            let result = try Self.findings(["--keys", file.path, Self.path(scenario)])
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count >= 1 && lines.count <= rows.count && lines.allSatisfy { $0.contains(line) },
                    "\(table) \(name): \(result.stderr)")
            #expect(result.findings == baseline.findings, "\(table) \(name)")
            #expect(result.status == baseline.status, "\(table) \(name)")
        }
    }

    /// No key byte in any output (text, JSON, packets, packets --json, standard error), upper or lower case.
    @Test(arguments: ["ikev2-psk-ok", "ikev1-main-psk-ok", "l2tp-ipsec-ppp-fails"])
    func keysNeverAppearInOutput(_ scenario: String) throws {
        var tables = KeyTables()
        try tables.load(path: Self.log(scenario))
        let keys = tables.ikev2.flatMap { [$0.encryptionInitiator, $0.encryptionResponder, $0.integrityInitiator, $0.integrityResponder] }
            + tables.ikev1.map(\.encryptionKey) + tables.esp.flatMap { [$0.encryptionKey, $0.integrityKey] }
        let hex = keys.filter { !$0.isEmpty }.map { $0.map { String(format: "%02x", $0) }.joined() }
        #expect(hex.count >= 3)
        for command in [["analyze", "--no-color", "-v"], ["analyze", "--json", "--evidence"], ["packets"], ["packets", "--json"]] {
            let result = try runVPNDoctor(command + ["--keys", Self.log(scenario), Self.path(scenario)])
            let output = (result.stdout + result.stderr).lowercased()
            for key in hex { #expect(!output.contains(key), "\(command)") }
            #expect(!output.isEmpty)
        }
    }
}
