import Capture
import Decoding
import Foundation
import FuzzHarness
import Testing
import TestSupport

/// A seeded, deterministic mutation sweep over the sweep frames (`SweepFrames`): bit flips, bytes
/// and 16/32-bit fields set to 0, 1, max and to each `DecodeLimits` ceiling ±1, truncations,
/// insertions, deletions and duplicated runs, each run through the `frame` fuzz target (one frame,
/// every layer printed, IKE typed views decoded) and, in pairs, through the `stream` target
/// (reassembly, TCP control streams). Bounded in time; a trap or hang fails the run.
@Suite struct MutationTests {
    typealias Rng = SeededGenerator  // the same mutations on every run and platform

    /// Values length and count fields are set to: the edges, and every ceiling ±1.
    static let interesting: [Int] = {
        var values = [0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF]
        for child in Mirror(reflecting: DecodeLimits()).children {
            if let v = child.value as? Int { values += [v - 1, v, v + 1] }
        }
        return values.filter { $0 >= 0 }
    }()

    static func mutate(_ input: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var b = input
        guard !b.isEmpty else { return [UInt8(truncatingIfNeeded: rng.next())] }
        let at = rng.below(b.count)
        switch rng.below(8) {
        case 0:  // flip 1…8 bits
            for _ in 0...rng.below(8) { b[rng.below(b.count)] ^= 1 << UInt8(rng.below(8)) }
        case 1:  // one byte to an interesting value
            b[at] = UInt8(truncatingIfNeeded: Self.interesting[rng.below(Self.interesting.count)])
        case 2:  // a 16-bit field (lengths, counts) to an interesting value
            guard at + 2 <= b.count else { break }
            let v = Self.interesting[rng.below(Self.interesting.count)]
            b[at] = UInt8(truncatingIfNeeded: v >> 8)
            b[at + 1] = UInt8(truncatingIfNeeded: v)
        case 3:  // a 32-bit field (IKE message length) to 0, 1, max or just past the frame
            guard at + 4 <= b.count else { break }
            let v = [0, 1, 0xFFFF_FFFF, b.count - at + 1][rng.below(4)]
            for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * i)) }
        case 4:  // truncate
            b.removeLast(b.count - at)
        case 5:  // delete a run
            b.removeSubrange(at..<min(b.count, at + 1 + rng.below(16)))
        case 6:  // insert random bytes
            b.insert(contentsOf: (0...rng.below(16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        default:  // duplicate a run (repeated payloads, options, AVPs)
            let run = b[at..<min(b.count, at + 1 + rng.below(64))]
            b.insert(contentsOf: run, at: min(b.count, at + run.count))
        }
        return b
    }

    static let mutationsPerFrame = 300
    static let budget = Duration.seconds(60)

    @Test(.enabled(if: Corpus.publicCorpusAvailable), .timeLimit(.minutes(3)))
    func seededMutationsNeverTrapOrHang() {
        var rng = Rng(seed: 0x7670_6E64_6F63_746F)  // "vpndocto"
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.budget)
        var runs = 0
        var previous: [UInt8] = []
        outer: for f in SweepFrames.all {
            guard let selector = FuzzHarness.selector(for: f.linkType, truncated: rng.below(4) == 0) else { continue }
            for _ in 0..<Self.mutationsPerFrame {
                var m = Self.mutate(f.bytes, &rng)
                if rng.below(3) == 0 { m = Self.mutate(m, &rng) }
                _ = ([selector] + m).withUnsafeBytes(FuzzHarness.frame)
                runs += 1
                if runs % 16 == 0 {  // this frame after the previous mutant, as a stream
                    var s: [UInt8] = [selector]
                    for part in [previous, m, f.bytes] {
                        s += [UInt8(part.count >> 8 & 0xFF), UInt8(part.count & 0xFF), UInt8(rng.below(64))] + part
                    }
                    _ = s.withUnsafeBytes(FuzzHarness.stream)
                }
                previous = m
                if clock.now > deadline { break outer }
            }
        }
        print("mutation sweep: \(runs) mutated frames (seeded), no trap, no hang")
        #expect(runs > 0)
    }
}
