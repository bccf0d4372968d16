"""The central server as deploy/liulinhui-server.service starts it (the same
command line and file-descriptor limit; only --db and --port replaced), on
loopback: clients trickling their request heads or bodies are closed and real
requests are still answered; a body of unknown length is refused unread on
every route that reads one; /docs and /openapi.json are closed.

Bounded in count (at most NEEDED_NOFILE + 100, about 3,700 connections) and
time (every wait has a deadline); the deadlines are generous, so only a server
that never closes a trickler or never answers reaches them, however loaded the
machine."""
import os
import re
import resource
import select
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from kiosk.paths import ROOT
from sync.protocol import MAX_BODY
from sync.server.app import create_app
from sync.server.console import get_routes
from sync.server.settings import BACKLOG, BODY_TIMEOUT, CONCURRENCY, HEAD_TIMEOUT, Settings
from sync.server.storage import ServerStore
from tests.sync_server import Server

UNIT = (ROOT / "deploy" / "liulinhui-server.service").read_text(encoding="utf-8")
GENEROUS = 90.0  # s: far past HEAD_TIMEOUT and BODY_TIMEOUT on any machine
# descriptors the server needs at worst: the connections it keeps, what asyncio accepts before
# it closes one past the limit (up to `backlog` a loop iteration, and the closing takes three
# iterations after the accept: at most four backlogs' worth, five for a margin), its files
NEEDED_NOFILE = CONCURRENCY + 5 * BACKLOG + 64


def unit_value(key: str) -> str:
    found = re.findall(rf"^{key}=(.+)$", UNIT, re.MULTILINE)
    assert len(found) == 1, f"{key}= once in the unit"
    return found[0].strip()


class UnitServer(Server):
    """tests/sync_server.Server's database and tokens, started as the unit starts the server."""

    def __init__(self, tmp_path, nofile: int | None = None):
        super().__init__(tmp_path)
        # the unit's command line: the installed console script is `python -m sync.server.cli`
        args = shlex.split(unit_value("ExecStart"))[1:]
        args[args.index("--db") + 1] = str(self.db)
        args[args.index("--port") + 1] = str(self.port)
        self.host = args[args.index("--host") + 1]
        self.args = args
        limit = int(unit_value("LimitNOFILE"))
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        # nofile: a smaller limit, to run the server out of descriptors with few connections
        self.nofile = nofile or (limit if hard == resource.RLIM_INFINITY else min(limit, hard))

    def start(self, env=None):
        nofile = self.nofile
        # a file, not a pipe nobody reads while the test runs: a full pipe would stop the server
        self.log = open(self.db.with_name("server.log"), "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", *self.args], cwd=ROOT, stdout=self.log,
            stderr=subprocess.STDOUT,
            # the unit sets no variable; the fake clock is the tests' own (no route here needs it)
            env={k: v for k, v in os.environ.items() if not k.startswith("LIULINHUI_")},
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
        if self.answers():
            return
        self.stop()
        raise RuntimeError("server did not start\n" + self.output[-2000:])

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None
            self.log.close()
            self.output = self.db.with_name("server.log").read_text(errors="replace")


@pytest.fixture
def unit_server(tmp_path):
    s = UnitServer(tmp_path)
    s.start()
    yield s
    s.stop()


def test_the_unit_serves_on_loopback_only_with_more_descriptors():
    command = shlex.split(unit_value("ExecStart"))
    assert command[0].endswith("/liulinhui-server")
    # the world reaches it through the TLS proxy (deploy/nginx-liulinhui.conf)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert int(unit_value("LimitNOFILE")) >= 65536 > NEEDED_NOFILE


def _connect(server) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sock.setblocking(False)
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed it (EOF or reset); never blocks."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(65536) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def _trickle(socks: list, byte: bytes) -> None:
    for sock in socks:
        try:
            sock.send(byte)
        except (BlockingIOError, ConnectionResetError, BrokenPipeError):
            pass


def _real_requests(server) -> None:
    """What a kiosk and a browser do: answered, within a bound only a stuck server reaches."""
    assert requests.get(server.url + "/api/v1/health", timeout=30).json()["ok"]
    pulled = requests.get(server.url + "/api/v1/pull", timeout=30,
                          headers={"Authorization": f"Bearer {server.tokens['lobby-1']}"})
    assert pulled.status_code == 200 and "changes" in pulled.json()


def test_trickling_heads_and_bodies_are_closed_while_real_requests_are_answered(unit_server):
    heads = [_connect(unit_server) for _ in range(180)]
    for sock in heads:  # a request head begun and never finished
        sock.send(b"GET /api/v1/health HTTP/1.1\r\nHost: lobby\r\n")
    kept_alive = []  # a first request answered, then the next head trickled (uvicorn's keep-alive
    for _ in range(20):  # timer stops at the next head's first byte)
        sock = socket.create_connection((unit_server.host, unit_server.port), timeout=30)
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: lobby\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.setblocking(False)
        sock.send(b"GET /api/v1/health HTTP/1.1\r\n")
        kept_alive.append(sock)
    bodies = [_connect(unit_server) for _ in range(20)]
    token = unit_server.tokens["lobby-1"].encode()
    for number, sock in enumerate(bodies):  # bodies that never come whole: a sign-in (read before
        # any credential, by FastAPI) and a push (read by the route itself)
        sock.send(b"POST /api/v1/office/session HTTP/1.1\r\n" if number % 2 else
                  b"POST /api/v1/push HTTP/1.1\r\nAuthorization: Bearer " + token + b"\r\n")
        sock.send(b"Host: lobby\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
    started = time.monotonic()
    open_heads, open_bodies = heads + kept_alive, list(bodies)
    while (open_heads or open_bodies) and time.monotonic() - started < GENEROUS:
        _trickle(open_heads, b"X")
        _trickle(open_bodies, b" ")
        _real_requests(unit_server)
        open_heads = [s for s in open_heads if not _closed_by_server(s)]
        open_bodies = [s for s in open_bodies if not _closed_by_server(s)]
        time.sleep(1)
    for sock in heads + kept_alive + bodies:
        sock.close()
    assert not open_heads, f"{len(open_heads)} of 200 trickled heads still open after {GENEROUS} s " \
                           f"(HEAD_TIMEOUT {HEAD_TIMEOUT} s)"
    assert not open_bodies, f"{len(open_bodies)} of 20 trickled bodies still open (BODY_TIMEOUT {BODY_TIMEOUT} s)"
    _real_requests(unit_server)
    unit_server.stop()
    assert "Traceback" not in unit_server.output  # closing tricklers is routine, not an error to log


def test_more_tricklers_than_descriptors_do_not_shut_real_requests_out(tmp_path):
    """The issue's attack: 1,100 trickling connections against 1,024 descriptors made every
    real request time out. Here more connections than the server has descriptors, with the
    fewest the settings need (NEEDED_NOFILE; the unit gives far more): the server keeps
    CONCURRENCY of them, closes the rest at once so it never runs out, closes those it kept
    after HEAD_TIMEOUT, and answers the real request all the same."""
    server = UnitServer(tmp_path, nofile=NEEDED_NOFILE)
    server.start()
    socks = []
    try:
        for _ in range(NEEDED_NOFILE + 100):  # the kernel queues what the server has not accepted
            try:
                socks.append(_connect(server))
            except OSError:
                break  # the kernel's queue is full: what is open is the attack
        _trickle(socks, b"GET / HTTP/1.1\r\n")
        started, answered = time.monotonic(), False
        while not answered and time.monotonic() - started < GENEROUS:
            _trickle(socks, b"X")
            try:
                answered = requests.get(server.url + "/api/v1/health", timeout=2).ok
            except requests.RequestException:
                time.sleep(1)  # refused, or waiting in the kernel's queue: the next try
        assert answered, f"no answer in {GENEROUS} s with {len(socks)} connections trickling"
        _real_requests(server)
    finally:
        for sock in socks:
            sock.close()
        server.stop()
    assert "out of system resource" not in server.output  # it never ran out of descriptors


def _body_routes() -> list[str]:
    """Every method and path of the app that may carry a body (path parameters filled in)."""
    with tempfile.TemporaryDirectory() as folder:
        store = ServerStore(Path(folder) / "routes.db")
        app = create_app(Settings(), store)
        found = [(method, re.sub(r"\{[^}]+\}", "x", path)) for method in ("POST", "PUT", "PATCH", "DELETE")
                 for path in get_routes(app, method, under="/")]
        store.close()
    return found


BODY_ROUTES = _body_routes()


def _status_unread(server, head: bytes) -> bytes:
    """The status line the server answers to a head and the first piece of a body whose rest
    never comes: an answer proves the body was refused before it was read."""
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(head + b"1\r\n{\r\n")
        return sock.recv(65536).split(b"\r\n", 1)[0]


def test_every_route_that_reads_a_body_refuses_one_of_unknown_or_too_large_length(unit_server):
    assert ("POST", "/api/v1/push") in BODY_ROUTES and ("POST", "/console/login") in BODY_ROUTES \
        and any(path.endswith("/volunteers/import") for _, path in BODY_ROUTES)
    for method, path in BODY_ROUTES:
        start = f"{method} {path} HTTP/1.1\r\nHost: lobby\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        chunked = (start + "Transfer-Encoding: chunked\r\n\r\n").encode()
        # h11 reads chunks even beside a Content-Length: the length said must not let them in
        beside = (start + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        too_large = (start + f"Content-Length: {MAX_BODY + 1}\r\n\r\n").encode()
        assert _status_unread(unit_server, chunked).split()[1] == b"411", (method, path)
        assert _status_unread(unit_server, beside).split()[1] == b"411", (method, path)
        assert _status_unread(unit_server, too_large).split()[1] == b"413", (method, path)


def test_the_api_document_and_its_pages_are_closed_unless_configured(unit_server, tmp_path):
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert requests.get(unit_server.url + path, timeout=30).status_code == 404, path
    (tmp_path / "configured").mkdir()
    configured = Server(tmp_path / "configured")  # LIULINHUI_SERVER_DOCS=1, as the other tests run it
    configured.start()
    try:
        assert "/api/v1/push" in requests.get(configured.url + "/openapi.json", timeout=30).json()["paths"]
        assert requests.get(configured.url + "/docs", timeout=30).status_code == 200
    finally:
        configured.stop()
