"""The office console in a real browser: Debian's chromium driven by the
Python playwright package (never its own browser download), against the real
server process (tests/sync_server.py) on loopback."""
from __future__ import annotations

import json
import os
from pathlib import Path

CHROMIUM = os.environ.get("LIULINHUI_CHROMIUM", "/usr/lib/chromium/chromium")
# a closed network: no background fetches, no first-run, no GPU; root needs --no-sandbox
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--lang=zh-CN"]
VIEWPORT = {"width": 1366, "height": 768}  # the office PC's screen, the smallest we serve
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"  # axe-core (MPL-2.0), from npm
SHOTS = os.environ.get("LIULINHUI_CONSOLE_SHOTS")  # a folder: the page tour saves its screenshots there

CLERK = ("liu", "office-pass-1")  # 刘敏, community staff of liujiaying (tests/sync_server.py)
ADMIN = ("admin", "district-admin-1")


def new_page(browser, server):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=server.url)
    context.set_default_timeout(15_000)  # generous: a loaded machine is slow, never wrong
    return context.new_page()


def sign_in(page, who=CLERK, next_path: str = "/console/"):
    page.goto(next_path)
    page.get_by_label("用户名").fill(who[0])
    page.get_by_label("密码").fill(who[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in found if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)


def assert_accessible(page) -> None:
    """axe-core finds nothing serious or critical on the page as it stands."""
    found = serious_violations(page)
    assert found == [], f"{page.url}\n{describe(found)}"
