"""The two ways the kiosk is started: the screenshot tool and a plain run."""
import io
import os
import re
import shlex
import socket
import subprocess
import sys

import pytest
from kivy.core.image import Image as CoreImage

from kiosk.paths import ROOT
from kiosk.ui.tour import OVERLAYS
from kiosk.ui.views import VIEWS
from screens import SCREENS


def run_main(*args, env_extra=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT)


def distinct_colours(path, step=16) -> int:
    image = CoreImage(str(path), keep_data=True)
    w, h = image.size
    return len({tuple(image.read_pixel(x, y)) for x in range(0, w, step) for y in range(0, h, step)})


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_screenshots_render_every_screen(tmp_path, elder):
    out = tmp_path / "shots"
    args = ["--screenshots", str(out), "--size", "1280x800"] + (["--elder"] if elder else [])
    # a bound for a broken tour, not a speed test: 38 views take minutes on a loaded machine
    result = run_main(*args, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = {spec.name for spec in SCREENS} | set(VIEWS) | set(OVERLAYS)
    assert {p.stem for p in out.glob("*.png")} == expected
    for name in expected:
        image = CoreImage(str(out / f"{name}.png"))
        assert image.size == (1280, 800)
        assert distinct_colours(out / f"{name}.png") > 5, f"{name}.png is blank"


# Each PIN check of the demo volunteer stalls Kivy's own clock by 45 s, as a
# loaded machine checking scrypt once did: the passbook signs out after 30 s.
STALLED_MACHINE = """
import runpy, sys
import kiosk.passbook
sign_in = kiosk.passbook.Passbook.sign_in
def stalled(self, *args, **kwargs):
    from kivy.clock import Clock
    clock = type(object.__getattribute__(Clock, "_obj"))  # behind Kivy's context proxy
    wall = clock.time
    clock.time = staticmethod(lambda: wall() + 45)
    return sign_in(self, *args, **kwargs)
kiosk.passbook.Passbook.sign_in = stalled
sys.argv = ["main.py", *sys.argv[1:]]
runpy.run_path("main.py", run_name="__main__")
"""


def test_the_tour_keeps_its_own_time_on_a_stalled_machine(tmp_path):
    out = tmp_path / "shots"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-c", STALLED_MACHINE, "--screenshots", str(out), "--size",
                             "1280x800", "--only", "points,points_catalogue"],
                            capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in out.glob("*.png")) == ["points.png", "points_catalogue.png"]
    # the catalogue, not the sign-in page the passbook would have gone back to
    sign_in = CoreImage(str(out / "points.png"), keep_data=True)
    catalogue = CoreImage(str(out / "points_catalogue.png"), keep_data=True)
    samples = [(x, y) for x in range(0, 1280, 16) for y in range(0, 800, 16)]
    changed = sum(sign_in.read_pixel(x, y) != catalogue.read_pixel(x, y) for x, y in samples)
    assert changed > len(samples) * 0.05
    # a fresh data folder: Kivy writes no configuration of its own to upgrade
    assert "configuration" not in result.stdout + result.stderr, result.stderr


def test_an_unknown_view_for_the_tour_is_one_clear_line(tmp_path):
    result = run_main("--screenshots", str(tmp_path), "--only", "home,nosuch", timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "liulinhui-kiosk: --only: no view named nosuch"


def test_plain_run_without_a_display_says_so_in_one_line(tmp_path):
    result = run_main(env_extra={"LIULINHUI_DATA_DIR": str(tmp_path)}, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0]


def test_bad_configuration_is_one_clear_line(tmp_path):
    result = run_main(env_extra={"LIULINHUI_IDLE_COUNTDOWN": "5"}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "liulinhui-kiosk: idle_countdown must be at least 20 s, got '5'"]


# -- liulinhui-server: token rotation and one clear line for every mistake ---------------------
def server_cli(capsys, *argv) -> tuple[int, str, str]:
    from sync.server import cli
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's way out
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def labelled_token(out: str) -> tuple[str, str]:
    """A printed token: the line that labels it (which kiosk, shown once, where it
    goes), then the kiosk's own config line; returns the label and the token."""
    said, config_line = out.splitlines()
    assert "只显示这一次" in said and "kiosk.toml" in said and "LIULINHUI_SERVER_TOKEN" in said, said
    match = re.fullmatch(r'server_token = "([A-Za-z0-9_-]{40,})"', config_line)
    assert match, config_line
    return said, match[1]


@pytest.fixture
def server_db(tmp_path):
    from sync.server.storage import ServerStore
    db = tmp_path / "server.db"
    store = ServerStore(db)
    store.centers.add_center("liujiaying", "柳家营社区党群服务中心")
    tokens = {k: store.centers.add_kiosk(k, "liujiaying") for k in ("lobby-1", "lobby-2")}
    store.centers.revoke_kiosk("lobby-2")
    store.close()
    return db, tokens


def test_rotate_kiosk_prints_a_new_token_and_the_old_one_stops(server_db, capsys):
    from sync.server.storage import ServerStore
    db, tokens = server_db
    code, out, err = server_cli(capsys, "--db", str(db), "rotate-kiosk", "lobby-1")
    assert (code, err) == (0, "")
    said, new = labelled_token(out)
    assert "lobby-1" in said and "旧令牌从现在起不能再同步" in said and new != tokens["lobby-1"]
    store = ServerStore(db)
    try:
        assert store.centers.kiosk_for_token(tokens["lobby-1"]) is None
        assert store.centers.kiosk_for_token(new)["id"] == "lobby-1"
        # the console's own code: audited, as made at the server's command line
        audit = store.db.execute("SELECT action, target, address FROM audit ORDER BY seq").fetchall()
        assert audit[-1] == ("kiosk.rotate", "lobby-1", "服务器命令行")
    finally:
        store.close()


SERVER_MISTAKES = [
    ([], "command"),
    (["bogus"], "invalid choice"),
    (["revoke-kiosk"], "id"),
    (["revoke-kiosk", "lobby-9"], "没有这个终端：lobby-9"),
    (["revoke-kiosk", "lobby-2"], "已经停用"),
    (["rotate-kiosk", "lobby-9"], "没有这个终端：lobby-9"),
    (["rotate-kiosk", "lobby-2"], "已经停用"),
    (["rotate-kiosk", "lobby-1", "lobby-2"], "unrecognized arguments"),
    (["add-kiosk", "lobby-3"], "--center"),
    (["add-kiosk", "lobby-3", "--center", "nowhere"], "没有这个中心：nowhere"),
    (["add-kiosk", "lobby-1", "--center", "liujiaying"], "已经用过"),
    (["add-kiosk", "Lobby 3", "--center", "liujiaying"], "终端编号只能用"),
    (["add-center", "liujiaying", "柳家营"], "已经有了"),
    (["add-center", "only-an-id"], "name"),
    (["add-center", "", "柳家营"], "中心编号只能用"),
    (["add-center", "Liu Jia Ying", "柳家营"], "中心编号只能用"),
    (["add-center", "anning", " "], "中心名称不能为空"),
    (["add-center", "anning", "安宁\n中心"], "控制字符"),
    (["list-kiosks", "extra"], "unrecognized arguments"),
    (["serve", "--port", "99999"], "1 to 65535"),
    (["serve", "--port", "http"], "1 to 65535"),
    (["add-staff", "a", "b", "王丽"], "--role"),
    (["add-staff", "a", "b", "王丽", "--role", "boss"], "invalid choice"),
    (["--db"], "--db"),
]


@pytest.mark.parametrize("argv, said", SERVER_MISTAKES, ids=[" ".join(a) or "nothing" for a, _ in SERVER_MISTAKES])
def test_every_server_cli_mistake_is_one_clear_line(server_db, capsys, argv, said):
    db, _ = server_db
    before = db.read_bytes()
    code, out, err = server_cli(capsys, *(["--db", str(db)] if argv[:1] != ["--db"] else []), *argv)
    assert code in (1, 2) and out == ""
    assert len(err.splitlines()) == 1 and said in err and "Traceback" not in err, err
    assert db.read_bytes() == before  # nothing changed


@pytest.mark.parametrize("variable, value", [("LIULINHUI_SERVER_RATE", "fast"), ("LIULINHUI_SERVER_RATE", "-1"),
                                             ("LIULINHUI_SERVER_SIGN_IN_RATE", "nan"),
                                             ("LIULINHUI_SERVER_DOCS", "yes")])
def test_a_bad_server_setting_is_one_line_naming_it(server_db, capsys, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with socket.socket() as taken:  # were the setting let through, the server would stop at once
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, out, err = server_cli(capsys, "--db", str(server_db[0]), "serve", "--port", str(taken.getsockname()[1]))
    assert code == 1 and len(err.splitlines()) == 1 and variable in err, err


def test_a_database_that_is_missing_or_not_one_is_one_line(tmp_path, capsys):
    missing, junk = tmp_path / "nowhere.db", tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    code, _, err = server_cli(capsys, "--db", str(missing), "list-kiosks")
    assert code == 1 and err.splitlines() == [f"未完成：没有这个数据库：{missing}（先用 add-center 建立中心，或用 --db 指明）"]
    assert not missing.exists()
    code, _, err = server_cli(capsys, "--db", str(junk), "revoke-kiosk", "lobby-1")
    assert code == 1 and len(err.splitlines()) == 1 and "无法使用" in err, err


def test_every_server_command_says_what_it_did(tmp_path, capsys, monkeypatch):
    from sync.server.storage import ServerStore
    db = str(tmp_path / "server.db")
    code, out, err = server_cli(capsys, "--db", db, "add-center", "liujiaying", "柳家营社区党群服务中心")
    assert (code, err) == (0, "") and out.splitlines() == [
        f"已添加中心 liujiaying（柳家营社区党群服务中心），数据库 {db}；接着用 add-kiosk 终端编号 --center liujiaying 添加终端"]
    code, out, err = server_cli(capsys, "--db", db, "add-kiosk", "lobby-1", "--center", "liujiaying")
    said, token = labelled_token(out)
    assert (code, err) == (0, "") and said.startswith("已添加终端 lobby-1（中心 liujiaying）。")
    store = ServerStore(tmp_path / "server.db")
    try:  # the printed token is the kiosk's
        assert store.centers.kiosk_for_token(token)["id"] == "lobby-1"
    finally:
        store.close()
    code, out, _ = server_cli(capsys, "--db", db, "list-kiosks")
    assert code == 0 and out.splitlines()[-1] == "共 1 台终端"
    code, out, _ = server_cli(capsys, "--db", db, "revoke-kiosk", "lobby-1")
    assert code == 0 and out.splitlines() == ["已停用终端 lobby-1：它的令牌从现在起不能再同步"]
    code, out, _ = server_cli(capsys, "--db", db, "purge")
    assert code == 0 and out.splitlines()[-1].startswith("已清理 1 个中心：0 条记录")
    monkeypatch.setattr("sys.stdin", io.StringIO("district-admin-1\n"))
    code, out, _ = server_cli(capsys, "--db", db, "add-staff", "admin", "wangli", "王丽", "--role", "admin",
                              "--password-stdin")
    assert code == 0 and out.splitlines() == ["已添加工作人员 admin（王丽，街道管理员）：用用户名 wangli 和刚才的密码登录控制台 /console"]


def readme_server_commands() -> list[str]:
    """The shell block that opens the README's server section, as a newcomer copies it."""
    section = (ROOT / "README.md").read_text().split("## The central server and sync", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


def test_the_readme_server_commands_work_as_written(tmp_path):
    from tests.sync_server import free_port
    add_center, add_kiosk, serve = readme_server_commands()
    assert all(line.startswith(".venv/bin/liulinhui-server --db server.db ") for line in (add_center, add_kiosk, serve))
    db, port = tmp_path / "server.db", free_port()

    def argv(line: str) -> list[str]:  # as written, but a database of this test's own
        return [arg if arg != "server.db" else str(db) for arg in shlex.split(line)]
    for line in (add_center, add_kiosk):
        done = subprocess.run(argv(line), cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stderr == "", done.stderr
    labelled_token(done.stdout)
    assert "--host 127.0.0.1" in serve  # loopback, behind the TLS proxy; never a public address
    proc = subprocess.Popen([*argv(serve.replace("--port 8080", f"--port {port}"))], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()  # said once the socket is bound
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert first == f"liulinhui-server 正在 http://127.0.0.1:{port} 监听，数据库 {db}（1 个中心，1 台在用的终端）\n", err
    assert err == ""  # no warning on loopback


def test_serve_tells_loopback_from_an_address_others_reach():  # which it warns of
    from sync.server.serving import loopback
    assert [loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "192.168.1.20", "kiosk.lan")] \
        == [True, True, True, False, False, False, False]
