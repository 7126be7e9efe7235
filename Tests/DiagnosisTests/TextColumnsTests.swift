import Foundation
import Testing
@testable import Reporting

/// The text report's own column padding and terminal-safety check say what the slower forms said.
@Suite struct TextColumnsTests {
    /// `Renderer.column` is Foundation's `padding(toLength:withPad:startingAt:)`: padded, exact, cut
    /// (in UTF-16 units, a cut inside a surrogate pair included), for widths 0…30.
    @Test func columnIsFoundationPadding() {
        let texts = ["", "IKE_SA_INIT", "IKE phase 2 (child SA)", "exactly twenty-four chrs", "a label longer than twenty-four units",
                     String(repeating: "é", count: 30), String(repeating: "a", count: 23) + "😀bb", "e\u{301}e\u{301}e\u{301}", "⇄ → … ✔ ✘"]
        for text in texts {
            for width in 0...30 {
                #expect(Renderer.column(text, width) == text.padding(toLength: width, withPad: " ", startingAt: 0), "\(text) \(width)")
            }
        }
    }

    /// `TerminalText.isSafe` reads UTF-8 bytes; it agrees with `isUnsafe` scalar by scalar over every
    /// scalar below U+3000 (all the unsafe ones, every other lead byte they share) set in safe text.
    @Test func isSafeIsEveryScalarSafe() {
        var differ = 0
        for value in UInt32(0)..<0x3000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            // Among other non-ASCII text, and among ASCII past the first eight-byte word.
            for text in ["ab⇄" + String(Character(scalar)) + "…z", "Session 12: " + String(Character(scalar)) + " is the next line"] {
                let expected = !text.unicodeScalars.contains(where: TerminalText.isUnsafe)
                if TerminalText.isSafe(text) != expected {
                    differ += 1
                    if differ <= 5 { Issue.record("U+\(String(value, radix: 16))") }
                }
            }
        }
        #expect(differ == 0)
    }
}
