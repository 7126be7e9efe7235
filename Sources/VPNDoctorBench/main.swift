// vpndoctor-bench: times each stage of the pipeline on one capture, so a change to the decoder can
// be measured without the rest of `analyze` (internal tool, not installed; see `make bench`).
//
//   swift run -c release vpndoctor-bench FILE [read|decode|all] [runs]
//
// `read` is the file reader through `PcapFile.next()` only; `decode` adds `PacketDecoder.decode` into one
// reused `DecodedPacket`. Prints ns/packet of the best run (the machine is shared; the best run is
// the least disturbed) and the in-memory sizes that decide how much each layer costs to copy.
import Capture
import Decoding

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// One pass over `path`; returns (packets, seconds, checksum so the work is not optimised away).
func pass(_ path: String, decode: Bool) throws -> (Int, Double, Int) {
    let file = try PcapFile(path: path)
    var decoder = PacketDecoder()
    var packet = DecodedPacket(linkType: file.linkType)
    var packets = 0
    var check = 0
    let start = now()
    while let frame = try file.next() {
        packets += 1
        if decode {
            decoder.decode(frame, into: &packet)
            check &+= packet.layers.count &+ (packet.stop == nil ? 0 : 1)
        } else {
            check &+= frame.info.capturedLength
        }
    }
    return (packets, now() - start, check)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: vpndoctor-bench FILE [read|decode|all] [runs]")
    exit(2)
}
let path = arguments[1]
let mode = arguments.count > 2 ? arguments[2] : "all"
let runs = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3

print("MemoryLayout<DecodedLayer>: size \(MemoryLayout<DecodedLayer>.size), stride \(MemoryLayout<DecodedLayer>.stride)")
print("MemoryLayout<DecodedPacket>: size \(MemoryLayout<DecodedPacket>.size); DecodeStop \(MemoryLayout<DecodeStop>.size)")
if mode == "sizes" {
    let sizes: [(String, Int)] = [
        ("Ethernet", MemoryLayout<Ethernet>.size), ("VLANTag", MemoryLayout<VLANTag>.size),
        ("IPv4", MemoryLayout<IPv4>.size), ("IPv6", MemoryLayout<IPv6>.size), ("UDP", MemoryLayout<UDP>.size),
        ("TCP", MemoryLayout<TCP>.size), ("ICMPv4", MemoryLayout<ICMPv4>.size), ("ICMPv6", MemoryLayout<ICMPv6>.size),
        ("ESP", MemoryLayout<ESP>.size), ("AH", MemoryLayout<AH>.size), ("GRE", MemoryLayout<GRE>.size),
        ("L2TP", MemoryLayout<L2TP>.size), ("PPPFraming", MemoryLayout<PPPFraming>.size),
        ("LinuxSLL", MemoryLayout<LinuxSLL>.size), ("Loopback", MemoryLayout<Loopback>.size),
        ("PPPoESession", MemoryLayout<PPPoESession>.size), ("UDPEncapsulation", MemoryLayout<UDPEncapsulation>.size),
        ("IKEv1Message", MemoryLayout<IKEv1Message>.size), ("IKEv2Message", MemoryLayout<IKEv2Message>.size),
        ("IPAddress", MemoryLayout<IPAddress>.size),
    ]
    for (name, size) in sizes { print("  \(name): \(size)") }
    exit(0)
}

var stages: [(String, Bool)] = []
if mode == "read" || mode == "all" { stages.append(("read", false)) }
if mode == "decode" || mode == "all" { stages.append(("read+decode", true)) }
var best: [String: Double] = [:]
var lastPackets = 1
for (name, decode) in stages {
    var bestSeconds = Double.infinity
    var packets = 0
    for _ in 0..<runs {
        let (n, seconds, check) = try pass(path, decode: decode)
        packets = n
        bestSeconds = min(bestSeconds, seconds)
        if check == 42 { print("") }
    }
    best[name] = bestSeconds
    lastPackets = packets
    let ns = bestSeconds * 1e9 / Double(max(packets, 1))
    print("\(name): \(packets) packets, best of \(runs): \(String(format: "%.3f", bestSeconds)) s, \(String(format: "%.1f", ns)) ns/packet")
}
if let r = best["read"], let d = best["read+decode"] {
    print("decode alone: \(String(format: "%.1f", (d - r) * 1e9 / Double(lastPackets))) ns/packet")
}
