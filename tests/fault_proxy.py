"""A loopback TCP proxy that puts network faults between the sync client and
the real server (tests only, stdlib only).

It understands just enough HTTP/1.1 to find where a request or a response
ends (the head, then a Content-Length body: neither requests nor uvicorn's
JSON answers use chunked bodies here), so a fault lands at a known point of
an exchange. The mode is read once per request and can be switched at any
time from the test:

    pass          forward both ways unchanged
    reset_before  read the request, then reset the connection (the server never sees it)
    reset_after   forward the request, read the whole answer, then reset
                  (the server did the work; the client only sees a reset)
    latency       sleep ``delay`` seconds before forwarding each direction
    cut           forward the request, send the answer's head and half its body, then close

``fired`` counts how many requests each mode actually disturbed, so a test
can prove every fault happened rather than passing vacuously.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter

MODES = ("pass", "reset_before", "reset_after", "latency", "cut")


def read_message(stream) -> tuple[bytes, bytes] | None:
    """(head, body) of the next HTTP/1.1 message on a buffered socket file,
    or None if the peer closed cleanly between messages."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline(65536)
        if not line:
            if head:
                raise ConnectionError("closed inside a message head")
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding":
            raise ValueError("chunked bodies are not supported by this proxy")
        if name == b"content-length":
            length = int(value)
    body = stream.read(length) if length else b""
    if len(body) != length:
        raise ConnectionError("closed inside a message body")
    return head, body


class FaultProxy:
    def __init__(self, upstream_port: int, delay: float = 0.3):
        self.upstream = ("127.0.0.1", upstream_port)
        self.mode = "pass"
        self.delay = delay  # seconds per direction in "latency" mode
        self.fired: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # so the accept loop notices stop() promptly
        self._stopping = threading.Event()
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def set(self, mode: str, delay: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        if delay is not None:
            self.delay = delay
        self.mode = mode

    def start(self) -> FaultProxy:
        threading.Thread(target=self._accept, name="fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            sockets = list(self._open)
        for s in sockets:  # shutdown (not just close) wakes a thread blocked in recv
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # listener closed
            client.settimeout(None)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _count(self, mode: str) -> None:
        with self._lock:
            self.fired[mode] += 1

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def _serve(self, client: socket.socket) -> None:
        """One client connection; keep-alive, so possibly many requests."""
        upstream = None
        files = [client.makefile("rb")]
        self._track(client, True)
        try:
            while True:
                request = read_message(files[0])
                if request is None:
                    return
                mode = self.mode  # one mode for the whole exchange, even if switched meanwhile
                if mode == "reset_before":
                    self._reset(client, mode)
                    return
                if mode == "latency":
                    self._count(mode)
                    time.sleep(self.delay)
                if upstream is None:
                    upstream = socket.create_connection(self.upstream)
                    self._track(upstream, True)
                    files.append(upstream.makefile("rb"))
                upstream.sendall(b"".join(request))
                response = read_message(files[1])
                if response is None:
                    return  # the server closed: so do we
                head, body = response
                if mode == "reset_after":
                    self._reset(client, mode)
                    return
                if mode == "latency":
                    time.sleep(self.delay)
                if mode == "cut":
                    client.sendall(head + body[: len(body) // 2])
                    self._count(mode)
                    return  # the finally closes with a FIN: a short, not a reset, answer
                client.sendall(head + body)
        except (OSError, ValueError):
            pass  # the client gave up (e.g. its timeout) or stop() shut us down
        finally:
            for f in files:  # a socket is only really closed once its files are
                f.close()
            for s in (client, upstream):
                if s is not None:
                    self._track(s, False)
                    s.close()

    def _reset(self, client: socket.socket, mode: str) -> None:
        # SO_LINGER on with a zero timeout: close() then sends RST instead of FIN,
        # so the client sees "connection reset by peer"
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._count(mode)
