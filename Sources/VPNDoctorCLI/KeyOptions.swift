import ArgumentParser
import Decoding
import Decryption

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

    /// A decoder for one capture, decrypting when keys were given (a decrypter per capture: IKEv1
    /// IV chains and the notes are per capture).
    static func decoder(_ keys: KeyTables?) -> (PacketDecoder, Decrypter?) {
        var decoder = PacketDecoder()
        let decrypter = keys.map { Decrypter(tables: $0) }
        decoder.decrypter = decrypter
        return (decoder, decrypter)
    }
}

extension Decrypter {
    /// The key notes (one line per SA whose keys did not verify, rows skipped), on standard error.
    func printNotes() {
        for note in self.notes { printError("keys: \(note)") }
    }
}
