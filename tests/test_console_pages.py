"""Every console page, found from the app's own routes, in a real browser:
axe-core (serious or critical: none), reachable by keyboard alone, no
horizontal scrolling at 1366x768, and a screenshot (saved to
$LIULINHUI_CONSOLE_SHOTS, e.g. docs/console, when set). A new page is
toured without writing a test: a route with an id is opened from the first
link to it found on the pages already seen."""
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests import pushes
from tests.console import ADMIN, CLERK, SHOTS, describe, serious_violations, sign_in
from tests.pushes import Pusher

CENTER = "liujiaying"
SATURDAY = (pushes.DAY + timedelta(days=1)).isoformat()  # the story hour's day


def _fill(server):
    """A little of everything, so lists and detail pages have rows."""
    pushes.set_up_center(server)
    pusher = Pusher(server)
    for text in ("楼道灯坏了希望帮忙修一下", "想学用智能手机挂号", "<script>alert(1)</script>"):
        assert pusher.send("wish.create", {"wish": pushes.wish(text=text)}) == ("applied", None)
    for _ in range(3):
        pushes.booked(server, day=pushes.DAY.isoformat())
    for booking in (pushes.study_booking(kind="books", day=SATURDAY, session="pb1", seat=None, starts_at=None,
                                         child_name="小明", child_age=5),
                    pushes.study_booking(kind="counseling", day=None, session=None, seat=None, starts_at=None,
                                         topic="心理咨询", note="想聊聊孩子的学习")):
        assert pusher.send("booking.create", {"booking": booking}) == ("applied", None), booking
    pusher.send("wish.status", {"id": "nope", "status": "approved"})  # a refused mutation to show


def _console_routes(app) -> list[str]:
    """The console's pages: not its exports, the center switch (a redirect) or the sign-in form."""
    from sync.server.console import get_routes
    return [path for path in get_routes(app) if not re.search(r"\.(xlsx|csv)$|\{fmt\}|/go$|/login$", path)]


def _pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/?#]+", re.escape(path)) + "$")


INTERACTIVE = "a[href], button, input:not([type=hidden]), select, textarea"
MISSED = """(selector) => [...document.querySelectorAll(selector)]
    .filter(e => !e.disabled && e.checkVisibility({visibilityProperty: true}) && e.tabIndex >= 0)
    // a radio group is one tab stop (arrow keys move within it)
    .filter(e => !window.__tabbed.has(e) && !(e.type === 'radio' &&
        [...window.__tabbed].some(t => t.type === 'radio' && t.name === e.name)))
    .map(e => e.outerHTML.slice(0, 80))"""


def _not_reached_by_tab(page) -> list[str]:
    """The visible controls that pressing Tab from the top never reaches (a date
    input takes three presses, one per part: the presses are generous)."""
    count = page.evaluate(f"document.querySelectorAll('{INTERACTIVE}').length")
    page.evaluate("""() => { document.activeElement && document.activeElement.blur();
        window.__tabbed = new Set(); window.__hidden = [];
        document.addEventListener('focusin', ev => { const r = ev.target.getBoundingClientRect();
            window.__tabbed.add(ev.target);
            if (!(r.width > 0 && r.height > 0)) window.__hidden.push(ev.target.outerHTML.slice(0, 80)); }); }""")
    for _ in range(min(3 * count + 5, 240)):
        page.keyboard.press("Tab")
    hidden = page.evaluate("window.__hidden")
    assert hidden == [], f"focus on an invisible element: {hidden}"
    return page.evaluate(MISSED, INTERACTIVE)


def _check(page, url: str, shots: list[str], who: str, route: str | None = None):
    """route: the page's route, which names its screenshot (ids change every run)."""
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    problems = serious_violations(page)
    assert problems == [], f"{url}\n{describe(problems)}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        f"{url} scrolls sideways at 1366 px"
    assert page.locator("h1").count() == 1, f"{url}: one heading 1"
    if SHOTS:  # before the Tab walk, so no focus ring shows
        where = re.sub(r"\{(\w+?)(_id)?\}", r"\1", route) if route else url
        where = where.removeprefix("/console/center").removeprefix(f"/console/{CENTER}").removeprefix("/console")
        name = who + "-" + (where.strip("/").replace("/", "-") or "home")
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{re.sub(r'[^a-z0-9_-]+', '_', name)}.png"), full_page=True)
    missed = _not_reached_by_tab(page)
    assert missed == [], f"{url}: not reached by Tab: {missed}"
    shots.append(url)


@pytest.mark.parametrize("who", [CLERK, ADMIN], ids=["clerk", "admin"])
def test_every_console_page_is_accessible_and_reachable_by_keyboard(browser, server, who):
    from sync.server.app import create_app
    from sync.server.settings import Settings
    from tests.console import new_page
    server.start()
    _fill(server)
    routes = _console_routes(create_app(Settings(db=server.db), server.store))
    plain = [r.replace("{center_id}", CENTER) for r in routes if re.fullmatch(r"[^{}]*(\{center_id\}[^{}]*)?", r)]
    plain.append(f"/console/{CENTER}/books?day={SATURDAY}")  # the picture-book corner's day with a family
    with_ids = [r for r in routes if r.replace("{center_id}", "").count("{")]
    page = new_page(browser, server)
    try:
        page.goto("/console/login")
        assert serious_violations(page) == []
        sign_in(page, who)
        visited, hrefs = [], set()
        for url in plain:
            if url.startswith("/console/admin") and who is not ADMIN:
                continue
            _check(page, url, visited, "admin" if who is ADMIN else "clerk")
            hrefs.update(page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"))
        missing = []
        for route in with_ids:
            if route.startswith("/console/admin") and who is not ADMIN:
                continue
            pattern = _pattern(route.replace("{center_id}", CENTER))
            # a link to a page of its own (volunteers/catalogue) is not a volunteer's page
            found = sorted(h.split("?")[0] for h in hrefs
                           if pattern.match(h.split("?")[0]) and h.split("?")[0] not in plain
                           and not re.search(r"\.(xlsx|csv)$", h.split("?")[0]))
            if found:
                _check(page, found[0], visited, "admin" if who is ADMIN else "clerk", route)
            else:
                missing.append(route)
        assert not missing, f"no link found to: {missing}"
        from sync.server.console.web import SECTIONS
        assert {f"/console/{CENTER}/{path}" for path, _w, _r in SECTIONS} <= set(visited)
    finally:
        page.context.close()
