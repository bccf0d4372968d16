"""Test set-up shared by every test.

Kivy reads its environment at import, so it is prepared here, before any test
module imports Kivy: a throw-away KIVY_HOME, the lobby's 1920x1080 window,
rendered offscreen when there is no display.
"""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kiosk import kivy_env

_KIVY_HOME = Path(tempfile.mkdtemp(prefix="liulinhui-kivy-home-"))
atexit.register(shutil.rmtree, _KIVY_HOME, ignore_errors=True)
# No multisample anti-aliasing in tests: it only smooths edges, and Mesa's
# software rasteriser pays for it on every frame (half a UI test's CPU time)
os.environ.setdefault("KCFG_GRAPHICS_MULTISAMPLES", "0")
# SDL's silent sound device: 朗读 plays (and is tested) on machines with no sound card
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
kivy_env.prepare(_KIVY_HOME, 1920, 1080)


@pytest.fixture
def kiosk(tmp_path):
    """The real kiosk app in the real (offscreen) window, on a fake clock."""
    from tests.harness import KioskDriver
    driver = KioskDriver.start(tmp_path)
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """A kiosk database with the demo data, made once per test process: the
    demo hashes two PINs with scrypt, a second of CPU each time."""
    from kiosk.demo import load_demo
    from kiosk.store import Store
    path = tmp_path_factory.mktemp("demo") / "kiosk.db"
    store = Store(path)
    load_demo(store)
    store.close()
    return path


@pytest.fixture
def demo_kiosk(tmp_path, demo_database):
    """The real kiosk app with real-looking content: wish cards, a passbook, a catalogue."""
    from tests.harness import KioskDriver, with_demo_data
    driver = KioskDriver.start(with_demo_data(demo_database, tmp_path))
    yield driver
    driver.stop()


@pytest.fixture
def server(tmp_path):
    """The real central server process on loopback (tests/sync_server.py), not yet started."""
    from tests.sync_server import Server
    s = Server(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def running_server(server):
    server.start()
    return server


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole run (tests/console.py); each test opens its own context."""
    from playwright.sync_api import sync_playwright

    from tests.console import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def console(browser, running_server):
    """A fresh browser page (1366x768) on the running server; not signed in."""
    from tests.console import new_page
    page = new_page(browser, running_server)
    yield page
    page.context.close()


@pytest.fixture
def kiosks(server, tmp_path):
    """Two lobby kiosks of one center (of whatever ``server`` the test uses), each
    with its store and sync client."""
    from kiosk.store import Store
    from sync.client import SyncClient
    made = []
    for name in ("lobby-1", "lobby-2"):
        store = Store(tmp_path / f"{name}.db")
        # staff PINs are checked with PBKDF2 on the server: a generous bound, only for failures
        made.append((store, SyncClient(store, server.url, server.tokens[name], timeout=60)))
    yield made
    for store, _ in made:
        store.close()
