"""liulinhui-server: serve the API and manage centers, kiosks and staff.

serve reads its settings from the environment (sync/server/settings.py).
add-staff asks for the console password at the terminal (or reads one line
from standard input with --password-stdin) and prints nothing secret.
rotate-kiosk and revoke-kiosk go through the same office code as the
console's 终端 page, audited as made at the server's command line. Every
mistake (arguments, an unknown id, a database that cannot be opened) is one
line on standard error and a non-zero exit status, never a traceback; every
success says in a line what was done (a newcomer sees it worked), and a token
is printed once, labelled with its kiosk and as the kiosk's config line.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from pathlib import Path

from sync.server.office import KIOSK_ID, OfficeError
from sync.server.settings import Settings, SettingsError
from sync.server.staff import ROLE_WORDS, Actor, Role

CENTER_NAME_MAX = 60  # e.g. 柳家营社区党群服务中心 (11)
# who the audit names for a change made here (as add-staff names the first administrator's)
COMMAND_LINE = Actor("", frozenset({Role.ADMIN}), frozenset(), address="服务器命令行")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line, not argparse's usage block: what is wrong and where the help is."""
        self.exit(2, f"{self.prog}: {message} ({self.prog} --help)\n")


def _port(text: str) -> int:
    if not (text.isdecimal() and 0 < int(text) < 65536):
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="liulinhui-server")
    p.add_argument("--db", type=Path, default=Path("server.db"), help="the server's SQLite file")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8080)
    center = sub.add_parser("add-center")
    center.add_argument("id")
    center.add_argument("name")
    add = sub.add_parser("add-kiosk", help="register a kiosk and print its token (once)")
    add.add_argument("id")
    add.add_argument("--center", required=True)
    rotate = sub.add_parser("rotate-kiosk", help="give a kiosk a new token and print it (once); the old one stops")
    rotate.add_argument("id")
    revoke = sub.add_parser("revoke-kiosk")
    revoke.add_argument("id")
    sub.add_parser("list-kiosks")
    sub.add_parser("purge", help="forget personal data past each center's [retention] periods (serve does it daily)")
    staff = sub.add_parser("add-staff", help="add a staff account (the first must be an administrator)")
    staff.add_argument("id")
    staff.add_argument("username")
    staff.add_argument("name", help="display name, e.g. 王丽")
    staff.add_argument("--role", action="append", required=True, choices=[r.value for r in Role],
                       help="; ".join(f"{r.value}: {w}" for r, w in ROLE_WORDS.items()))
    staff.add_argument("--center", action="append", default=[])
    staff.add_argument("--password-stdin", action="store_true")
    return p


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("控制台密码 (console password): ")
    if getpass.getpass("再输入一次 (again): ") != first:
        raise OfficeError("两次输入的密码不一样")
    return first


def _token_for(kiosk_id: str, token: str) -> str:
    """The line that says where a token goes, then the kiosk's own config line:
    shown once, as only its hash is kept."""
    return (f"令牌只显示这一次（服务器只保存它的哈希），请写进终端 {kiosk_id} 的 kiosk.toml"
            f"（或 /etc/liulinhui/kiosk.env 的 LIULINHUI_SERVER_TOKEN）：\n"
            f'server_token = "{token}"')


def _counts(store) -> str:
    centers = store.db.execute("SELECT count(*) FROM centers").fetchone()[0]
    if not centers:
        return "还没有中心：先用 add-center 建立"
    kiosks = sum(not k["revoked"] for k in store.centers.kiosks())
    return f"{centers} 个中心，{kiosks} 台在用的终端"


def _kiosk_center(store, kiosk_id: str) -> str:
    found = next((k for k in store.centers.kiosks() if k["id"] == kiosk_id), None)
    if found is None:
        raise OfficeError(f"没有这个终端：{kiosk_id}（liulinhui-server list-kiosks 列出全部）")
    return found["center_id"]


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (OfficeError, SettingsError) as exc:
        print(f"未完成：{exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # a --db that is no database, or one that cannot be opened or written
        print(f"未完成：数据库 {args.db} 无法使用（{exc}）", file=sys.stderr)
        return 1


def _run(args) -> int:
    if args.command == "serve":
        from sync.server import faults, serving
        from sync.server.app import create_app
        from sync.server.retention import start_daily
        faults.arm()
        app = create_app(Settings.from_env(args.db))
        start_daily(app.state.store)
        database = f"数据库 {args.db.resolve()}（{_counts(app.state.store)}）"

        def listening(url: str) -> None:
            print(f"liulinhui-server 正在 {url} 监听，{database}", flush=True)
            if not serving.loopback(args.host):
                print(f"注意：{args.host} 不只是本机，而这里是没有 TLS 的 HTTP；请只在 127.0.0.1 上监听，"
                      "由 deploy/nginx-liulinhui.conf 提供 HTTPS", file=sys.stderr, flush=True)
        # a port in use or an unknown host: uvicorn says so in one line and exits 3
        serving.run(app, args.host, args.port, on_listening=listening)
        return 0
    from sync.server.storage import ServerStore
    if args.command not in ("add-center", "add-staff") and not args.db.is_file():
        raise OfficeError(f"没有这个数据库：{args.db}（先用 add-center 建立中心，或用 --db 指明）")
    # purge's "today"; LIULINHUI_SERVER_FAKE_NOW is for tests, as in serve
    store = ServerStore(args.db, now=Settings(fake_now=os.environ.get("LIULINHUI_SERVER_FAKE_NOW") or None).clock())
    try:
        if args.command == "add-center":
            if not KIOSK_ID.fullmatch(args.id):  # it stands in console addresses, as a kiosk's in the audit
                raise OfficeError("中心编号只能用小写英文字母、数字和短横线（-），最多 40 个，例如 liujiaying")
            if not (args.name.strip() and args.name.isprintable() and len(args.name) <= CENTER_NAME_MAX):
                raise OfficeError(f"中心名称不能为空，最多 {CENTER_NAME_MAX} 个字，不能有控制字符")
            if store.db.execute("SELECT 1 FROM centers WHERE id = ?", [args.id]).fetchone():
                raise OfficeError(f"这个中心编号已经有了：{args.id}")
            store.centers.add_center(args.id, args.name)
            print(f"已添加中心 {args.id}（{args.name}），数据库 {args.db.resolve()}；"
                  f"接着用 add-kiosk 终端编号 --center {args.id} 添加终端")
        elif args.command == "add-kiosk":
            if not store.db.execute("SELECT 1 FROM centers WHERE id = ?", [args.center]).fetchone():
                raise OfficeError(f"没有这个中心：{args.center}（先用 add-center 建立）")
            # then the office's checks (id format, an unused id), as the console adds one
            token = store.office.add_kiosk(COMMAND_LINE, args.center, args.id)
            print(f"已添加终端 {args.id}（中心 {args.center}）。{_token_for(args.id, token)}")
        elif args.command == "rotate-kiosk":
            token = store.office.rotate_kiosk_token(COMMAND_LINE, _kiosk_center(store, args.id), args.id)
            print(f"已为终端 {args.id} 换了新令牌，旧令牌从现在起不能再同步。新{_token_for(args.id, token)}")
        elif args.command == "revoke-kiosk":
            store.office.revoke_kiosk(COMMAND_LINE, _kiosk_center(store, args.id), args.id)
            print(f"已停用终端 {args.id}：它的令牌从现在起不能再同步")
        elif args.command == "list-kiosks":
            kiosks = store.centers.kiosks()
            for k in kiosks:
                print(f"{k['id']}\t{k['center_id']}\t{'revoked' if k['revoked'] else 'active'}\t"
                      f"last seen {k['last_seen'] or '-'}\tlast push {k['last_push'] or '-'}\t"
                      f"queue {k['queue_depth'] if k['queue_depth'] is not None else '-'}")
            print(f"共 {len(kiosks)} 台终端" if kiosks else "还没有终端：用 add-kiosk 添加")
        elif args.command == "purge":
            done = store.purge()
            for center_id, counts in done.items():
                print(f"{center_id}\t" + "\t".join(f"{what} {n}" for what, n in counts.items()))
            forgotten = sum(sum(counts.values()) for counts in done.values())
            print(f"已清理 {len(done)} 个中心：{forgotten} 条记录过了保存期限，其中的个人信息已删除")
        elif args.command == "add-staff":
            store.office.add_staff(None, args.id, args.username, args.name, set(args.role), args.center,
                                   password=_password(args.password_stdin))
            roles = "、".join(ROLE_WORDS[Role(r)] for r in sorted(set(args.role)))
            print(f"已添加工作人员 {args.id}（{args.name}，{roles}）：用用户名 {args.username} "
                  "和刚才的密码登录控制台 /console")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
