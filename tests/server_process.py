"""The central server's process for the tests, forked from a warmed-up parent.

Starting ``python -m sync.server.cli serve`` spends about a second of CPU
importing FastAPI, pydantic and the server's modules, and the suite starts the
server hundreds of times. Here a multiprocessing fork server imports them once
per test process; each start forks from it and runs the same ``serve`` command
line in a process of its own (its own pid, environment, port and database, and
SIGTERM / SIGKILL as for any process). tests/test_server_serving.py and the CLI
tests still run the installed command itself.
"""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

# what `serve` imports, so no start pays for it (nothing here reads the environment at import)
_PRELOAD = ["sync.server.cli", "sync.server.app", "sync.server.serving", "sync.server.retention",
            "tests.server_process"]
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(_PRELOAD)


def _serve(argv: list[str], env: dict[str, str], log: str) -> None:
    """The child: the given environment and the log as stdout and stderr, then `serve`."""
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    from sync.server import cli
    sys.exit(cli.main(argv))


class ServerProcess:
    """The Popen calls the tests make (poll, wait, terminate, communicate, pid, stdout)."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.log = log
        # daemon: a server a test left running ends with the test process
        self._process = _CONTEXT.Process(target=_serve, args=(argv, env, str(log)), daemon=True)
        self._process.start()
        self.pid = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired("liulinhui-server", timeout)
        return self._process.exitcode

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()

    def output(self) -> str:
        return self.log.read_bytes().decode(errors="replace") if self.log.exists() else ""

    def communicate(self, timeout: float | None = None) -> tuple[bytes, None]:
        self.wait(timeout)
        return self.output().encode(), None
