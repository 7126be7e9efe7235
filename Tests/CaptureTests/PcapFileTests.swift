import Capture
import Foundation
import Testing
import TestSupport

/// Reading capture files through libpcap: every format and byte order, the link types a file can
/// declare, and every way a file can be broken.
@Suite struct PcapFileTests {
    static func fixture(_ name: String) -> String { Corpus.capturePath("fixtures/\(name)") }

    static func frames(_ path: String, filter: String? = nil) throws -> [(FrameInfo, [UInt8])] {
        var file = try PcapFile(path: path, filter: filter)
        var out: [(FrameInfo, [UInt8])] = []
        while let frame = try file.next() { out.append((frame.info, Array(frame.bytes))) }
        return out
    }

    @Test(arguments: [
        ("loopback-ethernet.pcap", LinkType.ethernet, PcapFile.Format.pcap, 5),
        ("loopback-ethernet-ns.pcap", .ethernet, .pcapNanosecond, 5),
        ("loopback-ethernet-bigendian.pcap", .ethernet, .pcap, 5),
        ("loopback.pcapng", .ethernet, .pcapng, 5),
        ("two-interfaces.pcapng", .ethernet, .pcapng, 10),
        ("loopback-sll.pcap", .linuxSLL, .pcap, 5),
        ("loopback-sll2.pcap", .linuxSLL2, .pcap, 5),
        ("loopback-raw.pcap", .raw, .pcap, 5),
        ("loopback-ipv4.pcap", .ipv4, .pcap, 4),
        ("loopback-null-le.pcap", .null, .pcap, 5),
        ("loopback-null-be.pcap", .null, .pcap, 5),
        ("loopback-loop.pcap", .loop, .pcap, 5),
    ])
    func readsEveryFormat(name: String, linkType: LinkType, format: PcapFile.Format, count: Int) throws {
        let file = try PcapFile(path: Self.fixture(name))
        #expect(file.linkType == linkType)
        #expect(file.format == format)
        let frames = try Self.frames(Self.fixture(name))
        #expect(frames.count == count)
        #expect(frames.map(\.0.number) == Array(1...count))
        #expect(frames.allSatisfy { $0.0.capturedLength == $0.1.count && $0.0.linkType == linkType })
    }

    @Test func bigEndianAndNanosecondFilesHoldTheSameFrames() throws {
        let little = try Self.frames(Self.fixture("loopback-ethernet.pcap"))
        let big = try Self.frames(Self.fixture("loopback-ethernet-bigendian.pcap"))
        #expect(little.map(\.1) == big.map(\.1))
        #expect(little.map(\.0.timestamp) == big.map(\.0.timestamp))
        // Microsecond files read at nanosecond precision: the last three digits are zero.
        #expect(little.allSatisfy { $0.0.timestamp.nanoseconds % 1000 == 0 })
        #expect(little[0].0.timestamp.seconds > 1_600_000_000)
    }

    @Test func rawIPFramesAreTheEthernetFramesWithoutTheirHeader() throws {
        let ethernet = try Self.frames(Self.fixture("loopback-ethernet.pcap"))
        let raw = try Self.frames(Self.fixture("loopback-raw.pcap"))
        #expect(raw.map(\.1) == ethernet.map { Array($0.1.dropFirst(14)) })
    }

    @Test func filterSkipsFramesButKeepsWiresharkNumbering() throws {
        let frames = try Self.frames(Self.fixture("loopback-ethernet.pcap"), filter: "icmp")
        #expect(frames.map(\.0.number) == [2, 4])
    }

    @Test func badFilterIsOneClearError() {
        #expect {
            _ = try PcapFile(path: Self.fixture("loopback-ethernet.pcap"), filter: "udp port")
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.code == .badFilter && error.description.contains("udp port") && !error.description.contains("\n")
        }
    }

    /// Broken inputs (`CorruptCaptures`: empty, truncated headers and records, caplen over the
    /// snaplen and over 256 KiB, bad pcapng block lengths, wrong magic, a directory, a missing path,
    /// /dev/null, no permission): each is one line naming the file and what is wrong, at open or
    /// after the frames before the damage, which are read.
    @Test func brokenFilesAreOneLineErrors() throws {
        let (dir, files) = try CorruptCaptures.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in files {
            if f.code == .permissionDenied, geteuid() == 0 { continue }  // root reads it: see CorruptFileTests
            var read = 0
            do {
                let file = try PcapFile(path: f.path)
                while try file.next() != nil { read += 1 }
                Issue.record("\(f.name): expected \(f.code)")
            } catch {
                #expect(error.code == f.code, "\(f.name): \(error)")
                #expect(!error.description.contains("\n") && error.description.hasPrefix(f.path), "\(f.name)")
                #expect(error.framesRead == f.framesBefore, "\(f.name)")
                #expect(read == (f.framesBefore ?? 0), "\(f.name)")
            }
        }
    }

    /// A file cut inside its last record (header or frame): every whole frame is read, then the
    /// frames end without an error and `cutShort` says after which frame the file was cut.
    @Test(arguments: ["loopback-ethernet.pcap", "loopback-ethernet-bigendian.pcap", "loopback.pcapng"])
    func fileCutInItsLastRecordEndsWithCutShort(_ name: String) throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixture(name))))
        let whole = try Self.frames(Self.fixture(name)).count
        for (kind, bytes) in CorruptCaptures.cutInLastRecord(good) {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-cut-\(getpid())-\(kind)-\(name)").path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let file = try PcapFile(path: path)
            var read = 0
            while try file.next() != nil { read += 1 }
            #expect(read == whole - 1, "\(name) \(kind)")
            #expect(file.cutShort?.code == .cutShort, "\(name) \(kind)")
            #expect(file.cutShort?.framesRead == whole - 1, "\(name) \(kind)")
        }
        // The whole file is not cut.
        let file = try PcapFile(path: Self.fixture(name))
        while try file.next() != nil {}
        #expect(file.cutShort == nil)
    }

    @Test func writerRoundTripsThroughLibpcap() throws {
        let frames = try Self.frames(Self.fixture("loopback-ethernet.pcap"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vpndoctor-rt-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for (info, bytes) in frames { writer.write(timestamp: info.timestamp, bytes: bytes) }
        try writer.close()
        let again = try Self.frames(path)
        #expect(again.map(\.1) == frames.map(\.1))
        #expect(again.map(\.0.timestamp) == frames.map(\.0.timestamp))
    }

    @Test func memorySourceLendsFramesInOrder() throws {
        let source = MemoryFrameSource(linkType: .raw, packets: [[0x45, 0], [0x60]])
        var lengths: [Int] = []
        while let frame = try source.next() { lengths.append(frame.bytes.count) }
        #expect(lengths == [2, 1])
    }
}
