// lab-key-tables: the lab's charon logs (`ike 4, chd 4`) written as a Wireshark profile directory,
// so a keyed lab capture opens decrypted in Wireshark (internal tool, not installed; lab.sh runs it
// after each IPsec scenario). Keys never go through vpndoctor's output: this is a separate tool.
//
//   lab-key-tables DIR LOG...     writes DIR/{ikev2_decryption_table,ikev1_decryption_table,esp_sa,preferences}
//
// Give the initiator's log last: Wireshark decrypts IKEv1 with the last row for a cookie. Logs with
// no keys write nothing (exit 0); a row that cannot be used is an error (exit 1).
import Decryption
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2, let directory = arguments.first else {
    FileHandle.standardError.write(Data("usage: lab-key-tables DIR CHARON-LOG...\n".utf8))
    exit(2)
}
var tables = KeyTables()
do {
    for log in arguments.dropFirst() { try tables.load(path: log) }
} catch {
    FileHandle.standardError.write(Data("lab-key-tables: \(error)\n".utf8))
    exit(2)
}
for note in tables.notes { FileHandle.standardError.write(Data("lab-key-tables: \(note)\n".utf8)) }
if !tables.notes.isEmpty { exit(1) }
if tables.isEmpty { exit(0) }
do {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // ESP decryption is off by default in Wireshark: the profile turns it on.
    let files = tables.wiresharkFiles + [("preferences", "esp.enable_encryption_decode: TRUE\n")]
    for (name, text) in files {
        try text.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("lab-key-tables: \(error)\n".utf8))
    exit(2)
}
