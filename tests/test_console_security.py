"""The console as an attacker meets it, over plain HTTP against the real server
process: every change needs the CSRF token and no page changes anything; a
clerk reaches no record of another center, not by its id and not in an
export; the sub-district administrator never gets a full phone, a counseling
topic or note or a claimant's contact; sign-in and sign-out end the sessions
they should; a body of unknown length is refused before it is read; and odd
form values never make a 500."""
from __future__ import annotations

import atexit
import io
import re
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
import requests

from sync.server.app import create_app
from sync.server.console import get_routes
from sync.server.console.signin import _safe_next
from sync.server.settings import Settings
from sync.server.storage import ServerStore
from tests import pushes
from tests.console import ADMIN, CLERK
from tests.pushes import Pusher
from tests.sync_server import Server

HOME = "/console/liujiaying"
ROUTES_DB = Path(tempfile.mkdtemp(prefix="console-routes-")) / "routes.db"  # an app only to list its routes
atexit.register(shutil.rmtree, ROUTES_DB.parent, ignore_errors=True)
# what only the center's own staff may see (tests build these records below)
PRIVATE = ("13512345678", "13600009999", "联系人乙", "想聊聊孩子的学习", "机密备注甲")
TOPIC = re.compile(r"[>,]心理咨询[<,]")  # a request's topic in a cell (a table, a sheet, a CSV line)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Two centers with a record of each kind; liujiaying's also with private data."""
    server = Server(tmp_path_factory.mktemp("security"))
    pushes.set_up_center(server)
    office = server.office
    office.add_staff(server.admin, "office-x", "xu", "徐静", {"office"}, ["xigu"])
    xu = server.store.staff.actor("office-x", "test")
    office.put_volunteer(xu, "xigu", {"id": "vx", "number": "XG-0001", "name": "赵六", "phone": "13700001111"})
    office.add_ledger(xu, "xigu", {"uid": "ex-1", "volunteer_id": "vx", "activity": "夜间巡逻", "points": 50})
    office.put_catalogue_item(xu, "xigu", {"id": "cup", "item": "保温水杯", "points": 1, "stock": 10})
    server.start()
    ids = {"center_id": "liujiaying", "volunteer_id": "v1", "item_id": "pen", "staff_id": "duty-x",
           "kiosk_id": "lobby-1", "hold_id": "nope", "token": "nope"}
    there = Pusher(server, "xigu-1")
    for kind, data in (("wish", pushes.wish(phone="13700002222")), ("booking", pushes.study_booking()),
                       ("counseling", pushes.study_booking(kind="counseling", day=None, session=None, seat=None,
                                                           starts_at=None, topic="心理咨询", note="西固的心事"))):
        key = "wish" if kind == "wish" else "booking"
        assert there.send(f"{key}.create", {key: data}) == ("applied", None)
        ids["xigu_" + kind] = data["id"]
    assert there.send("redemption.request", {"hold": {"id": "hx-1", "volunteer_id": "vx", "item_id": "cup",
                                                      "points": 1, "status": "held",
                                                      "created_at": pushes.STAMP}}) == ("applied", None)
    here = Pusher(server)
    wish = pushes.wish(phone="13512345678")
    counseling = pushes.study_booking(kind="counseling", day=None, session=None, seat=None, starts_at=None,
                                      topic="心理咨询", note="想聊聊孩子的学习", phone="13512345678")
    assert here.send("wish.create", {"wish": wish}) == ("applied", None)
    assert here.send("booking.create", {"booking": counseling}) == ("applied", None)
    ids.update(wish_id=wish["id"], booking_id=counseling["id"], study_booking=pushes.booked(server)["id"])
    # one session each for the whole file: sign-ins are rate-limited per address (5 at once)
    server.sessions = {CLERK: signed_in(server, CLERK), ADMIN: signed_in(server, ADMIN)}
    clerk = server.sessions[CLERK]
    for path, form in ((f"/wishes/{wish['id']}", {"move": "approve", "seen": "submitted"}),
                       (f"/wishes/{wish['id']}", {"move": "claim", "seen": "approved", "claimant": "某党员",
                                                  "claimant_kind": "party_member", "contact": "13600009999 联系人乙"}),
                       (f"/counseling/{counseling['id']}", {"state": "call_back", "note": "机密备注甲"})):
        assert clerk.post(server.url + HOME + path, data=dict(form, csrf=clerk.csrf),
                          allow_redirects=False).status_code == 303
    with sqlite3.connect(server.db) as db:
        ids["uid"] = db.execute("SELECT uid FROM ledger WHERE volunteer_id = 'v1'").fetchone()[0]
    server.ids = ids
    yield server
    server.stop()


def signed_in(server, who) -> requests.Session:
    """A browser's session: the sign-in form posted with its own pre-sign-in cookie."""
    session = requests.Session()
    form = session.get(server.url + "/console/login").text
    pre = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = session.post(server.url + "/console/login", allow_redirects=False,
                          data={"username": who[0], "password": who[1], "csrf": pre, "next": "/console/"})
    assert answer.status_code == 303, answer.text[:300]
    page = session.get(server.url + ("/console/admin/staff" if who == ADMIN else HOME + "/")).text
    session.csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return session


def _routes(method: str) -> list[str]:
    """Every path under /console that answers ``method``, as written."""
    app = create_app(Settings(), ServerStore(ROUTES_DB))

    def walk(routes, prefix=""):
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif method in (getattr(route, "methods", None) or ()):
                yield prefix + route.path
    if method == "GET":
        return get_routes(app)
    return sorted({p for p in walk(app.routes) if p.startswith("/console/")})


def _filled(path: str, ids: dict) -> list[str]:
    """A route with this center's records in it; an export as both formats."""
    path = path.replace("/study/booking/{booking_id}", f"/study/booking/{ids['study_booking']}")
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path.replace("{fmt}", ""), path
    return [path.replace("{fmt}", f) for f in ("csv", "xlsx")] if "{fmt}" in path else [path]


def _text(answer: requests.Response) -> str:
    if answer.content[:2] == b"PK":  # a workbook: its sheets' text
        book = zipfile.ZipFile(io.BytesIO(answer.content))
        return " ".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    return answer.text


def _audit_and_changes(server) -> tuple[int, int]:
    with sqlite3.connect(server.db) as db:
        return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("audit", "changes"))


def test_no_change_without_the_token_and_no_page_changes_anything(site):
    clerk, admin = site.sessions[CLERK], site.sessions[ADMIN]
    before = _audit_and_changes(site)
    opened = 0
    for route in _routes("GET"):
        for path in _filled(route, site.ids):
            for who in (clerk, admin):
                status = who.get(site.url + path, allow_redirects=False).status_code
                assert status < 500, path
                opened += status == 200
    assert opened > 60  # the pages themselves, not the sign-in form
    assert _audit_and_changes(site) == before, "a GET page changed something"
    posts = _routes("POST")
    assert len(posts) > 30
    for route in posts:
        for path in _filled(route, site.ids):
            who = admin if path.startswith("/console/admin") else clerk
            for token in ({}, {"csrf": "0" * 64}, {"csrf": admin.csrf if who is clerk else clerk.csrf}):
                answer = who.post(site.url + path, data=dict(token, move="approve", state="done"),
                                  allow_redirects=False)
                if path == "/console/login":
                    assert answer.status_code == 403 and "页面已过期" in answer.text
                else:
                    assert answer.status_code == 403 and "表单已过期" in answer.text, (path, answer.status_code)
            # the token in the header (htmx) from another session is refused too
            assert who.post(site.url + path, headers={"X-CSRF-Token": "x"},
                            allow_redirects=False).status_code == 403, path
    assert _audit_and_changes(site) == before, "a POST without the CSRF token changed something"


def test_a_record_of_another_center_is_not_found_and_stays_as_it_was(site):
    clerk = site.sessions[CLERK]
    before = _audit_and_changes(site)
    theirs = ("赵六", "13700001111", "13700002222", "保温水杯", "夜间巡逻", "西固的心事")
    ids = site.ids
    for path in ("/console/xigu/", "/console/xigu/wishes", "/console/xigu/wishes.csv", "/console/xigu/report.xlsx",
                 "/console/go?center=xigu"):
        assert clerk.get(site.url + path, allow_redirects=False).status_code == 403, path
    for path in (f"/wishes/{ids['xigu_wish']}", f"/study/booking/{ids['xigu_booking']}",
                 f"/counseling/{ids['xigu_counseling']}", "/volunteers/vx", "/volunteers/vx.csv",
                 "/volunteers/vx/edit", "/volunteers/ledger/ex-1/reverse", "/volunteers/catalogue/cup"):
        answer = clerk.get(site.url + HOME + path, allow_redirects=False)
        assert answer.status_code == 404 and not [w for w in theirs if w in answer.text], path
    for path in ("/volunteers.csv?q=赵六", "/volunteers/ledger.csv", "/volunteers/holds.csv",
                 "/volunteers/catalogue.csv", "/counseling.csv", "/kiosks/refused.csv?kiosk=xigu-1", "/audit.csv"):
        answer = clerk.get(site.url + HOME + path, allow_redirects=False)
        assert answer.status_code < 500 and not [w for w in theirs if w in _text(answer)], path
    for path, form in ((f"/wishes/{ids['xigu_wish']}", {"move": "approve", "seen": "submitted"}),
                       (f"/study/booking/{ids['xigu_booking']}", {"action": "cancel"}),
                       (f"/counseling/{ids['xigu_counseling']}", {"state": "done"}),
                       ("/volunteers/vx/edit", {"number": "XG-0001", "name": "改名", "phone": "13700001111"}),
                       ("/volunteers/vx/service", {"activity": "巡逻", "hours": "1", "day": "2026-11-27"}),
                       ("/volunteers/vx/pin", {}), ("/volunteers/ledger/ex-1/reverse", {"reason": "录错了录错了"}),
                       ("/volunteers/catalogue/cup", {"item": "水杯", "points": "1", "stock": "5"}),
                       ("/volunteers/holds/hx-1/handover", {}), ("/volunteers/holds/hx-1/release", {}),
                       ("/kiosks/xigu-1/rotate", {}), ("/kiosks/xigu-1/revoke", {})):
        answer = clerk.post(site.url + HOME + path, data=dict(form, csrf=clerk.csrf), allow_redirects=False)
        assert answer.status_code in (403, 404, 409), (path, answer.status_code)
    assert clerk.post(site.url + "/console/xigu/volunteers/new", allow_redirects=False,
                      data={"number": "X1", "name": "某某", "phone": "13711112222", "csrf": clerk.csrf}
                      ).status_code == 403
    assert _audit_and_changes(site) == before


def test_the_administrator_never_gets_private_data(site):
    admin, clerk = site.sessions[ADMIN], site.sessions[CLERK]
    shown = {w for w in PRIVATE if w in _text(clerk.get(site.url + f"{HOME}/counseling/{site.ids['booking_id']}"))}
    assert {"13512345678", "想聊聊孩子的学习", "机密备注甲"} <= shown  # the center's own staff see them
    assert "13600009999 联系人乙" in clerk.get(site.url + f"{HOME}/wishes/{site.ids['wish_id']}").text
    for route in _routes("GET"):
        for path in _filled(route, site.ids):
            answer = admin.get(site.url + path, allow_redirects=False)
            text = _text(answer)
            assert not [w for w in PRIVATE if w in text] and not TOPIC.search(text), path


def test_sign_in_and_out_end_the_sessions_they_should(site):
    first = signed_in(site, CLERK)
    stolen = first.cookies.get("lh_session", path="/console")
    assert stolen
    cookie = next(c for c in first.cookies if c.name == "lh_session")
    assert cookie.path == "/console" and cookie.has_nonstandard_attr("HttpOnly")
    again = first.post(site.url + "/console/login", allow_redirects=False,  # over the live session
                       data={"username": CLERK[0], "password": CLERK[1], "next": "/console/",
                             "csrf": re.search(r'name="csrf" value="([^"]+)"',
                                               first.get(site.url + "/console/login").text).group(1)})
    assert again.status_code == 303 and "samesite=strict" in again.headers["set-cookie"].lower()
    fresh = first.cookies.get("lh_session", path="/console")
    assert fresh and fresh != stolen  # a new token at each sign-in; the one before no longer opens a page
    assert requests.get(site.url + HOME + "/", cookies={"lh_session": stolen}, allow_redirects=False
                        ).headers["location"].startswith("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', first.get(site.url + HOME + "/").text).group(1)
    assert first.post(site.url + "/console/logout", data={"csrf": csrf}, allow_redirects=False).status_code == 303
    assert requests.get(site.url + HOME + "/", cookies={"lh_session": fresh}, allow_redirects=False
                        ).headers["location"].startswith("/console/login")  # ended on the server, not only here
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/console/\\..\\x",
                   "javascript:alert(1)", "/consolex", "", None):
        assert _safe_next(target) == "/console/", target
    assert _safe_next("/console/liujiaying/wishes?page=2") == "/console/liujiaying/wishes?page=2"


def _chunked(parts: int):
    yield b"username=liu"
    for i in range(parts):
        yield b"&f%d=" % i + b"A" * 100_000


def test_a_body_of_unknown_length_is_refused_unread(site):
    """Without Content-Length the body limit cannot be checked first: form fields of
    up to 1 MB each (a thousand of them) would be held in memory before sign-in."""
    answer = requests.post(site.url + "/console/login", data=_chunked(20), timeout=30,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.request.headers.get("transfer-encoding") == "chunked"
    assert answer.status_code == 411 and "<h1>请求需要注明长度</h1>" in answer.text
    answer = requests.post(site.url + "/api/v1/push", data=_chunked(20), timeout=30,
                           headers={"content-type": "application/json",
                                    "Authorization": f"Bearer {site.tokens['lobby-1']}"})
    assert answer.status_code == 411 and answer.json()["type"].endswith("length-required")


# "²" is a digit to str.isdigit() that int() refuses
ODD = ("", "A" * 50_000, "\x00", "😀" * 60, "-1", "1e309", "9" * 30, "2026-02-30", "<script>x</script>", " ", "²")


def test_odd_form_values_never_make_a_500(site):
    clerk, admin = site.sessions[CLERK], site.sessions[ADMIN]
    fields = ("move", "seen", "reason", "claimant", "claimant_kind", "contact", "note", "state", "day", "time",
              "weekday", "start", "end", "counselor", "index", "mark", "message", "action", "item", "points",
              "stock", "number", "name", "phone", "activity", "hours", "kiosk_id", "username", "display_name",
              "roles", "centers", "active")
    for route in _routes("POST"):
        if route in ("/console/login", "/console/logout") or "/import" in route:
            continue
        for path in _filled(route, site.ids):
            who = admin if path.startswith("/console/admin") else clerk
            url = site.url + path
            for value in ODD:
                answer = who.post(url, data={**{f: value for f in fields}, "csrf": who.csrf},
                                  allow_redirects=False)
                assert answer.status_code < 500, (path, value[:20], answer.status_code)
            for raw in ("%ED%A0%80=%ED%A0%80", "move=claim&move=approve", "name=%FF%FE", "points=%00"):
                answer = who.post(url, data=f"{raw}&csrf={who.csrf}", allow_redirects=False,
                                  headers={"content-type": "application/x-www-form-urlencoded"})
                assert answer.status_code < 500, (path, raw)
    for route in _routes("GET"):  # a list's page, a report's year, the import's counts and columns
        for path in _filled(route, site.ids):
            for value in ("²", "-1", "A" * 5000):
                answer = clerk.get(site.url + path, allow_redirects=False, params={
                    "page": value, "year": value, "done": "imported", "added": value, "updated": value,
                    "q": value, "kiosk": value, "start": value, "state": value, "number": value})
                assert answer.status_code < 500, (path, value[:10], answer.status_code)
    for who in (clerk, admin):  # still signed in: the values above were all looked at
        assert who.get(site.url + HOME + "/", allow_redirects=False).status_code == 200


def test_a_password_reset_signs_the_account_out_everywhere(site):
    """Reset because the old password got out: a session opened with it ends too."""
    token = site.store.sessions.open("office-x", "127.0.0.1")  # 徐静 signed in somewhere
    xigu = {"lh_session": token}
    assert requests.get(site.url + "/console/xigu/", cookies=xigu, allow_redirects=False).status_code == 200
    admin = site.sessions[ADMIN]
    answer = admin.post(site.url + "/console/admin/staff/account/office-x/password", data={"csrf": admin.csrf})
    assert answer.status_code == 200 and "新密码" in answer.text
    assert requests.get(site.url + "/console/xigu/", cookies=xigu, allow_redirects=False
                        ).headers["location"].startswith("/console/login")
    assert admin.get(site.url + "/console/admin/staff", allow_redirects=False).status_code == 200


def test_a_residents_text_shows_as_written_its_punctuation_kept_and_markup_escaped(site):
    written = "请帮忙，谢谢！“好”（急）<b>"
    shown = "请帮忙，谢谢！“好”（急）&lt;b&gt;"
    wish = pushes.wish(text=written, name="Zhang Wei", phone="13512340000")
    request = pushes.study_booking(kind="counseling", day=None, session=None, seat=None, starts_at=None,
                                   topic="民情诉求", note=written, name="Lü Xin")
    # a kiosk of its own: the form fuzz above may have rotated or revoked lobby-1's token
    site.tokens.setdefault("lobby-9", site.store.centers.add_kiosk("lobby-9", "liujiaying"))
    assert Pusher(site, "lobby-9").send("wish.create", {"wish": wish}) == ("applied", None)
    assert Pusher(site, "lobby-9").send("booking.create", {"booking": request}) == ("applied", None)
    clerk = site.sessions[CLERK]
    for path, name in ((f"/wishes?q={written}", "Zhang Wei"), (f"/wishes/{wish['id']}", "Zhang Wei"),
                       (f"/counseling/{request['id']}", "Lü Xin")):
        page = clerk.get(site.url + HOME + path).text
        assert shown in page and name in page, path
    # the office's note in two lines, as a browser posts a textarea: "\r\n" is one line break
    follow_up = {"state": "call_back", "note": "已电话联系，\r\n下周二（12月8日）再约", "csrf": clerk.csrf}
    assert clerk.post(site.url + f"{HOME}/counseling/{request['id']}", data=follow_up,
                      allow_redirects=False).status_code == 303
    with sqlite3.connect(site.db) as db:
        assert db.execute("SELECT note FROM counseling_follow_ups WHERE booking_id = ?",
                          [request["id"]]).fetchone() == ("已电话联系，\n下周二（12月8日）再约",)
