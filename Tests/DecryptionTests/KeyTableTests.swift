import Testing
@testable import Decryption

/// Wireshark's UAT rows and strongSwan's level-4 log, read into key tables.
@Suite struct KeyTableTests {
    @Test func unknownAlgorithmIsOneLineAndNoRow() {
        let t = WiresharkTables.parse(
            "0011223344556677,8899aabbccddeeff,00,00,\"Serpent-CBC-256 [RFC0000]\",00,00,\"HMAC_SHA1_96 [RFC2404]\"\n",
            file: "ikev2_decryption_table")
        #expect(t.ikev2.isEmpty)
        #expect(t.notes == ["ikev2_decryption_table:1: unknown encryption algorithm \"Serpent-CBC-256 [RFC0000]\": row skipped"])
    }
}
