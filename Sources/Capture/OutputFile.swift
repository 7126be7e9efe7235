#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written as a careful tool running as root must write one, since `--write` may name a path
/// in a directory strangers can write:
///
/// - the bytes go into a new private file next to the target (`O_EXCL | O_NOFOLLOW`, mode 0600),
///   created and renamed relative to the parent directory opened once, so a parent swapped for a
///   symbolic link later cannot redirect anything;
/// - only an absent target or a regular file is replaced, checked when opening and again just
///   before the rename (a link, device, FIFO, socket or directory is refused, never followed or
///   replaced), and never a file being read (same device and inode as an input, or the same path);
/// - the new file gets the mode the umask gives a new file, or, when it replaces one, that file's
///   permissions (never wider) and owner and group; when they cannot be kept (only root may give a
///   file away) the file is refused;
/// - every write, fsync and close error throws with the path, and the partial file is removed:
///   the target is either untouched or the complete new file.
///
/// The target path itself is never opened, so no link there can lead a write elsewhere. Between the
/// last check and the rename POSIX leaves a moment; only someone who may write the directory can
/// use it, and they may replace its entries anyway.
final class OutputFile {
    let path: String
    /// The parent directory, opened once; every later step is relative to it.
    private let directory: Int32
    private let name: String
    private let temporaryName: String
    private var descriptor: Int32
    /// What was at the target when opening: nil when absent.
    private let replaced: FileID?
    private let mode: mode_t
    private let inputs: [String]
    private var finished = false

    /// Opens a temporary file for `path`, refusing a target that is not absent or a regular file,
    /// or that is one of `inputs` ("-" is standard input).
    init(path: String, inputs: [String]) throws(CaptureError) {
        self.path = path
        self.inputs = inputs
        let slash = path.lastIndex(of: "/")
        self.name = String(path[(slash.map(path.index(after:)) ?? path.startIndex)...])
        guard !["", ".", ".."].contains(self.name) else {
            throw CaptureError(.isDirectory, source: path, message: "is a directory")
        }
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        self.directory = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard self.directory >= 0 else { throw CaptureError.path(path, errno: errno, action: "cannot open its directory \(parent)") }

        var existing = stat()
        var replaced: FileID?
        var mode: mode_t
        do throws(CaptureError) {
            replaced = try Self.check(path, name: self.name, in: self.directory, inputs: inputs, into: &existing)
            if replaced == nil {
                // The umask can only be read by setting it; no other thread creates files yet.
                let mask = umask(0)
                umask(mask)
                mode = 0o666 & ~mask
            } else {
                mode = existing.st_mode & 0o777
            }
        } catch {
            close(self.directory)
            throw error
        }
        self.replaced = replaced
        self.mode = mode

        var created: (name: String, descriptor: Int32)?
        var failure = EEXIST
        for _ in 0..<16 where created == nil && failure == EEXIST {
            let candidate = ".vpndoctor-" + String(UInt64.random(in: .min ... .max), radix: 16) + ".tmp"
            let fd = openat(self.directory, candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { created = (candidate, fd) } else { failure = errno }
        }
        guard let created else {
            close(self.directory)
            throw CaptureError(errno: failure, source: path, action: "cannot create a file in \(parent)")
        }
        (self.temporaryName, self.descriptor) = created
        var own = stat()
        fstat(self.descriptor, &own)
        // Replacing a file keeps its owner and group; doing it now fails before any work is done.
        if replaced != nil, own.st_uid != existing.st_uid || own.st_gid != existing.st_gid,
           fchown(self.descriptor, existing.st_uid, existing.st_gid) != 0 {
            let number = errno
            self.discard()
            throw CaptureError(.refusedOutput, source: path, message: "belongs to uid \(existing.st_uid) gid \(existing.st_gid), "
                               + "which this user cannot keep (\(String(cString: strerror(number)))): not replacing it")
        }
    }

    deinit {
        self.discard()
        close(self.directory)
    }

    /// Writes all of `bytes`.
    func append(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
        var offset = 0
        while offset < bytes.count {
            let n = write(self.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw self.fail("cannot write")
            }
            offset += n
        }
    }

    /// Puts the file on disk and in place of the target. On any error the temporary file is gone
    /// and the target untouched (unless only the final directory sync failed).
    func commit() throws(CaptureError) {
        guard fsync(self.descriptor) == 0 else { throw self.fail("cannot write (fsync)") }
        guard fchmod(self.descriptor, self.mode) == 0 else { throw self.fail("cannot set the file's mode") }
        let fd = self.descriptor
        self.descriptor = -1
        guard close(fd) == 0 else { throw self.fail("cannot write (close)") }
        // The target may have changed while writing (a watch runs for minutes): check it again.
        do throws(CaptureError) {
            var existing = stat()
            guard try Self.check(self.path, name: self.name, in: self.directory, inputs: self.inputs, into: &existing) == self.replaced else {
                throw CaptureError(.refusedOutput, source: self.path, message: "was replaced by another file while writing: not replacing it")
            }
        } catch {
            self.discard()
            throw error
        }
        guard renameat(self.directory, self.temporaryName, self.directory, self.name) == 0 else {
            throw self.fail("cannot rename the new file into place")
        }
        self.finished = true
        guard fsync(self.directory) == 0 else {
            throw CaptureError(errno: errno, source: self.path, action: "written, but its directory cannot be synced")
        }
    }

    /// Removes the temporary file (if still there and not yet renamed).
    func discard() {
        if self.descriptor >= 0 {
            close(self.descriptor)
            self.descriptor = -1
        }
        if !self.finished {
            unlinkat(self.directory, self.temporaryName, 0)
            self.finished = true
        }
    }

    /// Removes the temporary file and returns the error for `errno` after `action`.
    private func fail(_ action: String) -> CaptureError {
        let error = CaptureError(errno: errno, source: self.path, action: action)
        self.discard()
        return error
    }

    /// What is at `name` in `directory` (not following a symbolic link), into `info`: nil when
    /// nothing, its identity when a regular file that is not an input; throws for anything else.
    private static func check(_ path: String, name: String, in directory: Int32, inputs: [String],
                              into info: inout stat) throws(CaptureError) -> FileID? {
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw CaptureError(errno: errno, source: path)
        }
        let refusal: String? = switch FileKind(info.st_mode) {
        case .regular: nil
        case .symbolicLink: "is a symbolic link; --write does not follow links (name the file itself)"
        case .directory: "is a directory"
        case .device: "is a device, not a file"
        case .fifo: "is a FIFO (named pipe), not a file"
        case .socket: "is a socket, not a file"
        case .other: "is not a regular file"
        }
        if let refusal { throw CaptureError(.refusedOutput, source: path, message: refusal + ": not writing to it") }
        let id = FileID(info)
        for input in inputs {
            var other = stat()
            let found = input == "-" ? fstat(STDIN_FILENO, &other) == 0 : stat(input, &other) == 0
            if input == path || found && FileID(other) == id {
                throw CaptureError(.refusedOutput, source: path, message: "is the capture being read: writing it would destroy it")
            }
        }
        return id
    }
}

/// A file's identity: its device and inode.
struct FileID: Equatable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
    }
}
