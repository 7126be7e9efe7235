import Foundation

/// Whether this run is strict: on CI a test must not skip for want of what it needs (the public
/// corpus, tshark, root and the lab, the live capture namespaces); it runs and fails instead.
/// Elsewhere such a test is skipped with a note.
///
/// Strict when the environment variable `CI` is set to anything but empty, `0` or `false` (any
/// case): CI services set `CI=true` or `CI=1`, and `.ci/run` exports `CI=true` itself.
public enum Strict {
    public static let isOn = Self.isStrict(ci: ProcessInfo.processInfo.environment["CI"])

    /// The rule above, for one value of `CI` (nil: unset).
    public static func isStrict(ci value: String?) -> Bool {
        guard let value else { return false }
        return !["", "0", "false"].contains(value.lowercased())
    }

    /// Whether a test that needs `what` runs: when `available`, and on a strict run always (its
    /// body then fails on what is missing, e.g. `try #require(Tshark.path)`); otherwise it is
    /// skipped and the note says why.
    public static func runs(_ available: Bool, needs what: String) -> Bool {
        if !available, !isOn { print("note: needs \(what); skipped (on CI it fails)") }
        return available || isOn
    }
}
