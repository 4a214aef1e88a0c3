#!/usr/bin/env python3
"""Opens leakhound's HTML report in headless Chromium and checks it really works.

Run by .ci/run after the tests (issue 18). It needs only Python's standard library and a
Chromium binary (Debian's `chromium`): it drives the browser through the Chrome DevTools
Protocol on a loopback port the browser itself picks, with a small WebSocket client below.
It never passes when it cannot run the browser: a missing Chromium is a failure.

What it checks, on two reports:
  1. `leakhound scan fixtures/scan -f html`: loads without console errors, exceptions or
     Content-Security-Policy violations; typing in the search and path filters and choosing a
     confidence narrows the table to the expected rows; sorting by path works; the copy button
     answers.
  2. A synthetic 50,000-finding history report (JSON Lines written here, rendered with
     `leakhound report -f html`): loads without errors, and how long it takes is measured
     (printed, and a failure past --max-load-ms); filtering it is timed too.
Then it saves a screenshot of the large report (--screenshot, e.g. docs/html-report.png).

Usage: check_html.py --leakhound target/debug/leakhound [--screenshot docs/html-report.png]
"""

import argparse
import base64
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def fail(message):
    print(f"check_html: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


# --- A minimal WebSocket client (RFC 6455), enough for the DevTools protocol -----------------


class WebSocket:
    def __init__(self, url, timeout=60):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                fail("the browser closed the DevTools connection during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            fail(f"DevTools handshake refused: {head[:200]!r}")

    def _exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(1 << 20, n - len(buf)))
            if not chunk:
                fail("the browser closed the DevTools connection")
            buf += chunk
        return bytes(buf)

    def send(self, text):
        payload = text.encode()
        n = len(payload)
        header = bytes([0x81])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack(">H", self._exact(2))
            elif n == 127:
                (n,) = struct.unpack(">Q", self._exact(8))
            mask = self._exact(4) if b1 & 0x80 else None
            data = self._exact(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                fail("the browser closed the DevTools connection")
            if opcode == 0x9:  # ping
                continue
            message += data
            if b0 & 0x80:
                return message.decode()


class Page:
    """One browser tab over CDP: commands, and the console errors seen so far."""

    def __init__(self, ws_url):
        self.ws = WebSocket(ws_url)
        self.next_id = 0
        self.errors = []
        self.events = []
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable")

    def _event(self, msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = [a.get("value", a.get("description", "")) for a in params.get("args", [])]
            self.errors.append(f"console.{params['type']}: {args}")
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text")
            self.errors.append(f"exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(f"log: {params['entry'].get('text')}")
        self.events.append(method)

    def call(self, method, **params):
        self.next_id += 1
        want = self.next_id
        self.ws.send(json.dumps({"id": want, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == want:
                if "error" in msg:
                    fail(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def pump(self, seconds):
        """Reads events for `seconds`."""
        end = time.time() + seconds
        self.ws.sock.settimeout(0.05)
        try:
            while time.time() < end:
                try:
                    self._event(json.loads(self.ws.recv()))
                except (socket.timeout, TimeoutError):
                    pass
        finally:
            self.ws.sock.settimeout(60)

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            fail(f"evaluating {expression!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def open(self, path, timeout=120):
        """Loads file `path`; returns the wall time until the report says it is ready (ms)."""
        self.errors.clear()
        started = time.time()
        self.call("Page.navigate", url="file://" + os.path.abspath(path))
        while time.time() - started < timeout:
            if self.eval("document.body && document.body.getAttribute('data-ready')") == "1":
                return (time.time() - started) * 1000
            self.pump(0.05)
        fail(f"{path}: not ready after {timeout} s; errors: {self.errors}")


def start_browser(tmp):
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        fail("no chromium binary (install Debian's `chromium`, or set CHROMIUM)")
    profile = os.path.join(tmp, "profile")
    args = [
        exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps",
        "--disable-extensions", "--metrics-recording-only", "--password-store=basic",
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
        f"--user-data-dir={profile}", "--window-size=1400,1000", "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "chromium.log"), "w"))
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):
        if proc.poll() is not None:
            fail(f"chromium exited with {proc.returncode}: {open(os.path.join(tmp, 'chromium.log')).read()[-2000:]}")
        if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
            break
        time.sleep(0.1)
    else:
        fail("chromium did not open its DevTools port in 30 s")
    port = int(open(port_file).read().split("\n")[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
        targets = json.load(r)
    pages = [t for t in targets if t.get("type") == "page"]
    if not pages:
        fail(f"no page target in {targets}")
    return proc, Page(pages[0]["webSocketDebuggerUrl"])


# --- The reports ----------------------------------------------------------------------------


def run(cmd, ok=(0,)):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in ok:
        fail(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    return r


RULES = [
    ("github-pat-classic", "GitHub personal access token (classic)", "high", "ghp_"),
    ("aws-access-key-id", "AWS access key ID", "medium", "AKIA"),
    ("slack-bot-token", "Slack bot token", "medium", "xoxb-"),
    ("stripe-live-secret-key", "Stripe live secret key", "medium", "sk_live_"),
    ("gitlab-pat", "GitLab personal access token", "high", "glpat-"),
    ("generic-password", "Generic password assignment", "low", ""),
    ("private-key-pem", "PEM private key", "high", "-----BEGIN"),
    ("database-uri-postgres", "PostgreSQL connection URI with password", "medium", ""),
]


def synthetic(path, n, seed=18):
    """`n` findings of a made-up history audit, as `leakhound git -f jsonl` writes them
    (already redacted: only redacted prefixes, never a credential)."""
    rnd = random.Random(seed)
    authors = [("Ada Lovelace", "ada@example.com"), ("Alan Turing", "alan@example.com"),
               ("Grace Hopper", "grace@example.com"), ("Edsger Dijkstra", "edsger@example.com")]
    commits = []
    for i in range(4000):
        day = rnd.randrange(0, 4 * 365)
        y, rest = 2021 + day // 365, day % 365
        date = f"{y}-{rest // 31 % 12 + 1:02d}-{rest % 28 + 1:02d}T{rnd.randrange(24):02d}:00:00Z"
        a = rnd.choice(authors)
        commits.append({"id": "%040x" % rnd.getrandbits(160), "author": a[0], "email": a[1],
                        "date": date, "summary": f"change {i}: update service configuration"})
    with open(path, "w") as out:
        for i in range(n):
            rule, name, conf, prefix = rnd.choice(RULES)
            shown = (prefix or "pw") + "".join(rnd.choice("abcdefghJKLMN0123") for _ in range(3)) + "…"
            p = f"services/svc-{rnd.randrange(300):03d}/config/{rnd.choice(['app.env', 'settings.yaml', 'deploy.sh', 'db.ini'])}"
            line, col = rnd.randrange(1, 400), rnd.randrange(1, 40)
            f = {
                "rule": rule, "rule_name": name, "confidence": conf, "path": p,
                "line": line, "column": col, "end_line": line, "end_column": col + 40,
                "start": 100, "end": 140, "secret": shown, "redacted": True,
                "entropy": round(rnd.uniform(3, 5.5), 3), "fingerprint": "%032x" % rnd.getrandbits(128),
                "context": f"TOKEN_{i}={shown}  # <script>alert({i})</script>",
                "commit": rnd.choice(commits), "present_at_head": rnd.random() < 0.3,
            }
            if rnd.random() < 0.2:
                f["verification"] = {"provider": rule.split("-")[0], "status": rnd.choice(["active", "inactive", "unknown"]),
                                     "checked_at": "2025-01-01T00:00:00Z"}
            out.write(json.dumps(f, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leakhound", default="target/debug/leakhound")
    ap.add_argument("--screenshot", help="where to save the screenshot (PNG)")
    ap.add_argument("--findings", type=int, default=50_000)
    ap.add_argument("--max-load-ms", type=float, default=15_000)
    a = ap.parse_args()
    if not os.access(a.leakhound, os.X_OK):
        fail(f"{a.leakhound}: no leakhound binary (build it first)")
    tmp = tempfile.mkdtemp(prefix="leakhound-html-")
    proc = None
    try:
        small = os.path.join(tmp, "fixtures.html")
        run([a.leakhound, "scan", "fixtures/scan", "-f", "html", "-o", small, "--no-progress", "-q"], ok=(1,))
        jsonl = os.path.join(tmp, "big.jsonl")
        synthetic(jsonl, a.findings)
        big = os.path.join(tmp, "big.html")
        run([a.leakhound, "report", jsonl, "-f", "html", "-o", big, "-q"])

        proc, page = start_browser(tmp)
        page.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)

        # 1. The fixtures' report: renders, filters, sorts.
        page.open(small)
        page.pump(0.3)
        total = page.eval("window.leakhoundReport.shown()")
        if total != 5:
            fail(f"fixtures: {total} rows shown, expected 5")
        page.eval("document.getElementById('f-path').focus()")
        page.call("Input.insertText", text="nested/")
        page.pump(0.5)
        count = page.eval("document.getElementById('count').textContent")
        rows = page.eval("Array.from(document.querySelectorAll('.row')).filter(r => r.style.display !== 'none').map(r => r.querySelector('.c-path').textContent)")
        if count != "2 of 5 findings" or len(rows) != 2 or not all(r.startswith("nested/") for r in rows):
            fail(f"path filter: {count!r}, rows {rows}")
        page.eval("document.getElementById('f-clear').click()")
        page.eval("document.getElementById('f-q').focus()")
        page.call("Input.insertText", text="stripe")
        page.pump(0.5)
        count = page.eval("document.getElementById('count').textContent")
        if count != "1 of 5 findings":
            fail(f"search filter: {count!r}")
        page.eval("document.getElementById('f-clear').click()")
        page.eval("var s = document.getElementById('f-conf'); s.value = '2'; s.dispatchEvent(new Event('change'))")
        high = page.eval("window.leakhoundReport.shown()")
        if high != 1:
            fail(f"confidence filter: {high} high-confidence rows, expected 1")
        page.eval("document.getElementById('f-clear').click()")
        # The default order already puts leaks.env first: sort by path descending (the first
        # click sorts ascending, the second reverses), which puts nested/config.yaml first.
        page.eval("document.querySelector('#thead [data-key=path]').click()")
        page.eval("document.querySelector('#thead [data-key=path]').click()")
        order = page.eval("document.querySelector('#thead [data-key=path]').getAttribute('data-sort')")
        first = page.eval("Array.from(document.querySelectorAll('.row')).filter(r => r.style.display !== 'none').sort((a, b) => parseInt(a.style.top) - parseInt(b.style.top))[0].querySelector('.c-path').textContent")
        if order != "desc" or not first.startswith("nested/"):
            fail(f"sort by path, descending ({order!r}): first row {first!r}")
        # The copy button says whether the fingerprint was copied ("copied"; "select" where the
        # browser refuses the clipboard) until it reverts to "copy" 1.2 s later.
        page.eval("document.querySelector('.row .copy').click()")
        page.pump(0.3)
        said = page.eval("document.querySelector('.row .copy').textContent")
        if said != "copied":
            fail(f"copy button: says {said!r} after a click, expected 'copied'")
        if page.errors:
            fail(f"fixtures report: {page.errors}")
        print("check_html: fixtures report: renders; path, search and confidence filters and sorting work; no console errors")

        # 2. The large report: load time, filter time.
        size = os.path.getsize(big)
        wall = page.open(big)
        page.pump(0.5)
        load_ms = page.eval("window.leakhoundReport.loadMs")
        shown = page.eval("window.leakhoundReport.shown()")
        if shown != a.findings:
            fail(f"large report: {shown} rows shown, expected {a.findings}")
        in_dom = page.eval("document.querySelectorAll('.row').length")
        page.eval("document.getElementById('f-q').focus()")
        page.call("Input.insertText", text="svc-042/")
        page.pump(0.6)
        filtered = page.eval("window.leakhoundReport.shown()")
        apply_ms = page.eval("window.leakhoundReport.lastApplyMs()")
        want = sum(1 for l in open(jsonl) if "svc-042/" in json.loads(l)["path"])
        if filtered != want:
            fail(f"large report: search shows {filtered} rows, expected {want}")
        page.eval("document.getElementById('f-clear').click()")
        page.pump(0.3)
        if page.errors:
            fail(f"large report: {page.errors}")
        print(f"check_html: {a.findings} findings: {size / 1e6:.1f} MB; ready {load_ms:.0f} ms after navigation "
              f"(wall {wall:.0f} ms); {in_dom} row elements in the page; a search over all of them {apply_ms:.0f} ms")
        if load_ms > a.max_load_ms:
            fail(f"large report: {load_ms:.0f} ms to load, more than --max-load-ms {a.max_load_ms:.0f}")

        if a.screenshot:
            # Tall enough for the summary, the timeline and the first rows of the table.
            page.call("Emulation.setDeviceMetricsOverride", width=1400, height=1500, deviceScaleFactor=1, mobile=False)
            page.pump(0.5)
            shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print(f"check_html: screenshot saved to {a.screenshot}")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("check_html: OK")


if __name__ == "__main__":
    main()
