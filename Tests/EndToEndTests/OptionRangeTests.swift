import Foundation
import Testing
import TestSupport
@testable import VPNDoctorCLI

/// Every number on the command line is range-checked before anything runs: out of range, not
/// finite or not a number is a usage error (exit 2, one line naming the option), never a trap.
/// `--duration` is the only numeric option (1 ms to 720 h).
@Suite struct OptionRangeTests {
    @Test(arguments: ["1e300", "3e12h", "1e16", "721h", "2592001", "43201m", "0", "0s", "0.0001", "-1", "nan", "inf", "infinity",
                      "1d", "30 s", "", "s", "0x1p70"])
    func anOutOfRangeDurationIsAUsageError(_ duration: String) throws {
        // validate() runs before the interface is opened: no privilege or interface is needed.
        let result = try runVPNDoctor(["watch", "-i", "no-such-if0", "--duration", duration])
        #expect(result.status == 2, "\(duration): \(result.stderr)")
        #expect(result.stderr.contains("--duration"), "\(duration): \(result.stderr)")
        #expect(!result.stderr.contains("no such interface"), "\(duration): parsed as valid")
    }

    @Test func theDurationBoundsAreInclusive() {
        #expect(WatchCommand.parseDuration("720h") == .seconds(30 * 86_400))
        #expect(WatchCommand.parseDuration("2592000") == .seconds(30 * 86_400))
        #expect(WatchCommand.parseDuration("0.001") == .milliseconds(1))
        #expect(WatchCommand.parseDuration("1.5m") == .seconds(90))
        #expect(WatchCommand.parseDuration("2592000.001") == nil)
        #expect(WatchCommand.parseDuration("0.0009") == nil)
    }
}
