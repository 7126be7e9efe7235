#!/usr/bin/env python3
"""`make bench` (root): does `vpndoctor watch` keep up with live traffic?

Replays a capture on one end of a veth pair inside a network namespace of its own (vdbench-rate)
at a fixed rate with Benchmarks/replay.c (sendmmsg on a packet socket past the qdisc: tcpreplay,
one sendto per packet, tops out near 55k packets/s on this kind of machine), while `vpndoctor
watch --json` captures on the other end, and reads from watch's final report how many packets it
saw and from its stderr whether the kernel dropped any (pcap_stats). Each line also gives the CPU
time the sender and watch used (/proc: user + system), so the rate one core of each could carry
can be told on a loaded machine, where the wall rate cannot. Two mixes:
  ike   IKE control traffic only (IKE_SA_INIT and IKE_AUTH exchanges of many clients, some never
        answered, some retransmitted): every packet is decoded and tracked, at 20,000 packets/s.
  data  the benchmark's data-plane mix (make-bench-pcap.py) at 300,000 packets/s (the goal of
        performance round 2; printed, not required).
Prints one line per run (with the machine's load average: the CPUs are shared) and appends them to
Benchmarks/results-live.txt. watch runs with its defaults for --json (no immediate mode, a 64 MiB
kernel buffer; BUFFER_SIZE=… in the environment passes --buffer-size). Traffic stays inside
the namespace. Needs root, iproute2 and a C compiler.

usage: watch-rate.py [ike|data|all]"""
import json, os, random, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "Benchmarks")
DATA = os.path.join(BENCH, "data")
VPNDOCTOR = os.path.join(ROOT, ".build", "release", "vpndoctor")
NS = "vdbench-rate"

sys.path.insert(0, BENCH)
gen = __import__("make-bench-pcap")


def lab_ike_messages():
    """The UDP payloads of a real IKEv2 exchange (strongSwan, Captures/lab-ikev2-psk-ok-client.pcap:
    IKE_SA_INIT request and response on 500, IKE_AUTH request and response on 4500)."""
    data = open(os.path.join(ROOT, "Captures", "lab-ikev2-psk-ok-client.pcap"), "rb").read()
    off, payloads = 24, []
    while off + 16 <= len(data) and len(payloads) < 4:
        incl = struct.unpack_from("<I", data, off + 8)[0]
        frame = data[off + 16: off + 16 + incl]
        off += 16 + incl
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] == 17:
            payloads.append(frame[14 + ihl + 8:])
    return payloads


def ike_mix(path, packets):
    """IKEv2 exchanges of many clients with a gateway, real strongSwan messages with fresh SPIs:
    IKE_SA_INIT request/response on 500, IKE_AUTH request/response on 4500; a tenth never answered
    and retransmitted 4 times."""
    rnd = random.Random(20261205)
    gw = gen.addr(198, 51, 100, 1)
    init_req, init_resp, auth_req, auth_resp = lab_ike_messages()
    t, ident, n = 1_700_000_000.0, 0, 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        def put(pkt):
            nonlocal t, n
            t += 1 / 20_000
            frame = gen.eth(pkt)
            sec = int(t); usec = int((t - sec) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
            n += 1
        def spis(message, ispi, rspi, marker):
            body = message[4:] if marker else message
            return (b"\0\0\0\0" if marker else b"") + ispi + rspi + body[16:]
        while n < packets:
            ident += 1
            c = gen.addr(10, (ident >> 8) & 7, ident & 0xFF, 1 + (ident >> 11) % 250)
            ispi, rspi = rnd.randbytes(8), rnd.randbytes(8)
            request = spis(init_req, ispi, b"\0" * 8, False)
            if rnd.random() < 0.1:  # never answered: the client retransmits
                for _ in range(4): put(gen.ip4(c, gw, 17, gen.udp(500, 500, request), ident))
                continue
            put(gen.ip4(c, gw, 17, gen.udp(500, 500, request), ident))
            put(gen.ip4(gw, c, 17, gen.udp(500, 500, spis(init_resp, ispi, rspi, False)), ident))
            put(gen.ip4(c, gw, 17, gen.udp(4500, 4500, spis(auth_req, ispi, rspi, True)), ident))
            put(gen.ip4(gw, c, 17, gen.udp(4500, 4500, spis(auth_resp, ispi, rspi, True)), ident))


def sh(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, **kw)


def netns(*cmd, **kw):
    return sh("ip", "netns", "exec", NS, *cmd, **kw)


def setup():
    sh("ip", "netns", "del", NS, check=False, stderr=subprocess.DEVNULL)
    sh("ip", "netns", "add", NS)
    netns("ip", "link", "add", "vr0", "type", "veth", "peer", "name", "vr1")
    for link in ("lo", "vr0", "vr1"):
        netns("ip", "link", "set", link, "up")
    # No IPv6 chatter (router solicitations, MLD) on the capture side.
    netns("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")


def sender():
    """Benchmarks/replay.c built into Benchmarks/data/ (again when the source is newer)."""
    binary, source = os.path.join(DATA, "replay"), os.path.join(BENCH, "replay.c")
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        sh("cc", "-O2", "-o", binary, source)
    return binary


def run(name, pcap, pps, packets):
    """Replays `pcap` at `pps` into vr0 while watch captures on vr1; returns the result line."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    size = ["--buffer-size", os.environ["BUFFER_SIZE"]] if os.environ.get("BUFFER_SIZE") else []
    watch = subprocess.Popen(["ip", "netns", "exec", NS, VPNDOCTOR, "watch", "-i", "vr1", "--json", "--filter", "ip or ip6"]
                             + size, stdout=out, stderr=err)
    time.sleep(1.5)  # the capture is open
    start, before = time.perf_counter(), os.times()
    netns(sender(), "vr0", pcap, str(pps), stdout=subprocess.DEVNULL)
    replay = time.perf_counter() - start
    after = os.times()
    sender_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    time.sleep(1.5)  # the last packets are read and judged
    watch_cpu = cpu_seconds(watch.pid)
    watch.send_signal(2)
    try:
        watch.wait(timeout=60)
    except subprocess.TimeoutExpired:
        watch.kill()
        watch.wait()
    out.seek(0); err.seek(0)
    seen = packets_seen(out.read().decode())
    stderr = err.read().decode()
    dropped = "kernel dropped" in stderr
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    line = (f"{name}: {packets} packets replayed at {pps}/s in {replay:.2f} s ({packets / replay:,.0f}/s); "
            f"watch saw {seen}; {'KERNEL DROPS: ' + stderr.strip().splitlines()[-1] if dropped else 'no kernel drops'}; "
            f"exit {watch.returncode}; CPU s: sender {sender_cpu:.2f}, watch {watch_cpu:.2f} "
            f"({packets / max(watch_cpu, 1e-9):,.0f} packets per CPU-second); "
            f"--buffer-size {os.environ.get('BUFFER_SIZE') or 'default'}; "
            f"load {load} on {os.cpu_count()} CPUs")
    return line, (seen == packets and not dropped)


def cpu_seconds(pid):
    """User + system CPU seconds of `pid` and of the processes it started (`ip netns exec` runs
    watch as its child: the sum over the process tree)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    children = [pid]
    while children:
        p = children.pop()
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in os.listdir(f"/proc/{p}/task"):
                children += [int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split()]
        except (OSError, IndexError):
            pass
    return total


def packets_seen(stdout):
    """The packet count of watch's final report: its last line (one object per line), or the last
    pretty-printed object."""
    lines = stdout.splitlines()
    try:
        report = json.loads(lines[-1])
    except (ValueError, IndexError):
        start = max((i for i, l in enumerate(lines) if l == "{"), default=None)
        report = json.loads("\n".join(lines[start:])) if start is not None else {}
    report = report.get("report", report)  # watch --json's last line: {"event": "report", "report": …}
    for candidate in [report] + report.get("reports", []):
        if "capture" in candidate:
            return candidate["capture"].get("packets")
    return None


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if os.geteuid() != 0:
        print("watch-rate: skipped (needs root for a network namespace)")
        return
    os.makedirs(DATA, exist_ok=True)
    results, ok = [], True
    setup()
    try:
        if which in ("ike", "all"):
            path = os.path.join(DATA, "ike-100k.pcap")
            if not os.path.exists(path):
                ike_mix(path + ".tmp", 100_000)
                os.rename(path + ".tmp", path)
            line, good = run("ike", path, 20_000, 100_000)
            results.append(line); ok &= good
            print(line, flush=True)
        if which in ("data", "all"):
            path = os.path.join(DATA, "bench-500k.pcap")
            if not os.path.exists(path):
                sh(sys.executable, os.path.join(BENCH, "make-bench-pcap.py"), path + ".tmp", "500000")
                os.rename(path + ".tmp", path)
            line, _ = run("data", path, 300_000, 500_000)
            results.append(line)
            print(line, flush=True)
    finally:
        sh("ip", "netns", "del", NS, check=False)
    with open(os.path.join(BENCH, "results-live.txt"), "a") as f:
        f.write(time.strftime("%Y-%m-%d %H:%M:%S ") + "\n".join(results) + "\n")
    if not ok:
        sys.exit("watch-rate: watch did not keep up with IKE at 20,000 packets/s")


if __name__ == "__main__":
    main()
