import Foundation

/// Runs tshark, our reference decoder: the first `tshark` on PATH. Every comparison with it goes
/// through `fields`, which refuses a tshark that prints nothing: a comparison with no reference
/// rows would compare nothing and pass.
public enum Tshark {
    public static let path: String? = which("tshark")

    /// True when tshark is installed; on CI (`Strict`) a missing tshark is a failure, not a skip.
    public static var available: Bool { Strict.runs(path != nil, needs: "tshark (the reference decoder)") }

    /// `tshark -n -r file -T fields -e frame.number -e <names>… <options>`: frame number → one cell
    /// per name (empty when tshark has no value; several values as `options` aggregate them).
    /// `frames` is how many frames our reader read from the file: tshark must print a row for at
    /// least one of them, or the comparison would hold for want of a reference.
    /// `environment` replaces tshark's (`WIRESHARK_CONFIG_DIR` for a profile of our own).
    public static func fields(_ file: String, _ names: [String], options: [String] = ["-E", "separator=/t"],
                              environment: [String: String]? = nil, frames: Int) throws -> [Int: [String]] {
        guard let tshark = path else { throw Missing() }
        let result = try runCommand(tshark, ["-n", "-r", file, "-T", "fields", "-e", "frame.number"]
                                    + names.flatMap { ["-e", $0] } + options, environment: environment)
        var rows: [Int: [String]] = [:]
        for line in result.stdout.split(separator: "\n") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let number = Int(cells[0]) else { continue }
            rows[number] = Array(cells.dropFirst().prefix(names.count))
                + Array(repeating: "", count: max(0, names.count - (cells.count - 1)))
        }
        if frames > 0, rows.isEmpty {
            throw Silent(file: file, status: result.status, stderr: String(result.stderr.prefix(500)))
        }
        return rows
    }

    /// No tshark on PATH (the test ran because the run is strict).
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "tshark is required on CI: not found on PATH" }
    }

    /// tshark printed no frame of a capture we read frames from.
    public struct Silent: Error, CustomStringConvertible {
        public var file: String
        public var status: Int32
        public var stderr: String
        public var description: String { "tshark printed no frame of \(file) (exit \(status)): \(stderr)" }
    }
}
