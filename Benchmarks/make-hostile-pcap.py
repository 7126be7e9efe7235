#!/usr/bin/env python3
"""Write one hostile-shape pcap: input built to make a tracker's state (and so its per-packet work
or its memory) grow with the capture. `make bench-hostile` (bench.py --hostile) runs each shape at
two sizes and checks that time grows linearly and peak RSS stays flat.

Shapes (PACKETS is the frame count, roughly):
  natd-flood      one IKEv2 SA whose IKE_SA_INIT requests (new message ID each) carry a NAT-D source
                  hash that matches nothing, interleaved with UDP from as many distinct addresses
  vendor-flood    one IKEv2 SA, each request with 8 new vendor IDs
  retransmit      one IKEv2 SA, each request (new message ID) sent twice: the second is a retransmission
  cookie-flood    one IKEv2 SA: requests, each answered by a COOKIE or INVALID_KE_PAYLOAD notify
  one-sa          one IKEv2 SA with PACKETS encrypted INFORMATIONAL messages (new message ID each)
  mm1-retry       one IKEv1 Main Mode MM1 sent PACKETS times (every copy after the first a retransmission)
  pptp-flags      TCP 1723 SYN, FIN and RST segments between one client and one server
  frag-abandoned  IPv4 datagrams of 2,048 eight-byte fragments with a gap after each, none completes
  frag-many       UDP datagrams in two fragments, 1,000 datagrams in flight at a time, all complete

Deterministic; standard library only; packet helpers from make-bench-pcap.py.
usage: make-hostile-pcap.py SHAPE OUT.pcap PACKETS
"""
import importlib.util, os, random, struct, sys

_spec = importlib.util.spec_from_file_location("bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-bench-pcap.py"))
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
ip4, udp, tcp, eth, isakmp, addr = _bench.ip4, _bench.udp, _bench.tcp, _bench.eth, _bench.isakmp, _bench.addr

CLIENT, GW = addr(203, 0, 113, 7), addr(198, 51, 100, 1)
ISPI, RSPI = bytes.fromhex("1122334455667788"), bytes.fromhex("99aabbccddeeff00")

def payloads(*items):
    """IKE payloads chained: items are (type, body); returns (first type, bytes)."""
    out = b""
    for i, (_, body) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (items[0][0] if items else 0), out

def notify(kind, data):
    return (41, struct.pack("!BBH", 0, 0, kind) + data)

def ike2(msgid, items, response=False, exch=34, rspi=b"\0" * 8):
    first, body = payloads(*items)
    return isakmp(ISPI, rspi, first, exch, 0x20 if response else 0x08, msgid, body)

def ike_packet(msg, response=False, sport=500):
    src, dst = (GW, CLIENT) if response else (CLIENT, GW)
    return ip4(src, dst, 17, udp(sport, 500, msg), 0)

def shape(name, total, rnd):
    """Yields (seconds since start, IP packet)."""
    if name == "natd-flood":
        for i in range(total // 2):
            yield i * 1e-3, ike_packet(ike2(i, [notify(16388, rnd.randbytes(20))]))
            other = addr(10, (i >> 16) & 255, (i >> 8) & 255, i & 255)
            yield i * 1e-3, ip4(other, addr(198, 18, 0, 1), 17, udp(40000, 9999, b"x" * 16), i)
    elif name == "vendor-flood":
        for i in range(total):
            yield i * 1e-3, ike_packet(ike2(i, [(43, rnd.randbytes(16)) for _ in range(8)]))
    elif name == "retransmit":
        for i in range(total):
            yield i * 1e-3, ike_packet(ike2(i // 2, [(33, bytes(44))]))
    elif name == "cookie-flood":
        for i in range(total // 2):
            yield i * 1e-3, ike_packet(ike2(i, [(33, bytes(44))]))
            answer = notify(16390, rnd.randbytes(16)) if i % 2 else notify(17, struct.pack("!H", 19))
            yield i * 1e-3, ike_packet(ike2(i, [answer], response=True), response=True)
    elif name == "one-sa":
        for i in range(total):
            yield i * 1e-3, ike_packet(ike2(i, [(46, rnd.randbytes(32))], response=bool(i % 2), exch=37, rspi=RSPI), response=bool(i % 2))
    elif name == "mm1-retry":
        _, sa = payloads((1, struct.pack("!II", 1, 1) + bytes(40)))
        mm1 = isakmp(ISPI, b"\0" * 8, 1, 2, 0, 0, sa)
        for i in range(total):
            yield i * 1e-3, ike_packet(mm1)
    elif name == "pptp-flags":
        for i in range(total):
            flags = (0x02, 0x11, 0x04)[i % 3]
            yield i * 1e-3, ip4(CLIENT, GW, 6, tcp(40000 + i % 1000, 1723, i, 0, flags, b""), i)
    elif name == "frag-abandoned":
        for i in range(total):
            d, k = divmod(i, 2048)
            # 31 s between datagrams: each times out (30 s) before the next starts.
            yield d * 31 + k * 1e-4, frag(CLIENT, GW, d, offset=k * 16, more=True, data=bytes(8))
    elif name == "frag-many":
        # All first fragments of a batch of 1,000 datagrams, then all their second fragments.
        for batch in range((total + 1999) // 2000):
            src = addr(10, 1, batch & 255, 1)
            for k in range(1000):
                yield (batch * 2000 + k) * 1e-5, frag(src, GW, k, offset=0, more=True, data=udp(40000, 9999, bytes(32))[:32])
            for k in range(1000):
                yield (batch * 2000 + 1000 + k) * 1e-5, frag(src, GW, k, offset=32, more=False, data=bytes(8))
    else:
        sys.exit(f"unknown shape {name}")

def frag(src, dst, ident, offset, more, data):
    """One IPv4 fragment of a UDP datagram (offset in bytes, a multiple of 8)."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ident & 0xFFFF, (0x2000 if more else 0) | offset // 8,
                    64, 17, 0, src, dst)
    h = h[:10] + struct.pack("!H", _bench.csum(h)) + h[12:]
    return h + data

def main():
    name, out, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rnd = random.Random(20261205)
    start = 1_700_000_000.0
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        records = []
        for when, pkt in shape(name, total, rnd):
            if len(records) > 4096:
                f.write(b"".join(records)); records.clear()
            t = start + when
            frame = eth(pkt)
            sec = int(t); usec = int(round((t - sec) * 1e6))
            if usec >= 1_000_000: sec += 1; usec -= 1_000_000
            records.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
        f.write(b"".join(records))

if __name__ == "__main__":
    main()
