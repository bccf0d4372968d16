"""Signing in to the office console in a real browser: who may, what locks,
what a session cookie is, and what a page refuses."""
import re

import requests

from tests.console import ADMIN, CLERK, serious_violations, describe, sign_in
from tests.sync_server import DUTY


def test_clerk_signs_in_sees_today_and_signs_out(console):
    console.goto("/")
    assert console.url.endswith("/console/login?next=/console/")
    assert serious_violations(console) == [], describe(serious_violations(console))
    sign_in(console)
    assert console.url.endswith("/console/liujiaying/")
    assert console.get_by_role("heading", name=re.compile("今日待办")).is_visible()
    assert console.get_by_text("刘敏").is_visible()
    cookie = next(c for c in console.context.cookies() if c["name"] == "lh_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    console.get_by_role("button", name="退出登录").click()
    assert "/console/login" in console.url
    console.goto("/console/liujiaying/")
    assert "/console/login" in console.url  # the session is gone on the server too


def test_wrong_passwords_lock_the_account_with_the_same_words(console, running_server):
    def attempt(username, password):
        console.get_by_label("用户名").fill(username)
        console.get_by_label("密码").fill(password)
        console.get_by_role("button", name="登录").click()
        return console.get_by_role("alert").inner_text()

    console.goto("/console/login")
    unknown = attempt("nobody", "whatever")
    for _ in range(4):
        wrong = attempt(CLERK[0], "wrong-password")
    assert wrong == unknown and "用户名或密码不正确" in wrong
    # the fifth failure locks: now even the right password is refused, with the same words
    # (the sign-in rate limit is 5 at once, so the next tries are slowed: the test spaces them)
    server = running_server
    server.stop()
    server.start(env={"LIULINHUI_SERVER_SIGN_IN_RATE": "1000"})
    console.goto("/console/login")
    attempt(CLERK[0], "wrong-password")
    assert attempt(*CLERK) == unknown
    assert "/console/login" in console.url


def test_on_duty_staff_have_no_console(console, running_server):
    from tests.sync_server import PASSWORD_HASHES
    with running_server.store.shared.transaction():
        running_server.store.db.execute("UPDATE staff SET password_hash = ? WHERE id = ?",
                                        [PASSWORD_HASHES["duty-pass-1"], DUTY])
    sign_in(console, ("wang", "duty-pass-1"))
    assert console.get_by_role("heading", name="值班员账号不能使用办公室后台").is_visible()
    assert not any(c["name"] == "lh_session" for c in console.context.cookies())


def test_a_clerk_cannot_open_another_center(console, running_server):
    running_server.store.centers.add_center("xigu", "西固社区党群服务中心")
    sign_in(console)
    response = console.goto("/console/xigu/")
    assert response.status == 403
    assert console.get_by_role("heading", name="没有这个中心的权限").is_visible()
    response = console.goto("/console/liujiaying/no-such-page")
    assert response.status == 404 and "text/html" in response.headers["content-type"]
    assert console.get_by_role("heading", name="没有这个页面").is_visible()


def test_the_administrator_sees_every_center(console, running_server):
    running_server.store.centers.add_center("xigu", "西固社区党群服务中心")
    sign_in(console, ADMIN)
    console.get_by_label("切换中心").select_option(label="西固社区党群服务中心")
    console.get_by_role("button", name="前往").click()
    assert console.url.endswith("/console/xigu/")


def test_a_change_without_the_csrf_token_is_refused(console, running_server):
    sign_in(console)
    cookies = {c["name"]: c["value"] for c in console.context.cookies()}
    # the browser's own cookie, but a form posted from elsewhere has no token
    answer = requests.post(running_server.url + "/console/logout", cookies=cookies, allow_redirects=False)
    assert answer.status_code == 403 and "表单已过期或来源不明" in answer.text
    console.reload()
    assert console.get_by_role("heading", name=re.compile("今日待办")).is_visible()  # still signed in


def test_the_session_ends_after_30_idle_minutes(console, running_server):
    sign_in(console)
    with running_server.store.shared.transaction():
        running_server.store.db.execute("UPDATE staff_sessions SET expires_at = '2000-01-01T00:00:00+00:00'")
    console.goto("/console/liujiaying/")
    assert "/console/login?next=/console/liujiaying/" in console.url
