#!/usr/bin/env python3
"""Write a pcap with N distinct 5-tuples (a scan or SYN flood through a VPN gateway's uplink) around
one small IPsec session: the bounded-memory check of issue 7 (flow table cap, eviction of idle
non-VPN flows first, the capture.flow-table-full finding).

Every 50th packet belongs to the VPN session (an IKEv2 IKE_SA_INIT exchange on UDP 500 at the
start, then ESP both ways between 203.0.113.7 and 198.51.100.1); every other packet is a TCP SYN
with a new 5-tuple (10.x.y.z:20000-59999 → 93.184.216.w:443, clear of VPN ports). Deterministic; standard library only.

usage: make-flow-flood.py OUT.pcap [FLOWS]   (default 1,000,000 distinct flows, ~80 MB)
"""
import importlib.util, os, struct, sys

# csum, ip4 and eth come from the bench generator (same packets, one copy of the code).
_spec = importlib.util.spec_from_file_location("bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-bench-pcap.py"))
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
ip4, eth = _bench.ip4, _bench.eth

def ike_sa_init(ispi, rspi, response):
    body = struct.pack("!BBH", 0, 0, 4 + 44) + bytes(44)  # an SA payload's header and filler
    flags = 0x20 if response else 0x08
    return struct.pack("!8s8sBBBBII", ispi, rspi, 33, 0x20, 34, flags, 0, 28 + len(body)) + body

def main():
    out = sys.argv[1]
    flows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    client, gw = bytes((203, 0, 113, 7)), bytes((198, 51, 100, 1))
    ispi, rspi = bytes.fromhex("1122334455667788"), bytes.fromhex("99aabbccddeeff00")
    t, n, flow, seq = 1_700_000_000.0, 0, 0, [1, 1]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        def write(pkt):
            nonlocal t, n
            t += 0.00002
            n += 1
            frame = eth(pkt)
            sec = int(t); usec = int((t - sec) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
        udp = lambda sp, dp, p: struct.pack("!HHHH", sp, dp, 8 + len(p), 0) + p
        write(ip4(client, gw, 17, udp(500, 500, ike_sa_init(ispi, bytes(8), False)), 1))
        write(ip4(gw, client, 17, udp(500, 500, ike_sa_init(ispi, rspi, True)), 2))
        while flow < flows:
            if n % 50 == 0:
                d = (n // 50) % 2
                spi = (0xC0FFEE01, 0xC0FFEE02)[d]
                esp = struct.pack("!II", spi, seq[d]) + bytes(48); seq[d] += 1
                write(ip4(client, gw, 50, esp, n) if d == 0 else ip4(gw, client, 50, esp, n))
                continue
            a = bytes((10, (flow >> 16) & 0xFF, (flow >> 8) & 0xFF, flow & 0xFF))
            b = bytes((93, 184, 216, 1 + flow % 29))
            syn = struct.pack("!HHIIBBHHH", 20000 + flow % 40000, 443, flow, 0, 5 << 4, 0x02, 65535, 0, 0)
            write(ip4(a, b, 6, syn, n))
            flow += 1

if __name__ == "__main__":
    main()
