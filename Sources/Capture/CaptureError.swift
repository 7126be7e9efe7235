/// A problem with a capture *file* or *interface*, as opposed to a malformed packet (which is a
/// decode result, never an error). Every case prints as one line for the user.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case notFound, isDirectory, permissionDenied, notACaptureFile, truncatedHeader, corrupt
        case badFilter, unknownInterface, interfaceDown, noPrivilege, ioError, unsupported
        /// Not an error: the file ends inside a record (`PcapFile.cutShort`).
        case cutShort
        /// A path that cannot be followed (a symbolic-link loop, a file used as a directory, too long).
        case badPath
        /// An output path `--write` will not replace (not a regular file, or an input).
        case refusedOutput
    }

    public var code: Code
    /// The file or interface concerned ("-" for standard input).
    public var source: String
    public var message: String
    /// For errors part-way through a file: how many frames were read before it went bad.
    public var framesRead: Int?

    public init(_ code: Code, source: String, message: String, framesRead: Int? = nil) {
        self.code = code
        self.source = source
        self.message = message
        self.framesRead = framesRead
    }

    public var description: String {
        var line = "\(self.source): \(self.message)"
        if let n = self.framesRead { line += n == 0 ? " (before the first frame)" : " (after frame \(n))" }
        return line
    }
}
