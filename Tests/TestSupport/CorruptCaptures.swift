import Capture
import Foundation

/// Broken capture files, made from the good fixtures in a fresh temporary directory: every way a
/// file can be damaged that the reader must turn into one clear line (issue 8). Used by the
/// reader's tests (CaptureTests) and the command line's (EndToEndTests). A file cut inside its
/// last record is not among them: it is analysed with a warning (`cutInLastRecord`).
public struct CorruptCapture: Sendable, CustomStringConvertible {
    public var name: String
    public var path: String
    /// What `PcapFile` throws (at open, or part-way when `framesBefore` is set).
    public var code: CaptureError.Code
    /// Frames read before the damage, for files that go bad part-way.
    public var framesBefore: Int?
    public var description: String { self.name }
}

public enum CorruptCaptures {
    /// Writes the broken files into a new directory and returns them; the caller removes `directory`.
    public static func make() throws -> (directory: URL, files: [CorruptCapture]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pcap = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath("fixtures/loopback-ethernet.pcap"))))
        let pcapng = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath("fixtures/loopback.pcapng"))))
        // Record offsets of the little-endian pcap (24-byte file header, 16-byte record headers).
        var records: [Int] = []
        var offset = 24
        while offset + 16 <= pcap.count {
            records.append(offset)
            offset += 16 + Int(le32(pcap, offset + 8))
        }
        // pcapng block offsets (type, total length).
        var blocks: [Int] = []
        offset = 0
        while offset + 8 <= pcapng.count {
            blocks.append(offset)
            offset += Int(le32(pcapng, offset + 4))
        }
        var files: [CorruptCapture] = []
        func add(_ name: String, _ bytes: [UInt8], _ code: CaptureError.Code, after frames: Int? = nil) {
            let path = dir.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            files.append(CorruptCapture(name: name, path: path, code: code, framesBefore: frames))
        }
        add("empty.pcap", [], .truncatedHeader)
        add("truncated-global-header.pcap", Array(pcap.prefix(10)), .truncatedHeader)
        add("wrong-magic.pcap", Array("this is not a capture file at all".utf8), .notACaptureFile)
        // Bytes after a record that claims more than any capture holds: damage, not a cut.
        var garbage = Array(pcap.prefix(records[2]))
        garbage += [UInt8](repeating: 0xEE, count: 40)
        add("garbage-record.pcap", garbage, .corrupt, after: 2)
        var overSnaplen = pcap
        setLE32(&overSnaplen, records[2] + 8, le32(pcap, 16) + 1000)  // caplen > the file's snaplen
        add("caplen-over-snaplen.pcap", overSnaplen, .corrupt, after: 2)
        var over256K = pcap
        setLE32(&over256K, 16, 1 << 20)  // snaplen 1 MiB, so libpcap's 256 KiB ceiling is what applies
        setLE32(&over256K, records[2] + 8, 300 * 1024)
        add("caplen-over-256k.pcap", over256K, .corrupt, after: 2)
        var badBlock = pcapng
        setLE32(&badBlock, blocks[3] + 4, 7)  // the second packet block claims 7 bytes (< 12)
        add("pcapng-bad-block-length.pcapng", badBlock, .corrupt, after: 1)
        var hugeBlock = pcapng
        setLE32(&hugeBlock, blocks[3] + 4, 0x7FFF_FFF0)
        add("pcapng-huge-block-length.pcapng", hugeBlock, .corrupt, after: 1)
        var badHeader = pcapng
        setLE32(&badHeader, 4, 5)  // section header block length below its minimum
        add("pcapng-bad-section-header-length.pcapng", badHeader, .notACaptureFile)
        let sub = dir.appendingPathComponent("a-directory.pcap")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        files.append(CorruptCapture(name: "directory", path: sub.path, code: .isDirectory))
        files.append(CorruptCapture(name: "missing path", path: dir.appendingPathComponent("missing.pcap").path, code: .notFound))
        files.append(CorruptCapture(name: "/dev/null", path: "/dev/null", code: .truncatedHeader))
        add("no-permission.pcap", pcap, .permissionDenied)
        chmod(dir.appendingPathComponent("no-permission.pcap").path, 0)
        return (dir, files)
    }

    /// `bytes` (a whole pcap or pcapng file) cut inside its last packet record: in its header and
    /// in its frame. What a killed tcpdump or a copy of a growing file leaves.
    public static func cutInLastRecord(_ bytes: [UInt8]) -> [(name: String, bytes: [UInt8])] {
        let isPcapng = bytes.starts(with: [0x0A, 0x0D, 0x0D, 0x0A])
        let bigEndian = bytes.starts(with: [0xA1, 0xB2])  // a big-endian pcap
        func le32(_ b: [UInt8], _ at: Int) -> UInt32 { bigEndian ? Self.le32(b, at).byteSwapped : Self.le32(b, at) }
        var last = 0
        var offset = 24
        if isPcapng {  // the last enhanced packet block (type 6) of a little-endian file
            offset = 0
            while offset + 8 <= bytes.count {
                if le32(bytes, offset) == 6 { last = offset }
                offset += Int(le32(bytes, offset + 4))
            }
        } else {
            while offset + 16 <= bytes.count {
                last = offset
                offset += 16 + Int(le32(bytes, offset + 8))
            }
        }
        let recordEnd = isPcapng ? last + Int(le32(bytes, last + 4)) : bytes.count
        return [("in-header", Array(bytes.prefix(last + 6))), ("in-frame", Array(bytes.prefix(recordEnd - 9)))]
    }

    /// The file only a non-root reader is refused.
    public static let noPermission = "no-permission.pcap"

    private static func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    private static func setLE32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
