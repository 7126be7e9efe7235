#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz-corpus/seeds/{frame,stream,file}/
(gitignored): the frames of Captures/ and of the public corpus (../shared/captures/public or
$VPNDOCTOR_PUBLIC_CAPTURES). Input formats are those of Sources/FuzzHarness/FuzzHarness.swift.
pcapng files are converted with editcap first; files editcap cannot convert are seeded whole
(file target only)."""
import hashlib, os, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fuzz-corpus", "seeds")
# Index = byte 0 of a frame/stream input; keep in step with FuzzHarness.linkTypes.
LINK_TYPES = [1, 0, 9, 12, 14, 50, 51, 101, 108, 113, 228, 229, 276]
MAX_FRAMES_PER_FILE = 64    # frame seeds per capture (distinct bytes)
STREAM_WINDOW = 24          # frames per stream seed
MAX_STREAMS_PER_FILE = 4
MAX_FILE_SEED = 64 * 1024   # larger captures are seeded as their first records


def captures():
    public = os.environ.get("VPNDOCTOR_PUBLIC_CAPTURES") or os.path.join(ROOT, "..", "..", "shared", "captures", "public")
    if not os.path.isdir(public):
        public = os.path.join(ROOT, "..", "shared", "captures", "public")
    for base in (os.path.join(ROOT, "Captures"), public):
        for d, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith((".pcap", ".pcapng", ".cap", ".pcap-ike.pcap")) or "." not in f:
                    yield os.path.join(d, f)


def read_pcap(data):
    """(linktype, [(caplen, origlen, bytes)]) of a classic pcap, or None."""
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    records, off = [], 24
    while off + 16 <= len(data):
        _, _, caplen, origlen = struct.unpack(e + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + caplen]
        records.append((off, caplen, origlen, body))
        off += 16 + caplen
        if len(body) < caplen:
            break
    return linktype, records


def as_pcap(path, data):
    parsed = read_pcap(data)
    if parsed is not None:
        return parsed
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        r = subprocess.run(["editcap", "-F", "pcap", path, tmp.name], capture_output=True)
        if r.returncode != 0:
            return None
        return read_pcap(open(tmp.name, "rb").read())


def write(kind, blob):
    d = os.path.join(OUT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(blob).hexdigest()), "wb") as f:
        f.write(blob)


def main():
    counts = {"frame": 0, "stream": 0, "file": 0}
    for path in captures():
        data = open(path, "rb").read()
        if not data:
            continue
        parsed = as_pcap(path, data)
        if len(data) <= MAX_FILE_SEED:
            write("file", data); counts["file"] += 1
        elif parsed is not None and data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            _, records = parsed
            cut = next((off for off, *_ in records if off > MAX_FILE_SEED), None)
            if cut:
                write("file", data[:cut]); counts["file"] += 1
        if parsed is None:
            continue
        linktype, records = parsed
        if linktype not in LINK_TYPES:
            continue
        selector = LINK_TYPES.index(linktype)
        seen = set()
        for _, caplen, origlen, body in records:
            if body in seen or len(seen) >= MAX_FRAMES_PER_FILE:
                continue
            seen.add(body)
            write("frame", bytes([selector | (0x80 if caplen < origlen else 0)]) + body); counts["frame"] += 1
        step = max(STREAM_WINDOW, len(records) // MAX_STREAMS_PER_FILE)
        for start in range(0, len(records), step):
            window = records[start:start + STREAM_WINDOW]
            blob = bytearray([selector])
            for _, _, _, body in window:
                body = body[:0xFFFF]
                blob += struct.pack(">HB", len(body), 1) + body
            write("stream", bytes(blob)); counts["stream"] += 1
    print("seeds in %s: %s" % (os.path.relpath(OUT, ROOT), ", ".join("%s %d" % kv for kv in counts.items())))


if __name__ == "__main__":
    sys.exit(main())
