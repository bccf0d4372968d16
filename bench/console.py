"""The office console at five years of one center's data: server-side render
time of every page, and the full ledger's export.

    python bench/console.py [--requests 50] [--no-exports] [--explain]

1. The data: bench/console_data.py (330,000 bookings, 2,000,000 ledger rows,
   5,000 wishes, 2,000 volunteers, kiosks, mutations and audit rows in
   proportion), written straight into the schema and cached under /tmp by
   schema version.
2. Pages: the dashboard and every list page the app has (found from its
   routes: each GET under /console/{center_id}/ with no other parameter and
   not an export), signed in as the clerk through the real sign-in form. The
   server is the real one, a uvicorn child process on loopback (httpx is not
   in the venv for an in-process ASGI client), driven by requests on one
   kept-alive connection; the time is request to last byte, so it includes
   the loopback round trip, measured on /api/v1/health too.
   p50/p95 over --requests requests after three warm-up requests (the first
   request after start is printed apart), and the server process's CPU time
   per request (user + system, from /proc: what the page costs whatever the
   machine's load). Baseline, in the same run: the same
   pages of the same code on an empty database (the same center, staff and
   document), so the difference is what five years of data cost.
   Target: p95 <= 50 ms.
3. Exports: the full ledger as .csv and .xlsx, each from a freshly started
   server: time, size, and the server process's peak RSS (VmHWM in
   /proc/<pid>/status) before and after, to show the export streams.
4. --explain (and for any page over the target): the page is rendered once
   in-process with SQLite's trace callback on, and its statements are timed
   again one by one with EXPLAIN QUERY PLAN, slowest first.
Figures on a shared machine move with its load: the load average is printed.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import console_data as data  # noqa: E402
from sync.server.settings import Settings  # noqa: E402
from tests.sync_server import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
WANTED = ("", "wishes", "volunteers", "ledger", "kiosks", "audit", "counseling", "study", "books", "report")
PREFIX = "/console/{center_id}/"


# -- the app's pages ---------------------------------------------------------------------
def app_routes(db: Path) -> list[str]:
    from sync.server.app import create_app
    from sync.server.console import get_routes
    app = create_app(Settings(db=db, fake_now=data.NOW))
    try:
        return get_routes(app)
    finally:
        app.state.store.close()


def pages(routes: list[str]) -> list[str]:
    """The center's pages without another parameter: the dashboard and each list."""
    return [r[len(PREFIX):] for r in routes if r.startswith(PREFIX) and "{" not in r[len(PREFIX):]
            and not re.search(r"\.(xlsx|csv)$", r)]


def ledger_export(routes: list[str]) -> str | None:
    """The full ledger's export route, e.g. volunteers/ledger.{fmt}."""
    found = [r[len(PREFIX):] for r in routes if r.startswith(PREFIX) and re.search(r"ledger\.(\{fmt\}|csv)$", r)]
    return found[0].replace(".csv", ".{fmt}") if found else None


# -- a real server ----------------------------------------------------------------------------
class Served:
    def __init__(self, db: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, LIULINHUI_SERVER_FAKE_NOW=data.NOW, LIULINHUI_SERVER_SIGN_IN_RATE="1000")
        self.proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "--db", str(db), "serve",
                                      "--port", str(self.port)], cwd=ROOT, env=env)
        self.http = requests.Session()
        for _ in range(600):
            try:
                if self.http.get(self.url + "/api/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")

    def sign_in(self) -> None:
        form = self.http.get(self.url + "/console/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        answer = self.http.post(self.url + "/console/login", allow_redirects=False, data={
            "username": data.CLERK[0], "password": data.CLERK[1], "csrf": csrf, "next": "/console/"})
        assert answer.status_code == 303, answer.status_code

    def cpu_seconds(self) -> float:
        """User and system time of the server process so far (all its threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss(self) -> int:
        """KiB, the server process's high-water mark."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))

    def timed(self, path: str) -> tuple[float, int, int]:
        """ms, status (0: the server dropped the connection, e.g. a page that raised), size."""
        start = time.perf_counter()
        try:
            answer = self.http.get(self.url + path)
        except requests.ConnectionError:
            return (time.perf_counter() - start) * 1000, 0, 0
        return (time.perf_counter() - start) * 1000, answer.status_code, len(answer.content)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(served: Served, path: str, n: int) -> dict:
    first, status, size = served.timed(path)
    if status != 200:  # a page being built right now may be broken: say so, time the rest
        return {"failed": status or "connection dropped"}
    for _ in range(2):
        served.timed(path)
    times, cpu = [], served.cpu_seconds()
    for _ in range(n):
        ms, status, size = served.timed(path)
        times.append(ms)
    cpu = (served.cpu_seconds() - cpu) * 1000 / n
    cuts = statistics.quantiles(times, n=20)
    return {"first": first, "p50": statistics.median(times), "p95": cuts[18], "cpu": cpu, "status": status,
            "size": size}


def run_pages(db: Path, names: list[str], n: int) -> dict[str, dict]:
    served = Served(db)
    try:
        served.sign_in()
        found = {"(loopback: /api/v1/health)": measure(served, "/api/v1/health", n)}
        for name in names:
            found[name] = measure(served, f"/console/{data.CENTER}/{name}", n)
        return found
    finally:
        served.stop()


def export(db: Path, route: str, fmt: str, folder: Path) -> dict:
    served = Served(db)
    try:
        served.sign_in()
        served.timed(f"/console/{data.CENTER}/")
        before = served.peak_rss()
        out = folder / f"ledger.{fmt}"
        start = time.perf_counter()
        with served.http.get(f"{served.url}/console/{data.CENTER}/{route.replace('{fmt}', fmt)}", stream=True) as r:
            r.raise_for_status()
            with open(out, "wb") as f:
                for chunk in r.iter_content(1 << 16):
                    f.write(chunk)
        seconds = time.perf_counter() - start
        rows = None
        if fmt == "csv":
            with open(out, "rb") as f:
                rows = sum(1 for _ in f) - 1
        return {"seconds": seconds, "bytes": out.stat().st_size, "rows": rows, "rss_before": before,
                "rss_peak": served.peak_rss()}
    finally:
        served.stop()


# -- why a page is slow ---------------------------------------------------------------------------
async def _asgi_get(app, path: str, cookie: str) -> int:
    """One GET through the app in-process (what httpx.ASGITransport would do)."""
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"bench"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 9), "server": ("bench", 80)}
    answer = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
    await app(scope, receive, send)
    return answer["status"]


def explain(db: Path, names: list[str], top: int = 6) -> None:
    from sync.server.app import create_app
    from sync.server.console.web import COOKIE
    app = create_app(Settings(db=db, fake_now=data.NOW))
    store = app.state.store
    cookie = f"{COOKIE}={store.sessions.open('office-1', '127.0.0.1')}"
    conn = store.shared.conn
    probe = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for name in names:
            path = f"/console/{data.CENTER}/{name}"
            asyncio.run(_asgi_get(app, path, cookie))  # warm: caches, the center's document
            statements: list[str] = []
            conn.set_trace_callback(statements.append)
            asyncio.run(_asgi_get(app, path, cookie))
            conn.set_trace_callback(None)
            timed = []
            for sql in dict.fromkeys(s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))):
                best = float("inf")
                for _ in range(3):  # the best of three: the probe's own page cache is cold at first
                    start = time.process_time()
                    probe.execute(sql).fetchall()
                    best = min(best, time.process_time() - start)
                timed.append((best * 1000, sql))
            print(f"\n{path}: {len(statements)} statements; slowest (CPU ms, best of 3):")
            for ms, sql in sorted(timed, reverse=True)[:top]:
                print(f"  {ms:8.1f} ms  {sql[:300]}")
                for row in probe.execute("EXPLAIN QUERY PLAN " + sql):
                    print(f"              {row[3]}")
    finally:
        probe.close()
        store.close()


# -- the report --------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-exports", action="store_true")
    parser.add_argument("--explain", action="store_true", help="the statements of every page, not only slow ones")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="liulinhui-bench-console-"))

    started = time.perf_counter()
    big = data.cached()
    print(f"five years: {big} ({big.stat().st_size / 2 ** 20:,.0f} MiB, ready in "
          f"{time.perf_counter() - started:.0f} s; schema {data.schema_version().split(',')[-1]})")
    print("  " + ", ".join(f"{n:,} {t}" for t, n in data.counts(big).items()))
    empty = folder / "empty.db"
    data.set_up(empty).close()

    routes = app_routes(empty)
    names = pages(routes)
    print("pages found:", ", ".join(n or "(dashboard)" for n in names))
    missing = [w for w in WANTED if not any(n == w or n.endswith("/" + w) for n in names)]
    if missing:
        print("not in the app (skipped):", ", ".join(missing))
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    baseline = run_pages(empty, names, args.requests)
    loaded = run_pages(big, names, args.requests)
    print(f"\nserver-side render, ms (uvicorn on loopback, requests; {args.requests} requests each, "
          f"signed in as the clerk; target p95 <= {TARGET_MS:.0f} ms)")
    print(f"{'page':<28} {'empty p50':>9} {'p95':>7} {'cpu':>5}   {'5 years p50':>11} {'p95':>7} {'cpu':>5} "
          f"{'first':>8}  {'KiB':>5}")
    slow = []
    for name, big_figures in loaded.items():
        base = baseline[name]
        label = name if name.startswith("(") else (name or "(dashboard)")
        failed = base.get("failed") or big_figures.get("failed")
        if failed:
            print(f"{label:<28} not timed: the page answered {failed}")
            continue
        over = not name.startswith("(") and big_figures["p95"] > TARGET_MS
        flag = "  OVER" if over else ""
        if big_figures["status"] != 200:
            flag += f"  status {big_figures['status']}"
        if over:
            slow.append(name)
        print(f"{label:<28} {base['p50']:9.1f} {base['p95']:7.1f} {base['cpu']:5.1f}   {big_figures['p50']:11.1f} "
              f"{big_figures['p95']:7.1f} {big_figures['cpu']:5.1f} {big_figures['first']:8.1f}  "
              f"{big_figures['size'] / 1024:5.0f}{flag}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")

    if not args.no_exports:
        route = ledger_export(routes)
        if route is None:
            print("\nno ledger export route in the app: exports skipped")
        else:
            rows = data.counts(big)["ledger"]
            print(f"\nthe full ledger ({rows:,} rows) from /console/{{center}}/{route}, each from a fresh server:")
            for fmt in ("csv", "xlsx"):
                e = export(big, route, fmt, folder)
                counted = f", {e['rows']:,} rows" if e["rows"] is not None else ""
                print(f"  .{fmt:<4} {e['seconds']:7.1f} s  {e['bytes'] / 2 ** 20:7.1f} MiB{counted}  server peak RSS "
                      f"{e['rss_before'] / 1024:.0f} MiB before, {e['rss_peak'] / 1024:.0f} MiB after")
    if args.explain or slow:
        explain(big, names if args.explain else slow)


if __name__ == "__main__":
    main()
