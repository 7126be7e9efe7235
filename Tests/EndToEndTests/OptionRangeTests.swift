import Foundation
import Testing
import TestSupport
@testable import VPNDoctorCLI

/// Every number on the command line is range-checked before anything runs: out of range, not
/// finite or not a number is a usage error (exit 2, one line naming the option), never a trap.
/// The numeric options: `--duration` (1 ms to 720 h) and `--buffer-size` (64 KiB to 1 GiB).
@Suite struct OptionRangeTests {
    static let outOfRange: [(option: String, value: String)] =
        ["1e300", "3e12h", "1e16", "721h", "2592001", "43201m", "0", "0s", "0.0001", "-1", "nan", "inf", "infinity",
         "1d", "30 s", "", "s", "0x1p70"].map { ("--duration", $0) }
        + ["0", "63K", "65535", "2G", "1025M", "1T", "-1M", "64MB", "", "M", "1.5M", "1e6", "0x10M",
           "9223372036854775807", "17179869184G", "64 M"].map { ("--buffer-size", $0) }

    @Test(arguments: Self.outOfRange)
    func anOutOfRangeNumberIsAUsageError(_ option: String, _ value: String) throws {
        // validate() runs before the interface is opened: no privilege or interface is needed.
        let result = try runVPNDoctor(["watch", "-i", "no-such-if0", option, value])
        #expect(result.status == 2, "\(option) \(value): \(result.stderr)")
        #expect(result.stderr.contains(option), "\(option) \(value): \(result.stderr)")
        #expect(!result.stderr.contains("no such interface"), "\(option) \(value): parsed as valid")
    }

    @Test func theDurationBoundsAreInclusive() {
        #expect(WatchCommand.parseDuration("720h") == .seconds(30 * 86_400))
        #expect(WatchCommand.parseDuration("2592000") == .seconds(30 * 86_400))
        #expect(WatchCommand.parseDuration("0.001") == .milliseconds(1))
        #expect(WatchCommand.parseDuration("1.5m") == .seconds(90))
        #expect(WatchCommand.parseDuration("2592000.001") == nil)
        #expect(WatchCommand.parseDuration("0.0009") == nil)
    }

    @Test func theBufferSizeBoundsAreInclusive() {
        #expect(WatchCommand.parseSize("64K") == 65_536)
        #expect(WatchCommand.parseSize("65536") == 65_536)
        #expect(WatchCommand.parseSize("1G") == 1 << 30)
        #expect(WatchCommand.parseSize("1024m") == 1 << 30)
        #expect(WatchCommand.parseSize("1073741825") == nil)
    }
}
