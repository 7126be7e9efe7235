import ArgumentParser
import Capture
import Decoding
import Foundation
import Sessions

/// Which captures to read and which packets to keep.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng); \"-\" reads standard input.", valueName: "file"),
              completion: Completions.captures)
    var files: [String] = []

    @Option(name: .long, help: ArgumentHelp("Keep only traffic to or from this VPN server (IPv4 or IPv6).", valueName: "ip"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("The VPN server's DNS name: failed lookups of it are the failure (other failed lookups are only possible causes).", valueName: "name"))
    var serverName: String?

    @Option(name: .long, help: ArgumentHelp("Keep only frames matching this BPF expression (compiled by libpcap).", valueName: "expr"))
    var filter: String?

    /// The parsed `--server` address.
    var serverAddress: IPAddress? { self.server.flatMap(IPAddress.init) }

    /// What to analyse: the server's address and name as given.
    var analysisOptions: AnalysisOptions {
        var options = AnalysisOptions(server: self.serverAddress)
        options.serverName = self.serverName
        return options
    }

    func validate() throws {
        if self.files.isEmpty {
            throw ValidationError("give at least one capture file (or \"-\" for standard input)")
        }
        if let server = self.server, IPAddress(server) == nil {
            throw ValidationError("--server '\(server)' is not an IPv4 or IPv6 address")
        }
        if self.files.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("standard input (\"-\") can be read only once")
        }
    }
}

/// How to print.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "Never colour the text output (NO_COLOR in the environment does the same).")
    var noColor = false

    @Flag(name: [.short, .long], help: "Print only each session's verdict line and its error and warning findings (no progress bar).")
    var quiet = false

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    var useColor: Bool {
        guard !self.noColor, !self.json else { return false }
        if let noColor = ProcessInfo.processInfo.environment["NO_COLOR"], !noColor.isEmpty { return false }
        return isatty(STDOUT_FILENO) != 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
