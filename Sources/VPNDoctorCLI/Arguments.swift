import ArgumentParser
import Foundation

extension VPNDoctorCommand {
    /// The command line's arguments before argument-parser reads them: `-V` first is `--version`;
    /// a first word that is neither a subcommand nor a file but is a subcommand mistyped
    /// (`vpndoctor anlyze x.pcap`) is refused with the right name instead of "no such file".
    static func arguments(_ given: [String]) throws -> [String] {
        guard let first = given.first else { return given }
        if first == "-V" { return ["--version"] + given.dropFirst() }
        let names = Self.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !first.hasPrefix("-"), !names.contains(first), !FileManager.default.fileExists(atPath: first),
              let name = Suggestion.closest(to: first, in: names) else { return given }
        throw ValidationError("'\(first)' is neither a subcommand nor a file. Did you mean '\(name)'?")
    }
}
