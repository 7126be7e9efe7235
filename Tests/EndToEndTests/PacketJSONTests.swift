import Capture
import Decoding
import Decryption
import Foundation
import Reporting
import Testing
import TestSupport
@testable import VPNDoctorCLI

/// `packets --json` writes each packet with `PacketJSONWriter` (streamed, hand-ordered keys); it
/// must produce exactly the bytes `JSONEncoder` (.sortedKeys, .withoutEscapingSlashes) makes of a
/// `PacketRecord`: same field names, order, number and string formats. Checked on every frame of
/// the public corpus and of the lab captures, as is `JSONOutputEncoder` on the whole record.
@Suite(.enabled(if: Corpus.publicCorpusAvailable)) struct PacketJSONTests {
    static func files() -> [String] {
        let lab = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.captures.path)) ?? []
        let keyed = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.capturePath("decrypt"))) ?? []
        return Corpus.publicFiles().map(Corpus.publicPath)
            + lab.filter { $0.hasSuffix(".pcap") }.sorted().map { Corpus.capturePath($0) }
            + keyed.filter { $0.hasSuffix(".pcap") }.sorted().map { Corpus.capturePath("decrypt/" + $0) }
    }

    /// The keyed lab recordings (`Captures/decrypt/`) are written decrypted, with both peers' logs.
    static func decrypter(for path: String) throws -> Decrypter? {
        guard path.contains("/decrypt/lab-") else { return nil }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let scenario = name.dropFirst("lab-".count).replacingOccurrences(of: "-client", with: "").replacingOccurrences(of: "-server", with: "")
        var tables = KeyTables()
        for side in ["client", "server"] { try tables.load(path: Corpus.capturePath("decrypt/lab/logs/\(scenario)-\(side).log")) }
        return Decrypter(tables: tables)
    }

    @Test func writerMatchesJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let ours = JSONOutputEncoder()
        var checked = 0
        var mismatches = 0
        for path in Self.files() {
            guard let source = try? PcapFile(path: path) else { continue }
            var decoder = PacketDecoder()
            decoder.decrypter = try Self.decrypter(for: path)
            var packet = DecodedPacket(linkType: source.linkType)
            var writer = PacketJSONWriter()
            var start: Timestamp?
            while let frame = try? source.next() {
                decoder.decode(frame, into: &packet)
                let origin = start ?? packet.frame.timestamp
                start = origin
                let record = PacketRecord(file: path, packet: packet, start: origin)
                let expected = try encoder.encode(record) + [0x0A]
                writer.write(file: path, packet: packet, start: origin)
                let actual = writer.take()
                checked += 1
                // The whole record through JSONOutputEncoder too (the writer uses it for rare layers).
                if try ours.encode(record) + [0x0A] != Array(expected), mismatches < 5 {
                    mismatches += 1
                    Issue.record("\(path) frame \(packet.frame.number): JSONOutputEncoder differs from JSONEncoder")
                }
                if Array(expected) != actual, mismatches < 5 {
                    mismatches += 1
                    Issue.record("""
                        \(path) frame \(packet.frame.number):
                        JSONEncoder: \(String(decoding: expected, as: UTF8.self))
                        writer:      \(String(decoding: actual, as: UTF8.self))
                        """)
                }
            }
        }
        #expect(checked > 10_000)
    }

    /// Strings are escaped as JSONEncoder escapes them (a file name is the only free text).
    @Test func fileNamesAreEscapedLikeJSONEncoder() throws {
        let path = Corpus.publicPath("arkime/wireshark-esp.pcap")
        let source = try PcapFile(path: path)
        let frame = try #require(try source.next())
        let packet = Dissector().decode(frame)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for name in ["a\"b\\c/d.pcap", "tab\there\nnew\u{1}\u{1f}\u{7f}é.pcap"] {
            var writer = PacketJSONWriter()
            writer.write(file: name, packet: packet, start: packet.frame.timestamp)
            let expected = try encoder.encode(PacketRecord(file: name, packet: packet, start: packet.frame.timestamp))
            #expect(String(decoding: writer.take(), as: UTF8.self) == String(decoding: expected, as: UTF8.self) + "\n")
        }
    }
}
