#!/usr/bin/env python3
"""`make bench`: vpndoctor analyze against libpcap's bare read loop, side by side.

Generates the inputs once (Benchmarks/data/, gitignored) with make-bench-pcap.py (a copy of the
shared generator, output unchanged), builds the C floor and the release binary, then runs floor and
`vpndoctor analyze` alternately RUNS times on the 2M-packet file, and once each on the 500k file for
the memory growth check, and once on a 1M-distinct-flows flood (make-flow-flood.py) for the flow
table's cap and its capture.flow-table-full finding. Reports median wall time, ratio, packets/s and peak RSS (/usr/bin/time -v),
plus tshark's conversation table for the record when tshark is installed. Prints a table and writes
it to Benchmarks/results.txt."""
import json, os, platform, re, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "Benchmarks")
DATA = os.path.join(BENCH, "data")
RUNS = int(os.environ.get("RUNS", "5"))
VPNDOCTOR = os.path.join(ROOT, ".build", "release", "vpndoctor")
FLOOR = os.path.join(DATA, "floor")

def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)

def ensure_inputs():
    os.makedirs(DATA, exist_ok=True)
    for name, count in (("bench-2m.pcap", 2_000_000), ("bench-500k.pcap", 500_000)):
        path = os.path.join(DATA, name)
        if not os.path.exists(path):
            print(f"generating {name} ({count} packets)…", flush=True)
            sh([sys.executable, os.path.join(BENCH, "make-bench-pcap.py"), path + ".tmp", str(count)])
            os.rename(path + ".tmp", path)
    flood = os.path.join(DATA, "flow-flood-1m.pcap")
    if not os.path.exists(flood):
        print("generating flow-flood-1m.pcap (1,000,000 distinct flows)…", flush=True)
        sh([sys.executable, os.path.join(BENCH, "make-flow-flood.py"), flood + ".tmp", "1000000"])
        os.rename(flood + ".tmp", flood)
    if not os.path.exists(FLOOR) or os.path.getmtime(FLOOR) < os.path.getmtime(os.path.join(BENCH, "floor.c")):
        sh(["cc", "-O2", "-o", FLOOR, os.path.join(BENCH, "floor.c"), "-lpcap"])
    if not os.path.exists("/usr/bin/time"):
        sys.exit("bench: /usr/bin/time is missing (apt-get install time)")

def measure(cmd):
    """Wall seconds and peak RSS (KiB) of one run; output discarded; exit 0 or 1 accepted."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss

def main():
    ensure_inputs()
    big = os.path.join(DATA, "bench-2m.pcap")
    small = os.path.join(DATA, "bench-500k.pcap")
    analyze = lambda f: [VPNDOCTOR, "analyze", "--json", f]
    floor_runs, vd_runs = [], []
    for i in range(RUNS):
        floor_runs.append(measure([FLOOR, big]))
        vd_runs.append(measure(analyze(big)))
        print(f"run {i + 1}/{RUNS}: floor {floor_runs[-1][0]:.3f} s, vpndoctor {vd_runs[-1][0]:.3f} s", flush=True)
    small_vd = measure(analyze(small))
    flood = os.path.join(DATA, "flow-flood-1m.pcap")
    flood_vd = measure(analyze(flood))
    flood_report = json.loads(subprocess.run(analyze(flood), stdout=subprocess.PIPE, text=True).stdout)
    flood_finding = any(f["rule"] == "capture.flow-table-full" for f in flood_report["captureFindings"])
    f_med = statistics.median(w for w, _ in floor_runs)
    v_med = statistics.median(w for w, _ in vd_runs)
    v_rss = max(r for _, r in vd_runs)
    rows = [
        ("C floor (pcap_next_ex)", f"{f_med:.3f}", f"{2e6 / f_med / 1e6:.2f} M", f"{max(r for _, r in floor_runs) / 1024:.1f}"),
        ("vpndoctor analyze", f"{v_med:.3f}", f"{2e6 / v_med / 1e6:.2f} M", f"{v_rss / 1024:.1f}"),
        ("vpndoctor analyze, 500k file", f"{small_vd[0]:.3f}", f"{5e5 / small_vd[0] / 1e6:.2f} M", f"{small_vd[1] / 1024:.1f}"),
        ("vpndoctor analyze, 1M-flow flood", f"{flood_vd[0]:.3f}", f"{flood_report['capture']['packets'] / flood_vd[0] / 1e6:.2f} M",
         f"{flood_vd[1] / 1024:.1f}"),
    ]
    if subprocess.run(["which", "tshark"], stdout=subprocess.DEVNULL).returncode == 0 and os.environ.get("TSHARK", "1") == "1":
        w, r = measure(["tshark", "-q", "-z", "conv,ip", "-r", big])
        rows.append(("tshark -q -z conv,ip", f"{w:.3f}", f"{2e6 / w / 1e6:.2f} M", f"{r / 1024:.1f}"))
    growth = v_rss / small_vd[1]
    lines = [
        f"vpndoctor benchmark — {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.platform()}",
        f"input: make-bench-pcap.py, 2,000,000 packets ({os.path.getsize(big) / 1e9:.2f} GB); median of {RUNS} alternating runs",
        "",
        f"{'command':32} {'wall s':>8} {'pkt/s':>9} {'peak RSS MiB':>13}",
    ] + [f"{a:32} {b:>8} {c:>9} {d:>13}" for a, b, c, d in rows] + [
        "",
        f"ratio vpndoctor / floor: {v_med / f_med:.2f}  (target ≤ 2.0)",
        f"peak RSS 2M / 500k: {growth:.2f}  (target: flat within ±10%, ≤ 64 MiB)",
        f"1M-flow flood: {flood_report['capture']['flowsEvicted']:,} flows evicted, capture.flow-table-full "
        f"{'reported' if flood_finding else 'MISSING'}",
    ]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(BENCH, "results.txt"), "w") as f:
        f.write(text + "\n")

if __name__ == "__main__":
    main()
