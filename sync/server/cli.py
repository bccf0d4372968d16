"""liulinhui-server: serve the API and manage centers, kiosks and staff.

serve reads its settings from the environment (sync/server/settings.py).
add-staff asks for the console password at the terminal (or reads one line
from standard input with --password-stdin) and prints nothing secret.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sync.server.office import OfficeError
from sync.server.staff import ROLE_WORDS, Role


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="liulinhui-server")
    p.add_argument("--db", type=Path, default=Path("server.db"), help="the server's SQLite file")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    center = sub.add_parser("add-center")
    center.add_argument("id")
    center.add_argument("name")
    add = sub.add_parser("add-kiosk", help="register a kiosk and print its token (once)")
    add.add_argument("id")
    add.add_argument("--center", required=True)
    revoke = sub.add_parser("revoke-kiosk")
    revoke.add_argument("id")
    sub.add_parser("list-kiosks")
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


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        import uvicorn

        from sync.server.app import create_app
        from sync.server.settings import Settings
        # access_log off: request lines would carry nothing useful and must never carry tokens
        uvicorn.run(create_app(Settings.from_env(args.db)), host=args.host, port=args.port,
                    access_log=False, log_level="warning")
        return 0
    from sync.server.storage import ServerStore
    store = ServerStore(args.db)
    try:
        if args.command == "add-center":
            store.centers.add_center(args.id, args.name)
        elif args.command == "add-kiosk":
            print(store.centers.add_kiosk(args.id, args.center))
        elif args.command == "revoke-kiosk":
            if not any(k["id"] == args.id for k in store.centers.kiosks()):
                raise OfficeError(f"没有这个终端：{args.id}（liulinhui-server list-kiosks 列出全部）")
            store.centers.revoke_kiosk(args.id)
        elif args.command == "list-kiosks":
            for k in store.centers.kiosks():
                print(f"{k['id']}\t{k['center_id']}\t{'revoked' if k['revoked'] else 'active'}\t"
                      f"last seen {k['last_seen'] or '-'}\tlast push {k['last_push'] or '-'}\t"
                      f"queue {k['queue_depth'] if k['queue_depth'] is not None else '-'}")
        elif args.command == "add-staff":
            store.office.add_staff(None, args.id, args.username, args.name, set(args.role), args.center,
                                   password=_password(args.password_stdin))
            print(f"已添加工作人员 {args.id} ({', '.join(sorted(args.role))})")
    except OfficeError as exc:
        print(f"未完成：{exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
