"""How liulinhui-server serve runs the app: uvicorn's options, and a deadline
for what uvicorn leaves unbounded (no Kivy).

uvicorn closes a connection idle between requests (timeout_keep_alive) but
has no deadline for a request's head: its keep-alive timer stops at the first
byte, and a connection that is made but never finishes its head is kept
forever. A client trickling header bytes thus holds a connection and a file
descriptor as long as it likes, and enough of them shut out every real
request. Worse, once descriptors run out, asyncio (3.11) cannot accept and
logs the failure up to `backlog` times a tick, and a blocked log stops the
server. BoundedH11 closes a connection that has not sent a whole request
head within HEAD_TIMEOUT of the server starting to wait for one (connect, or
the end of the previous response), or the rest of the body within
BODY_TIMEOUT of the head; and it closes at once a connection past
CONCURRENCY, so descriptors never run out. In front of it, on the network,
the reverse proxy does the same for the world and limits each address
(deploy/nginx-liulinhui.conf).
"""
from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.server.settings import (BACKLOG, BODY_TIMEOUT, CONCURRENCY, GRACEFUL_SHUTDOWN, HEAD_MAX_BYTES,
                                  HEAD_TIMEOUT, KEEP_ALIVE)


class BoundedH11(H11Protocol):
    """uvicorn's h11 protocol with a bounded number of connections and a deadline
    while the server waits on the client."""

    _deadline: asyncio.TimerHandle | None = None
    _waiting_for = None  # (phase, the request cycle it concerns) the deadline runs for

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > CONCURRENCY:
            # a 503 would need the request head, which is what a trickler withholds
            transport.close()
            return
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start the next pipelined request
        self._watch()

    def connection_lost(self, exc) -> None:
        self._arm(None)
        super().connection_lost(exc)

    def _watch(self) -> None:
        """After every event: which wait, if any, the deadline now bounds."""
        cycle = self.cycle
        if self.transport.is_closing():
            self._arm(None)
        elif cycle is None or cycle.response_complete:
            self._arm(("head", cycle), HEAD_TIMEOUT)  # (a body the app did not read counts as the head's)
        elif self.conn.their_state is h11.SEND_BODY:
            self._arm(("body", cycle), BODY_TIMEOUT)
        else:
            self._arm(None)  # the request is in: answering it is the app's business

    def _arm(self, waiting_for, seconds: float = 0.0) -> None:
        if waiting_for is not None and self._waiting_for is not None \
                and waiting_for[0] == self._waiting_for[0] and waiting_for[1] is self._waiting_for[1]:
            return  # the same wait: its deadline keeps running (trickled bytes do not extend it)
        if self._deadline is not None:
            self._deadline.cancel()
        self._waiting_for, self._deadline = waiting_for, None
        if waiting_for is not None:
            self._deadline = self.loop.call_later(seconds, self._expired)

    def _expired(self) -> None:
        self._deadline = self._waiting_for = None
        # closed without an answer, as nginx does on client_header_timeout; an app waiting
        # for the body sees the client disconnect
        self.transport.close()


def config(app, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=host, port=port, http=BoundedH11,
        timeout_keep_alive=KEEP_ALIVE, h11_max_incomplete_event_size=HEAD_MAX_BYTES,
        limit_concurrency=CONCURRENCY, backlog=BACKLOG, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        # request lines would carry nothing useful and must never carry tokens
        access_log=False, log_level="warning")


class _Server(uvicorn.Server):
    """uvicorn's server, saying where it listens once the socket is bound (its
    own line is logged at info, below the level it runs at)."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[str], None] | None):
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)  # a port in use exits here, before anything is said
        if self.started and self._on_listening is not None:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            self._on_listening(f"http://{f'[{host}]' if ':' in host else host}:{port}")


def loopback(host: str) -> bool:
    """Whether only this machine can reach the address (the reverse proxy is the way in)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(app, host: str, port: int, on_listening: Callable[[str], None] | None = None) -> None:
    """Serve until stopped; ``on_listening(url)`` once the socket is bound."""
    _Server(config(app, host, port), on_listening).run()
