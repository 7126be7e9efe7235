#!/usr/bin/env python3
"""Load HTML reports in headless Chromium through chromedriver's WebDriver HTTP API and say what a
browser sees. Standard library only (the tests run it: Tests/EndToEndTests/HTMLBrowserTests.swift).

usage: webdriver.py [--screenshots DIR] FILE.html...   prints one JSON object:
         {"pages": [{"file", "console": [...], "requests": [...], "svgs": [{"arrows", "bands",
           "unanswered", "texts", "overlaps": [[a, b], ...], "untitled"}], "highlights": {id: n}}]}
       webdriver.py compare A.png B.png                prints {"pixels", "differing", "width", "height"}

"console" is every browser log entry of the page (warnings and errors: a blocked fetch, a CSP
violation, a parse error); "requests" every URL the page asked for besides itself. "overlaps" lists
pairs of SVG text elements whose bounding boxes intersect. "highlights" is, per finding link, how
many ladder rows its :target rule turns bold. With --screenshots each page is shot at 1000x1300
into DIR/<name>.png.
"""
import base64, json, os, socket, struct, subprocess, sys, time, urllib.request, zlib

CHROMIUM = ["chromium", "chromium-browser", "google-chrome"]


def which(names):
    for name in names:
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(":"):
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                return p
    return None


def call(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}").get("value")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Runs in the page: what the SVGs hold, which labels overlap, what each finding highlights.
PROBE = r"""
const out = {svgs: [], highlights: {}};
for (const svg of document.querySelectorAll('svg.ladder')) {
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.length > 0);
  const boxes = texts.map(t => t.getBoundingClientRect());
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      overlaps.push([texts[i].textContent, texts[j].textContent]);
  }
  const groups = [...svg.querySelectorAll('g[tabindex]')];
  out.svgs.push({arrows: svg.querySelectorAll('g.msg').length, bands: svg.querySelectorAll('g.band').length,
    unanswered: svg.querySelectorAll('g.lost').length, texts: texts.length, overlaps: overlaps.slice(0, 20),
    untitled: groups.filter(g => !(g.firstElementChild && g.firstElementChild.tagName === 'title'
                                   && g.firstElementChild.textContent.length > 0)).length});
}
for (const d of document.querySelectorAll('details')) d.open = true;
for (const a of document.querySelectorAll('a.finding')) {
  location.hash = a.id;
  const session = a.closest('section.session');
  out.highlights[a.id] = session ? [...session.querySelectorAll('svg g')]
      .filter(g => getComputedStyle(g).fontWeight === '700').length : 0;
}
location.hash = '';
if (document.activeElement) document.activeElement.blur();
return out;
"""


def check(files, shots):
    chromium = which(CHROMIUM)
    driver = which(["chromedriver"])
    if not chromium or not driver:
        print(json.dumps({"error": "no chromium or chromedriver"}))
        return 3
    port = free_port()
    proc = subprocess.Popen([driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if call(port, "GET", "/status").get("ready"):
                    break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1000,1300",
                "--force-device-scale-factor=1", "--hide-scrollbars", "--font-render-hinting=none",
                "--force-color-profile=srgb", "--disable-features=Translate,MediaRouter", "--no-first-run"]},
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}}}}
        session = call(port, "POST", "/session", caps)["sessionId"]
        base = f"/session/{session}"
        pages = []
        for path in files:
            url = "file://" + os.path.abspath(path)
            call(port, "POST", base + "/url", {"url": url})
            page = {"file": path}
            page.update(call(port, "POST", base + "/execute/sync", {"script": PROBE, "args": []}))
            if shots:
                call(port, "POST", base + "/execute/sync", {"script": "for (const d of document.querySelectorAll('details')) d.open = false; window.scrollTo(0,0); return 0", "args": []})
                shot = os.path.join(shots, os.path.splitext(os.path.basename(path))[0] + ".png")
                with open(shot, "wb") as f:
                    f.write(base64.b64decode(call(port, "GET", base + "/screenshot")))
                page["screenshot"] = shot
            page["console"] = [e["message"] for e in call(port, "POST", base + "/se/log", {"type": "browser"})]
            requests = []
            for e in call(port, "POST", base + "/se/log", {"type": "performance"}):
                m = json.loads(e["message"])["message"]
                if m.get("method") == "Network.requestWillBeSent":
                    u = m["params"]["request"]["url"]
                    if u.split("#")[0] != url:
                        requests.append(u)
            page["requests"] = requests
            pages.append(page)
        call(port, "DELETE", base)
        print(json.dumps({"pages": pages}))
        return 0
    finally:
        proc.terminate()
        proc.wait()


def read_png(path):
    """8-bit RGB or RGBA, non-interlaced (what Chromium writes): (width, height, rows of RGBA bytes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack("!I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack("!IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, f"{path}: unsupported PNG"
            bpp = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 4 else bytes(v for i in range(0, stride, 3) for v in (*line[i:i + 3], 255)))
        prev = line
    return width, height, rows


def pixels(path):
    """The PNG's header and decompressed image data (equal for equal images from one encoder)."""
    data, pos, header, idat = open(path, "rb").read(), 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack("!I4s", data[pos:pos + 8])
        if kind == b"IHDR": header = data[pos + 8:pos + 8 + length]
        if kind == b"IDAT": idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return header, zlib.decompress(idat)


def compare(a, b):
    """Pixels whose colour differs by more than 48 in some channel (antialiasing and hinting move
    edges by less), over all pixels; a size change differs everywhere. Identical image data (the
    usual case) is not decoded pixel by pixel."""
    (ha, da), (hb, db) = pixels(a), pixels(b)
    if ha == hb and da == db:
        w, h = struct.unpack("!II", ha[:8])
        print(json.dumps({"pixels": w * h, "differing": 0, "width": w, "height": h}))
        return 0
    wa, ha, ra = read_png(a)
    wb, hb, rb = read_png(b)
    if (wa, ha) != (wb, hb):
        print(json.dumps({"pixels": wa * ha, "differing": wa * ha, "width": wa, "height": ha, "sizeMismatch": [wb, hb]}))
        return 0
    differing = 0
    for x, y in zip(ra, rb):
        if x != y:
            differing += sum(1 for i in range(0, len(x), 4) if max(abs(x[i + k] - y[i + k]) for k in range(3)) > 48)
    print(json.dumps({"pixels": wa * ha, "differing": differing, "width": wa, "height": ha}))
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["compare"]:
        sys.exit(compare(args[1], args[2]))
    shots = None
    if args[:1] == ["--screenshots"]:
        shots, args = args[1], args[2:]
    sys.exit(check(args, shots))
