import Decoding

/// The hash of the analyzer's per-packet keys (flows, host pairs, ESP and GRE streams, IKE SAs), cheaper
/// than `Hasher`'s SipHash: a few folded 64×64→128-bit multiplies of the key's words with the
/// table's seed (the wyhash construction). Still seeded per table and per process, as `Hasher` is,
/// so a hostile capture cannot aim its keys at one bucket ahead of time.
///
/// Used through `Hashable._rawHashValue(seed:)`, the hook `Dictionary` and `Set` call (the
/// standard library's own integer types implement it the same way); the keys' synthesized
/// `hash(into:)` serves only when one is hashed into another `Hasher`.
enum KeyHash {
    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// Mixes two words with `seed`.
    @inline(__always)
    static func hash(words a: UInt64, _ b: UInt64, seed: Int) -> Int {
        let s = UInt64(bitPattern: Int64(seed)) ^ 0xA076_1D64_78BD_642F
        return Int(bitPattern: UInt(self.fold(self.fold(s ^ a, 0xE703_7ED1_A0B4_28DB ^ b), 0x1D8E_4E27_C47D_124F ^ s)))
    }

    /// Mixes two addresses and a word of small fields (ports, protocol, SPI…) with `seed`.
    @inline(__always)
    static func hash(_ a: IPAddress, _ b: IPAddress, _ word: UInt64, seed: Int) -> Int {
        let s = UInt64(bitPattern: Int64(seed)) ^ 0xA076_1D64_78BD_642F
        var h: UInt64
        if case .v4(let x) = a, case .v4(let y) = b {
            h = self.fold(s ^ (UInt64(x) << 32 | UInt64(y)), 0xE703_7ED1_A0B4_28DB ^ word)
        } else {
            let (a0, a1) = a.words, (b0, b1) = b.words
            h = self.fold(s ^ a0, 0xE703_7ED1_A0B4_28DB ^ a1)
            h = self.fold(h ^ b0, 0x8EBC_6AF0_9C88_C6E3 ^ b1)
            h = self.fold(h ^ word, 0x5899_65CC_7537_4CC3)
        }
        return Int(bitPattern: UInt(self.fold(h, 0x1D8E_4E27_C47D_124F ^ s)))
    }
}

extension IPAddress {
    /// The address as two words, the family in the high bits of an IPv4 one (never equal to an
    /// IPv6 address's words, which are mixed differently anyway).
    @inline(__always)
    var words: (UInt64, UInt64) {
        switch self {
        case .v4(let a): (1 << 63, UInt64(a))
        case .v6(let hi, let lo): (hi, lo)
        }
    }
}
