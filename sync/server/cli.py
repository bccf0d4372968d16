"""liulinhui-server: serve the API and manage centers and kiosks.

serve reads LIULINHUI_SERVER_RATE, each kiosk's sustained requests per second
(burst: twice that); unset, the server's default (20/s, burst 40). The schema
fuzz test raises it so that its examples are not answered 429.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sync.server.storage import ServerStore


def main(argv=None) -> int:
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
    args = p.parse_args(argv)
    if args.command == "serve":
        import uvicorn

        from sync.server.app import RATE, create_app
        rate = float(os.environ.get("LIULINHUI_SERVER_RATE") or RATE)
        # access_log off: request lines would carry nothing useful and must never carry tokens
        uvicorn.run(create_app(args.db, rate=rate, burst=2 * rate), host=args.host, port=args.port,
                    access_log=False, log_level="warning")
        return 0
    store = ServerStore(args.db)
    if args.command == "add-center":
        store.add_center(args.id, args.name)
    elif args.command == "add-kiosk":
        print(store.add_kiosk(args.id, args.center))
    elif args.command == "revoke-kiosk":
        store.revoke_kiosk(args.id)
    elif args.command == "list-kiosks":
        for k in store.kiosks():
            print(f"{k['id']}\t{k['center_id']}\t{'revoked' if k['revoked'] else 'active'}\t"
                  f"last seen {k['last_seen'] or '-'}\tlast push {k['last_push'] or '-'}\t"
                  f"queue {k['queue_depth'] if k['queue_depth'] is not None else '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
