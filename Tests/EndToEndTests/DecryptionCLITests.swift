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

    /// The L2TP/IPsec capture without keys: IPsec healthy, L2TP invisible (the issue's complaint).
    @Test func withoutKeysL2TPInsideESPIsInvisible() throws {
        let without = try Self.findings([Self.path("l2tp-ipsec-ppp-fails")])
        #expect(!without.findings.contains { $0.hasPrefix("l2tp.") })
    }

    /// Every way keys can be wrong: one `keys:` line on standard error, and the report without keys.
    @Test func badKeysGiveOneLineAndTheInferenceReport() throws {
        let scenario = "ikev2-wrong-psk"
        var tables = KeyTables()
        try tables.load(path: Self.log(scenario))
        let row = try #require(tables.wiresharkRows.first { $0.table == "ikev2_decryption_table" }?.row)
        var fields = row.split(separator: ",").map(String.init)
        let baseline = try Self.findings([Self.path(scenario)])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-keys-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flip = { (hex: String) in String(hex.dropLast()) + (hex.last == "0" ? "1" : "0") }
        var cases: [(String, [String], String)] = []
        var f = fields; f[3] = flip(f[3]); f[6] = flip(f[6])   // the responder's keys: its message does not verify
        cases.append(("wrong", f, "do not verify"))
        f = fields; f[3] = String(f[3].dropLast(4))
        cases.append(("truncated", f, "bytes of encryption key, the cipher needs 32: row skipped"))
        f = fields; f[0] = flip(f[0])
        cases.append(("another SA", f, "the keys given are for other SAs"))
        f = fields; f[4] = "\"Serpent-CBC-256 [RFC0000]\""
        cases.append(("unknown algorithm", f, "unknown encryption algorithm"))
        for (name, row, line) in cases {
            let file = dir.appendingPathComponent("ikev2_decryption_table")
            try (row.joined(separator: ",") + "\n").write(to: file, atomically: true, encoding: .utf8)
            let result = try Self.findings(["--keys", file.path, Self.path(scenario)])
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(line), "\(name): \(result.stderr)")
            #expect(result.findings == baseline.findings, "\(name)")
            #expect(result.status == baseline.status, "\(name)")
        }
        fields.removeAll()
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
