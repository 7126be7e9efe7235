import Decoding
@testable import Decryption
import Foundation
import Testing
import TestSupport

/// The keyed lab recordings (`Captures/decrypt/`: `lab.sh SCENARIO Captures/decrypt`, charon at
/// `ike 4, chd 4`): each capture decrypted with the tables derived from both peers' logs, and every
/// decrypted frame compared with tshark given the Wireshark profile lab.sh wrote next to it
/// (`lab/tables/SCENARIO/`, `lab-key-tables`) — the payload types (without SA substructures) and
/// notify types of IKE, ESP's next header and the L2TP message type or ICMP type inside.
@Suite struct LabDecryptionTests {
    static let scenarios = ["ikev2-psk-ok", "ikev2-wrong-psk", "ikev2-child-proposal-mismatch", "ikev1-main-psk-ok",
                            "ikev1-main-wrong-psk", "l2tp-ipsec-ppp-fails", "ikev2-ts-mismatch"]
                            + algorithms + ["ikev2-fragmentation-ok", "ikev2-initiator-id-mismatch", "ikev2-responder-id-mismatch",
                                            "ikev1-initiator-id-mismatch", "ikev2-virtual-ip-refused", "ikev2-virtual-ip-other-ok"]
    /// One scenario per algorithm family on real bytes (the IKE and ESP transforms each negotiates).
    static let algorithms = ["ikev2-aes-gcm-ok", "ikev2-aes-gcm8-ok", "ikev2-aes-ctr-ok", "ikev2-chacha20-ok", "ikev2-sha1-ok",
                             "ikev1-3des-ok", "ikev2-legacy-ok"]
    /// Encrypted frames left encrypted, by scenario (at most this many, all IKEv1 Informationals).
    /// After a wrong PSK the server answers MM5 with an encrypted Informational whose IV chain is its
    /// own (it did not accept MM5): tshark garbles it, we decrypt it from the first IV (checked
    /// against the server's log in `decryptsAsTsharkDoes`).
    static let undecryptable = ["ikev1-main-wrong-psk": 4]

    /// Scenarios whose cipher tshark 4.0 cannot decrypt (ChaCha20-Poly1305 is in neither its IKEv2 nor
    /// its ESP table): charon's own log is the reference instead (`matchesCharon`).
    static let charonReference: Set<String> = ["ikev2-chacha20-ok"]

    /// From both logs, the server's first (the order lab.sh gives `lab-key-tables`).
    static func tables(_ scenario: String) throws -> KeyTables {
        var t = KeyTables()
        for side in ["server", "client"] {
            try t.load(path: Corpus.capturePath(keyedDirectory(scenario) + "lab/logs/\(scenario)-\(side).log"))
        }
        return t
    }

    /// What we decrypted in one frame, in tshark's terms.
    static func ours(_ p: DecodedPacket) -> [String]? {
        for (i, layer) in p.layers.enumerated() {
            switch layer {
            case .ikev2(let m) where m.decryptedPayloads != nil:
                let inside = m.payloads.dropLast().suffix(m.decryptedPayloads!).map { String($0.type.rawValue) }
                return [([String(m.encrypted!.type.rawValue)] + inside).joined(separator: ","),
                        m.notifies.map { String($0.type.rawValue) }.joined(separator: ",")]
            case .isakmp(let m) where m.decrypted == true:
                return [m.payloads.map { String($0.type.rawValue) }.joined(separator: ","),
                        m.notifies.map { String($0.type.rawValue) }.joined(separator: ",")]
            case .esp(let e) where e.decrypted == true:
                let inner = p.layers[(i + 1)...]
                let next = inner.first.map { $0.kind == .ipv4 ? "0x04" : "?" } ?? "0x3b"
                let l2tp = inner.compactMap { if case .l2tpControl(let c) = $0 { c.messageType.map { String($0.rawValue) } } else { nil } }
                let icmp = inner.compactMap { if case .icmp(let c) = $0 { String(c.type.rawValue) } else { nil } }
                return [next, l2tp.joined(separator: ","), icmp.joined(separator: ",")]
            default: continue
            }
        }
        return nil
    }

    /// Where lab.sh wrote the scenario's Wireshark profile.
    static func profile(_ scenario: String) -> String {
        Corpus.capturePath(keyedDirectory(scenario) + "lab/tables/\(scenario)")
    }

    /// The profile directories lab.sh wrote, by scenario: one for every keyed scenario, and no other.
    @Test func everyKeyedScenarioHasItsTables() throws {
        var found: [String] = []
        for dir in ["lab/tables", "decrypt/lab/tables"] {
            found += try FileManager.default.contentsOfDirectory(atPath: Corpus.capturePath(dir))
        }
        #expect(found.sorted() == Self.scenarios.sorted())
    }

    /// The committed tables are what `lab-key-tables` writes from the committed logs, and read back
    /// as `--keys` files they decrypt exactly the frames the logs decrypt, each to the same packet.
    @Test(arguments: scenarios)
    func tablesDecryptAsTheLogsDo(_ scenario: String) throws {
        let logs = try Self.tables(scenario)
        var files = KeyTables()
        for (name, text) in logs.wiresharkFiles {
            let path = Self.profile(scenario) + "/" + name
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "\(name)")
            try files.load(path: path)
        }
        #expect(files.notes.isEmpty)
        for side in ["client", "server"] {
            let path = Corpus.capturePath(keyedDirectory(scenario) + "lab-\(scenario)-\(side).pcap")
            let fromLogs = try decodeFile(path, decrypter: Decrypter(tables: logs))
            let fromFiles = try decodeFile(path, decrypter: Decrypter(tables: files))
            let decrypted = fromLogs.filter { Self.ours($0) != nil }.map(\.frame.number)
            #expect(!decrypted.isEmpty && decrypted == fromFiles.filter { Self.ours($0) != nil }.map(\.frame.number), "\(side)")
            #expect(fromLogs.map { "\($0.layers)" } == fromFiles.map { "\($0.layers)" }, "\(side)")
        }
    }

    @Test(arguments: scenarios)
    func decryptsAsTsharkDoes(_ scenario: String) throws {
        guard Tshark.available else { return }
        let tables = try Self.tables(scenario)
        #expect(tables.notes.isEmpty)
        // tshark reads the profile from WIRESHARK_CONFIG_DIR/profiles/NAME (`-C` takes a name, not a path).
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-wireshark-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: config) }
        try FileManager.default.createDirectory(at: config.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: config.appendingPathComponent("profiles/\(scenario)").path,
                                                   withDestinationPath: Self.profile(scenario))
        var environment = ProcessInfo.processInfo.environment
        environment["WIRESHARK_CONFIG_DIR"] = config.path
        for side in ["client", "server"] {
            let path = Corpus.capturePath(keyedDirectory(scenario) + "lab-\(scenario)-\(side).pcap")
            let decrypter = Decrypter(tables: tables)
            let packets = try decodeFile(path, decrypter: decrypter)
            let ours = Dictionary(uniqueKeysWithValues: packets.compactMap { p in Self.ours(p).map { (p.frame.number, $0) } })
            let encrypted = packets.filter { p in
                p.esp != nil || p.ikev2?.encrypted != nil || p.isakmp?.isEncrypted == true
            }
            let left = encrypted.filter { ours[$0.frame.number] == nil }
            #expect(encrypted.count > 0 && left.count <= Self.undecryptable[scenario] ?? 0, "\(side)")
            #expect(left.allSatisfy { $0.isakmp?.exchangeType.rawValue == 5 }, "\(side)")
            if Self.charonReference.contains(scenario) {
                try Self.matchesCharon(packets, log: keyedDirectory(scenario) + "lab/logs/\(scenario)-\(side).log", side: side)
                continue
            }
            let theirs = try Tshark.fields(path, ["isakmp.typepayload", "isakmp.notify.msgtype", "esp.protocol",
                                                  "l2tp.avp.message_type", "icmp.type"],
                                           options: ["-E", "separator=/t", "-E", "aggregator=,", "-C", scenario],
                                           environment: environment, frames: packets.count)
            // tshark moves its IKEv1 IV on after every message, also after a retransmission (the same
            // ciphertext again), so it garbles the repeats; we decrypt them with the IV of the first.
            // Accepted only for repeats, at most 3 a capture, and they must occur where listed.
            var seen = Set<IKEv1Message>(), repeats = Set<Int>(), differing = 0, informationals = 0
            for p in packets { if let m = p.isakmp, m.isEncrypted, !seen.insert(m).inserted { repeats.insert(p.frame.number) } }
            for (frame, fields) in ours.sorted(by: { $0.key < $1.key }) {
                let t = theirs[frame] ?? []
                if fields.count == 2, scenario == "ikev1-main-wrong-psk", packets[frame - 1].isakmp?.exchangeType.rawValue == 5 {
                    // The server's log: "generating INFORMATIONAL_V1 request … [ HASH N(PLD_MAL) ]".
                    #expect(fields == ["8,11", "16"], "\(side) frame \(frame)")
                    informationals += 1
                } else if fields.count == 2 {  // IKE: tshark lists SA proposals (2) and transforms (3) too
                    let types = t[0].split(separator: ",").filter { $0 != "2" && $0 != "3" }.joined(separator: ",")
                    if repeats.contains(frame), [types, t[1]] != fields { differing += 1; continue }
                    #expect([types, t[1]] == fields, "\(side) frame \(frame)")
                } else {
                    #expect([t[2], t[3], t[4]] == fields, "\(side) frame \(frame)")
                }
            }
            #expect(differing <= 3 && (differing > 0) == (scenario == "ikev1-main-wrong-psk"), "\(side)")
            #expect(informationals <= 4 && (informationals > 0) == (scenario == "ikev1-main-wrong-psk"), "\(side)")
        }
    }

    /// Every decrypted IKEv2 message has the payloads charon listed for it ("parsed IKE_AUTH response 1
    /// [ IDr AUTH SA TSi TSr N(MOBIKE_SUP) N(NO_ADD_ADDR) ]"), and every decrypted ESP packet carries
    /// the pings' ICMP (the lab's only traffic inside).
    static func matchesCharon(_ packets: [DecodedPacket], log: String, side: String) throws {
        let text = try String(contentsOfFile: Corpus.capturePath(log), encoding: .utf8)
        let types: [String: UInt8] = ["SA": 33, "KE": 34, "IDi": 35, "IDr": 36, "CERT": 37, "CERTREQ": 38, "AUTH": 39, "No": 40,
                                      "N": 41, "D": 42, "V": 43, "TSi": 44, "TSr": 45, "CPRQ": 47, "CPRP": 47, "EAP": 48]
        var charon: [String: [UInt8]] = [:]
        for line in text.split(separator: "\n") {
            guard let verb = line.range(of: "parsed ") ?? line.range(of: "generating "),
                  let open = line.range(of: " [ "), let close = line.range(of: " ]", options: .backwards) else { continue }
            let names = line[open.upperBound..<close.lowerBound].split(separator: " ")
            charon[String(line[verb.upperBound..<open.lowerBound])] = names.map { types[String($0.prefix { $0 != "(" })] ?? 0 }
        }
        let exchanges: [UInt8: String] = [35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"]
        var checked = 0
        for p in packets {
            if let m = p.ikev2, let n = m.decryptedPayloads, let name = exchanges[m.exchangeType.rawValue] {
                let key = "\(name) \(m.isResponse ? "response" : "request") \(m.messageID)"
                #expect(m.payloads.dropLast().suffix(n).map(\.type.rawValue) == charon[key], "\(side) frame \(p.frame.number): \(key)")
                checked += 1
            } else if let e = p.esp {
                #expect(e.decrypted == true && p.layers.contains { $0.kind == .icmp }, "\(side) frame \(p.frame.number)")
                checked += 1
            }
        }
        #expect(checked >= 10, "\(side)")
    }

    /// Table rows written back as Wireshark's read the same (the files a profile would hold).
    @Test func wiresharkRowsRoundTrip() throws {
        for scenario in Self.scenarios {
            let tables = try Self.tables(scenario)
            let text = tables.wiresharkRows.map(\.row).joined(separator: "\n")
            let again = WiresharkTables.parse(text, file: "rows")
            #expect(again.notes.isEmpty)
            #expect(again.wiresharkRows.map(\.row) == tables.wiresharkRows.map(\.row))
        }
    }
}
