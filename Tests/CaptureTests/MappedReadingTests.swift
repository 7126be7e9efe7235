@testable import Capture
import Foundation
import Testing
import TestSupport

/// A plain capture file is read from a map of it (`CaptureBytes`); a pipe, a gzip file and a file
/// read with `mapping: false` go through read(2). Both ways must give the same frames, byte for
/// byte, and end the same way (cut short, damaged or whole): every capture in `Captures/` and in
/// the public corpus is read both ways and compared.
@Suite struct MappedReadingTests {
    /// Everything reading `path` gave: each frame's info and bytes, then how it ended.
    struct Reading: Equatable {
        var frames: [FrameInfo] = []
        var bytes: [[UInt8]] = []
        var ending = ""
    }

    static func read(_ path: String, mapping: Bool) -> Reading {
        var reading = Reading()
        do {
            let file = try PcapFile(path: path, filter: nil, mapping: mapping)
            while let frame = try file.next() {
                reading.frames.append(frame.info)
                reading.bytes.append(Array(frame.bytes))
            }
            reading.ending = "end at \(file.bytesRead ?? -1); cut short: \(file.cutShort.map { "\($0)" } ?? "no")"
        } catch {
            reading.ending = "\(error)"
        }
        return reading
    }

    static func captureFiles() -> [String] {
        let walk = FileManager.default.enumerator(atPath: Corpus.captures.path)
        let local = (walk?.allObjects as? [String] ?? []).filter { ["pcap", "pcapng", "cap"].contains(($0 as NSString).pathExtension) }
        return local.sorted().map(Corpus.capturePath) + Corpus.publicFiles().map(Corpus.publicPath)
    }

    @Test func everyCaptureReadsTheSameMappedOrNot() throws {
        let files = Self.captureFiles()
        #expect(files.count > 250, "Captures/ and the public corpus: \(files.count) files")
        var frames = 0
        for path in files {
            let mapped = Self.read(path, mapping: true), readInto = Self.read(path, mapping: false)
            #expect(mapped == readInto, "\(path): \(mapped.frames.count) frames mapped, \(readInto.frames.count) read; \(mapped.ending) / \(readInto.ending)")
            frames += mapped.frames.count
        }
        #expect(frames > 10_000)
    }

    /// A file that grows after it was mapped (a capture still being written): the map's frames,
    /// then the new ones read from where the map ends, as one file read in one go gives them.
    @Test func fileGrownAfterItWasMappedIsReadToItsNewEnd() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath("lab-ikev2-psk-ok-client.pcap")))
        let expected = Self.read(Corpus.capturePath("lab-ikev2-psk-ok-client.pcap"), mapping: false)
        // Cut inside a record, so the map ends in the middle of one.
        let cut = whole.count / 2 + 7
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-grow-\(getpid()).pcap").path
        FileManager.default.createFile(atPath: path, contents: whole.prefix(cut))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try PcapFile(path: path, filter: nil, mapping: true)
        var got = Reading()
        let first = try #require(try file.next())
        got.frames.append(first.info)
        got.bytes.append(Array(first.bytes))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(whole.suffix(from: cut))
        try handle.close()
        while let frame = try file.next() {
            got.frames.append(frame.info)
            got.bytes.append(Array(frame.bytes))
        }
        #expect(file.cutShort == nil)
        #expect(file.bytesRead == whole.count)
        #expect(got.frames == expected.frames)
        #expect(got.bytes == expected.bytes)
    }
}
