import ArgumentParser
import Capture
import Foundation
import Reporting

/// The `vpndoctor` command line. Exit codes: 0 healthy, 1 problem found, 2 usage or input error.
public struct VPNDoctorCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vpndoctor",
        abstract: "Reads VPN connection attempts off the wire and says what is wrong.",
        discussion: """
            Give it a capture (pcap or pcapng, "-" for standard input) taken while a VPN client tried to \
            connect: IKEv1/IKEv2 IPsec, L2TP/IPsec or PPTP. It follows each attempt stage by stage and \
            names the stage where it stopped, with the frames that prove it and what to change.

            Exit status: 0 healthy, 1 a problem was found, 2 usage or input error.
            """,
        version: "0.1.0",
        subcommands: [AnalyzeCommand.self, PacketsCommand.self, WatchCommand.self, InterfacesCommand.self, RulesCommand.self, ExplainCommand.self,
                      CaptureFilterCommand.self],
        defaultSubcommand: AnalyzeCommand.self
    )

    public init() {}

    /// Runs the command line and exits with vpndoctor's exit codes (argument-parser's own usage
    /// errors are mapped to 2).
    public static func runAndExit() -> Never {
        do {
            var command = try Self.parseAsRoot(Self.arguments(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = Self.exitCode(for: error)
            if code == .success {
                Self.exit(withError: error)  // --help, --version
            }
            // The error quotes arguments: escaped whole (a newline in one must not start a line of its
            // own); the usage lines after it are argument-parser's.
            let quoted = Self.message(for: error)
            let message = Self.fullMessage(for: error).replacingOccurrences(of: quoted, with: TerminalText.escape(quoted))
            FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
            Foundation.exit(ExitStatus.usageOrInput)
        }
    }
}

/// vpndoctor's exit codes.
public enum ExitStatus {
    public static let healthy: Int32 = 0
    public static let problemFound: Int32 = 1
    public static let usageOrInput: Int32 = 2
}

/// Writes one error line to standard error: `vpndoctor: <message>`, escaped for the terminal (it
/// quotes file names, filter expressions and libpcap's messages).
func printError(_ message: String) {
    FileHandle.standardError.write(Data("vpndoctor: \(TerminalText.escape(message))\n".utf8))
}
