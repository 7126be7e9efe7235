#!/usr/bin/env python3
"""`make bench`: vpndoctor analyze against libpcap's bare read loop, side by side.

Generates the inputs (Benchmarks/data/, gitignored; again whenever make-bench-pcap.py is newer) with
make-bench-pcap.py (the shared generator with WireGuard and OpenVPN added, see its docstring),
builds the C floor and the release binary, then runs floor, `vpndoctor analyze` (the text report),
`vpndoctor analyze --json` and `vpndoctor analyze` pinned to one core (taskset -c 0: no reader
thread) alternately RUNS times on the 2M-packet file; once on the 500k file for the memory growth
check, and once on a 1M-distinct-flows flood (make-flow-flood.py) for
the flow table's cap and its capture.flow-table-full finding. Reports median wall time, CPU time
(user + system), ratio, packets/s and peak RSS (/usr/bin/time -v), plus tshark's conversation table
for the record when tshark is installed. The summary gives issue 18's goals as ratios of one run: one-core
CPU / floor CPU, two-core wall / floor wall, --json / text, peak RSS 2M / 500k, and instructions /
floor's (`perf stat -e instructions:u,instructions:k`, where the CPU's counters can be read). Last, the hostile shapes (make-hostile-pcap.py: floods built
to make a tracker's state grow) at N and 4N packets: time must grow linearly and peak RSS stay under
64 MiB (`--hostile` runs only this section: `make bench-hostile`). Prints a table and writes it to
Benchmarks/results.txt; exits 1 when a hostile shape misses its targets. VPNDOCTOR=path runs another
binary (an older build, for before/after numbers)."""
import json, os, platform, re, signal, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "Benchmarks")
DATA = os.path.join(BENCH, "data")
RUNS = int(os.environ.get("RUNS", "5"))
VPNDOCTOR = os.environ.get("VPNDOCTOR") or os.path.join(ROOT, ".build", "release", "vpndoctor")
FLOOR = os.path.join(DATA, "floor")

def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)

def ensure_inputs():
    os.makedirs(DATA, exist_ok=True)
    generator = os.path.getmtime(os.path.join(BENCH, "make-bench-pcap.py"))
    for name, count in (("bench-2m.pcap", 2_000_000), ("bench-500k.pcap", 500_000)):
        path = os.path.join(DATA, name)
        if not os.path.exists(path) or os.path.getmtime(path) < generator:
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

def measure(cmd, timeout=None):
    """Wall seconds, peak RSS (KiB) and CPU seconds of one run; output discarded; exit 0 or 1 accepted.
    None when it ran past `timeout` seconds (then it is killed)."""
    start = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    wall = time.perf_counter() - start
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{err[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([0-9.]+)", err).group(1)) for kind in ("User", "System"))
    return wall, rss, cpu

def instructions(cmd):
    """User and kernel instructions of one run (perf stat), or None where the counters cannot be read
    (no perf, or a virtual machine without them)."""
    try:
        p = subprocess.run(["perf", "stat", "-x", ",", "-e", "instructions:u,instructions:k"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        return None
    counts = [line.split(",")[0] for line in p.stderr.splitlines() if ",instructions:" in line]
    if len(counts) != 2 or not all(c.isdigit() for c in counts): return None
    return int(counts[0]), int(counts[1])

# Hostile shapes (make-hostile-pcap.py) and their smaller size N; each also runs at 4N.
HOSTILE = (("natd-flood", 20_000), ("vendor-flood", 20_000), ("retransmit", 50_000), ("cookie-flood", 50_000),
           ("one-sa", 125_000), ("mm1-retry", 50_000), ("pptp-flags", 50_000), ("frag-abandoned", 100_000),
           ("frag-many", 100_000))
HOSTILE_TIMEOUT = float(os.environ.get("HOSTILE_TIMEOUT", "300"))
HOSTILE_RSS_MIB = 64

def hostile():
    """Each hostile shape at N and 4N packets, text and --json: time must grow linearly (4N / N ≤ 5)
    and peak RSS stay ≤ 64 MiB. A run past HOSTILE_TIMEOUT seconds counts as failed. Returns the
    table's lines; exits non-zero (after printing) when a shape fails."""
    os.makedirs(DATA, exist_ok=True)
    lines = [f"hostile shapes (make-hostile-pcap.py), N and 4N packets; timeout {HOSTILE_TIMEOUT:.0f} s",
             f"{'shape':15} {'N':>8} {'s (N)':>8} {'s (4N)':>8} {'ratio':>6} {'MiB (N)':>8} {'MiB (4N)':>9} "
             f"{'json s (4N)':>11} {'json MiB':>9}  verdict"]
    failed = []
    for name, n in HOSTILE:
        runs = {}
        for size in (n, 4 * n):
            path = os.path.join(DATA, f"hostile-{name}-{size}.pcap")
            if not os.path.exists(path):
                sh([sys.executable, os.path.join(BENCH, "make-hostile-pcap.py"), name, path + ".tmp", str(size)])
                os.rename(path + ".tmp", path)
            runs[size] = measure([VPNDOCTOR, "analyze", path], HOSTILE_TIMEOUT)
            if size == 4 * n:
                runs["json"] = measure([VPNDOCTOR, "analyze", "--json", path], HOSTILE_TIMEOUT)
        small, big, js = runs[n], runs[4 * n], runs["json"]
        secs = lambda r: f"{r[0]:.2f}" if r else "timeout"
        mib = lambda r: f"{r[1] / 1024:.1f}" if r else "-"
        ratio = big[0] / small[0] if small and big else None
        ok = ratio is not None and ratio <= 5 and js is not None and \
            max(small[1], big[1], js[1]) <= HOSTILE_RSS_MIB * 1024
        if not ok: failed.append(name)
        lines.append(f"{name:15} {n:>8} {secs(small):>8} {secs(big):>8} {(f'{ratio:.1f}' if ratio else '-'):>6} "
                     f"{mib(small):>8} {mib(big):>9} {secs(js):>11} {mib(js):>9}  {'ok' if ok else 'FAIL'}")
        print(lines[-1], flush=True)
    lines.append(f"targets: ratio ≤ 5 for 4× the packets; peak RSS ≤ {HOSTILE_RSS_MIB} MiB (text and --json)"
                 + (f"; FAILED: {', '.join(failed)}" if failed else "; all met"))
    return lines, failed

def main():
    if sys.argv[1:] == ["--hostile"]:
        lines, failed = hostile()
        print("\n".join(lines))
        sys.exit(1 if failed else 0)
    ensure_inputs()
    big = os.path.join(DATA, "bench-2m.pcap")
    small = os.path.join(DATA, "bench-500k.pcap")
    analyze = lambda f: [VPNDOCTOR, "analyze", f]
    analyze_json = lambda f: [VPNDOCTOR, "analyze", "--json", f]
    have_taskset = subprocess.run(["which", "taskset"], stdout=subprocess.DEVNULL).returncode == 0
    one = (lambda cmd: ["taskset", "-c", "0"] + cmd) if have_taskset else (lambda cmd: cmd)
    floor_runs, vd_runs, json_runs, one_runs = [], [], [], []
    for i in range(RUNS):
        floor_runs.append(measure([FLOOR, big]))
        vd_runs.append(measure(analyze(big)))
        json_runs.append(measure(analyze_json(big)))
        one_runs.append(measure(one(analyze(big))))
        print(f"run {i + 1}/{RUNS}: floor {floor_runs[-1][0]:.3f} s, vpndoctor {vd_runs[-1][0]:.3f} s, "
              f"--json {json_runs[-1][0]:.3f} s, one core {one_runs[-1][0]:.3f} s", flush=True)
    floor_ins, one_ins = instructions(one([FLOOR, big])), instructions(one(analyze(big)))
    small_vd = measure(analyze(small))
    flood = os.path.join(DATA, "flow-flood-1m.pcap")
    flood_vd = measure(analyze(flood))
    flood_report = json.loads(subprocess.run(analyze_json(flood), stdout=subprocess.PIPE, text=True).stdout)["reports"][0]
    flood_finding = any(f["rule"] == "capture.flow-table-full" for f in flood_report["captureFindings"])
    med = lambda runs, k: statistics.median(r[k] for r in runs)
    f_med, v_med, j_med = med(floor_runs, 0), med(vd_runs, 0), med(json_runs, 0)
    v_rss = max(r[1] for r in vd_runs)
    row = lambda name, wall, cpu, packets, rss: (name, f"{wall:.3f}", f"{cpu:.3f}", f"{packets / wall / 1e6:.2f} M", f"{rss / 1024:.1f}")
    rows = [
        row("C floor (pcap_next_ex)", f_med, med(floor_runs, 2), 2e6, max(r[1] for r in floor_runs)),
        row("vpndoctor analyze", v_med, med(vd_runs, 2), 2e6, v_rss),
        row("vpndoctor analyze --json", j_med, med(json_runs, 2), 2e6, max(r[1] for r in json_runs)),
    ]
    rows.append(row("vpndoctor analyze, one core" if have_taskset else "(no taskset: not one core)",
                    med(one_runs, 0), med(one_runs, 2), 2e6, max(r[1] for r in one_runs)))
    rows += [
        row("vpndoctor analyze, 500k file", small_vd[0], small_vd[2], 5e5, small_vd[1]),
        row("vpndoctor analyze, 1M-flow flood", flood_vd[0], flood_vd[2], flood_report['capture']['packets'], flood_vd[1]),
    ]
    # `packets --json` prints every packet: held only to not being slower than tcpdump's own listing.
    packets_json = measure([VPNDOCTOR, "packets", "--json", small])
    rows.append(row("vpndoctor packets --json, 500k", packets_json[0], packets_json[2], 5e5, packets_json[1]))
    tcpdump = None
    if subprocess.run(["which", "tcpdump"], stdout=subprocess.DEVNULL).returncode == 0:
        tcpdump = measure(["tcpdump", "-n", "-r", small])
        rows.append(row("tcpdump -n -r, 500k", tcpdump[0], tcpdump[2], 5e5, tcpdump[1]))
    if subprocess.run(["which", "tshark"], stdout=subprocess.DEVNULL).returncode == 0 and os.environ.get("TSHARK", "1") == "1":
        w, r, c = measure(["tshark", "-q", "-z", "conv,ip", "-r", big])
        rows.append(row("tshark -q -z conv,ip", w, c, 2e6, r))
    growth = v_rss / small_vd[1]
    lines = [
        f"vpndoctor benchmark — {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.platform()}",
        f"input: make-bench-pcap.py, 2,000,000 packets ({os.path.getsize(big) / 1e9:.2f} GB); median of {RUNS} alternating runs",
        "",
        f"{'command':34} {'wall s':>8} {'CPU s':>7} {'pkt/s':>9} {'peak RSS MiB':>13}",
    ] + [f"{a:34} {b:>8} {c:>7} {d:>9} {e:>13}" for a, b, c, d, e in rows] + [
        "",
        f"one core, CPU s / floor's CPU s: {med(one_runs, 2) / med(floor_runs, 2):.2f}  (target ≤ 2.5)",
        f"two cores, wall s / floor's wall s: {v_med / f_med:.2f}  (target ≤ 1.5)",
        f"analyze --json / analyze, wall s: {j_med / v_med:.2f}  (target ≤ 1.10)",
        f"peak RSS 2M / 500k: {growth:.2f}, {v_rss / 1024:.1f} MiB  (target: flat within ±10%, ≤ 64 MiB)",
        ("one core, instructions / floor's (user + kernel): "
         f"{sum(one_ins) / sum(floor_ins):.2f} (user {one_ins[0] / floor_ins[0]:.2f}, kernel {one_ins[1] / max(floor_ins[1], 1):.2f})"
         if floor_ins and one_ins else "instructions / floor's: no CPU counters here (perf stat)"),
        f"1M-flow flood: {flood_report['capture']['flowsEvicted']:,} flows evicted, capture.flow-table-full "
        f"{'reported' if flood_finding else 'MISSING'}",
    ] + ([f"packets --json / tcpdump -n -r (500k): {packets_json[0] / tcpdump[0]:.2f}  (target ≤ 1.0)"] if tcpdump else [])
    hostile_lines, failed = hostile()
    text = "\n".join(lines + [""] + hostile_lines)
    print(text)
    with open(os.path.join(BENCH, "results.txt"), "w") as f:
        f.write(text + "\n")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
