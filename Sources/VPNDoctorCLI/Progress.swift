import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress bar on standard error for large files (over 100 MB) when standard error is a
/// terminal. `Engine` gives it the file position once every 65 536 frames (or batch), so it
/// costs nothing measurable.
final class Progress {
    private let total: Int
    private let enabled: Bool
    private var shown = false
    private var lastPercent = -1

    init(total: Int?, enabled: Bool) {
        self.total = total ?? 0
        self.enabled = enabled && self.total > 100_000_000 && isatty(STDERR_FILENO) != 0
    }

    /// Shows `position` (bytes read) now, if the percentage changed.
    func show(position: Int?) {
        guard self.enabled, let done = position else { return }
        let percent = min(100, done * 100 / max(1, self.total))
        guard percent != self.lastPercent else { return }
        self.lastPercent = percent
        let width = 40
        let filled = percent * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\(bar) \(percent)%  \(done / 1_000_000)/\(self.total / 1_000_000) MB".utf8))
        self.shown = true
    }

    func finish() {
        if self.shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
