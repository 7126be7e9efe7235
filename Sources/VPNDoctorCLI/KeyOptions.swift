import ArgumentParser
import Decoding
import Decryption
import Engine

/// `--keys FILE` (repeatable): decryption keys the user has — Wireshark's `ikev2_decryption_table`,
/// `ikev1_decryption_table`, `esp_sa` from a profile, or a strongSwan charon log at level 4.
struct KeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Decrypt with these keys (repeatable): Wireshark's ikev2_decryption_table, ikev1_decryption_table or esp_sa, or a strongSwan charon log with 'ike 4, chd 4'.",
        valueName: "file"))
    var keys: [String] = []

    /// The tables of every `--keys` file; nil without `--keys`. An unreadable file is a usage error.
    func load() throws -> KeyTables? {
        guard !self.keys.isEmpty else { return nil }
        var tables = KeyTables()
        for path in self.keys {
            do {
                try tables.load(path: path)
            } catch {
                printError("--keys '\(path)': cannot read it")
                throw ExitCode(ExitStatus.usageOrInput)
            }
        }
        return tables
    }

    /// The engine's decrypter maker (`Engine.decrypter`): one per capture, nil without `--keys`.
    func decrypter() throws -> (@Sendable () -> any PacketDecrypting)? {
        guard let tables = try self.load() else { return nil }
        return { Decrypter(tables: tables) }
    }
}

extension Engine.Outcome {
    /// The key notes of `--keys` (one line per SA whose keys did not verify, rows skipped), on
    /// standard error.
    func printKeyNotes() {
        guard let decrypter = self.decrypter as? Decrypter else { return }
        for note in decrypter.notes { printError("keys: \(note)") }
    }
}
