#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Turning what the system said about a path into the one line the user reads: the real cause
// (a symbolic-link loop, a directory that cannot be entered, a full disk), never a guess.

extension CaptureError {
    /// `number` (an errno) in the system's words, lower-cased to fit after "path: ", with the code
    /// that matches it. `action` ("cannot write") goes before the cause.
    init(errno number: Int32, source: String, action: String? = nil) {
        let code: Code = switch number {
        case ENOENT: .notFound
        case EISDIR: .isDirectory
        case EACCES, EPERM: .permissionDenied
        case ELOOP, ENOTDIR, ENAMETOOLONG: .badPath
        default: .ioError
        }
        var cause = String(cString: strerror(number))
        if let first = cause.first { cause = first.lowercased() + cause.dropFirst() }
        self.init(code, source: source, message: action.map { "\($0): \(cause)" } ?? cause)
    }

    /// The error for a path that could not be resolved (`number` from stat, open or the like): a
    /// permission error names the directory that may not be entered, since the path's last part is
    /// not the one at fault.
    static func path(_ path: String, errno number: Int32, action: String? = nil) -> CaptureError {
        if number == EACCES, let directory = unsearchableDirectory(on: path) {
            let what = action.map { "\($0): " } ?? ""
            return CaptureError(.permissionDenied, source: path,
                                message: what + "permission denied: the directory \(directory) may not be entered")
        }
        return CaptureError(errno: number, source: path, action: action)
    }

    /// The first directory on `path` (".", or "/", then each parent in turn) this process may not
    /// search; nil when every one may be searched.
    private static func unsearchableDirectory(on path: String) -> String? {
        var directories = path.hasPrefix("/") ? [] : ["."]
        for i in path.indices where path[i] == "/" {
            directories.append(i == path.startIndex ? "/" : String(path[..<i]))
        }
        return directories.first { faccessat(AT_FDCWD, $0, X_OK, AT_EACCESS) != 0 && errno == EACCES }
    }
}

/// The file type bits of `mode`, named for the messages that refuse it.
enum FileKind {
    case regular, directory, symbolicLink, device, fifo, socket, other

    init(_ mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFCHR, S_IFBLK: self = .device
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }
}

/// Checks an input path before libpcap opens it, so a path that cannot be read is reported by its
/// real cause (libpcap's own message only says that fopen failed). Follows symbolic links, as
/// reading does. Returns the file's status (for its size and type).
func checkInputPath(_ path: String) throws(CaptureError) -> stat {
    var info = stat()
    guard stat(path, &info) == 0 else { throw CaptureError.path(path, errno: errno) }
    if FileKind(info.st_mode) == .directory {
        throw CaptureError(.isDirectory, source: path, message: "is a directory, not a capture file")
    }
    guard faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0 else { throw CaptureError(errno: errno, source: path) }
    return info
}
