import Diagnosis
import Sessions
import Testing

@Suite struct SecurityTests {
    @Test func weakChosenProposal() {
        var s = Scenario()
        let weak = IKEProposalFact(algorithms: [IKEAlgorithm(.encryption, 5), IKEAlgorithm(.hash, 1), IKEAlgorithm(.authMethod, 1),
                                                IKEAlgorithm(.dhGroup, 2)])
        s.mainMode(1...6, proposal: weak)
        let f = s.findings("security.weak-proposal")
        #expect(f.count == 1 && f[0].severity == .warning)
        #expect(f[0].summary.contains("3DES") && f[0].summary.contains("MD5") && f[0].summary.contains("1024-bit MODP"))
    }

    @Test func strongProposalIsQuiet() {
        var s = Scenario()
        s.mainMode(1...6)
        #expect(s.findings("security.weak-proposal").isEmpty)
    }
}
