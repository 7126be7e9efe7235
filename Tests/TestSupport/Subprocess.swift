import Foundation

/// The result of running a command.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs `executable` with `arguments` (and `stdin` bytes), collecting its output.
public func runCommand(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                       environment: [String: String]? = nil, directory: URL? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        try input.fileHandleForWriting.write(contentsOf: stdin)
        try input.fileHandleForWriting.close()
    }
    // Read both pipes concurrently so a full stderr pipe cannot block the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `vpndoctor` binary (from `swift build --build-tests`).
/// `directory` is its working directory (relative capture paths keep reports free of absolute paths).
public func runVPNDoctor(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
                         directory: URL? = nil) throws -> CommandResult {
    try runCommand(vpndoctorBinary, arguments, stdin: stdin, environment: environment, directory: directory)
}

/// Path of the `vpndoctor` binary next to the test bundle, or in .build/debug.
public let vpndoctorBinary: String = {
    let candidates = [
        Bundle.main.bundleURL.appendingPathComponent("vpndoctor").path,
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("vpndoctor").path,
        Corpus.packageRoot.appendingPathComponent(".build/debug/vpndoctor").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
}()

/// The absolute path of a tool on PATH, or nil.
public func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}
