import Capture

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard input as one of several captures: the join reads every capture twice (the analysis,
/// then `PacketPrinter`), and standard input can be read once. It is copied into a file that has no
/// name (O_TMPFILE; else mkstemp, unlinked at once), so nobody else can open, replace or leave it
/// behind, and reopened through its descriptor for each reading.
struct StdinSpool {
    /// A path that opens the copy afresh ("/dev/fd/N"), for as long as the process runs.
    let path: String

    /// Copies all of standard input; throws as reading or writing fails.
    init() throws(CaptureError) {
        let directory = "/tmp"
        #if os(Linux)
        // O_TMPFILE (Linux 3.11), spelled out: Glibc's macro is not imported.
        var descriptor = open(directory, Int32(0o20000000) | O_DIRECTORY | O_RDWR, 0o600)
        #else
        var descriptor: Int32 = -1
        #endif
        if descriptor < 0 {
            // A file system without O_TMPFILE: a fresh name (O_EXCL, mode 0600), unlinked before use.
            var template = Array((directory + "/vpndoctor-stdin-XXXXXX").utf8CString)
            descriptor = mkstemp(&template)
            if descriptor >= 0 { unlink(template) }
        }
        guard descriptor >= 0 else {
            throw CaptureError(.ioError, source: "-", message: "cannot keep standard input for a second reading: \(String(cString: strerror(errno)))")
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw CaptureError(.ioError, source: "-", message: "reading standard input: \(String(cString: strerror(errno)))")
            }
            var written = 0
            while written < count {
                let n = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, count - written) }
                guard n > 0 || errno == EINTR else {
                    throw CaptureError(.ioError, source: "-", message: "keeping standard input: \(String(cString: strerror(errno)))")
                }
                written += max(n, 0)
            }
        }
        self.path = "/dev/fd/\(descriptor)"
    }
}
