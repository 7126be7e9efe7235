import Decoding
@testable import Sessions
import Testing
import TestSupport

/// `OtherFlows` (the non-VPN flow table: open addressing, back-shift deletion) against a
/// `Dictionary` doing the same: random flows counted, inserted and evicted by idleness, with
/// enough keys to grow the table and many keys per probe run.
struct OtherFlowsTests {
    @Test func behavesAsADictionary() {
        var generator = SeededGenerator(seed: 3)
        var table = OtherFlows(capacity: 4_096)
        var model: [FlowKey: FlowActivity] = [:]
        // Few distinct addresses and ports: flows repeat, runs collide.
        func key() -> FlowKey {
            let a = Endpoint(.v4(0x0A00_0000 | UInt32(generator.below(64))), UInt16(generator.below(8)))
            let b = Endpoint(generator.below(10) == 0 ? .v6(0x2001_0DB8 << 32, UInt64(generator.below(16))) : .v4(0x5DB8_D800 | UInt32(generator.below(16))),
                             443)
            return FlowKey.make(a, b, generator.below(2) == 0 ? .tcp : .udp).0
        }
        for frame in 1...60_000 {
            let k = key(), direction = generator.below(2)
            let hash = table.hash(k)
            if table.count(k, hash: hash, direction: direction, frame: frame) {
                #expect(model[k] != nil, "counted a flow the model does not hold")
                model[k]?.count(direction: direction, frame: frame)
            } else {
                #expect(model[k] == nil, "missed a flow the model holds")
                if model.count >= 4_096 {
                    let evicted = table.evictIdle(1_024)
                    let modelEvicted = model.evictIdle(1_024, lastFrame: \.lastFrame)
                    #expect(evicted == modelEvicted && evicted >= 1_024)
                }
                var activity = FlowActivity()
                activity.count(direction: direction, frame: frame)
                table.insert(k, hash: hash, activity: activity)
                model[k] = activity
            }
            if frame % 5_000 == 0 {
                var held: [FlowKey: FlowActivity] = [:]
                table.forEach { held[$0] = $1 }
                #expect(held == model && table.count == model.count, "frame \(frame)")
            }
        }
        #expect(model.count > 2_000)
    }
}
