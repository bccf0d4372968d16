"""The kiosk's local SQLite store (sqlite-utils), Kivy-free.

Everything a resident submits is written here first, so the kiosk works with
no network. A write is one transaction holding the record AND its outbox
mutation: after a power cut either both exist or neither does.
"""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from kiosk.clock import CenterClock
from kiosk.errors import StorageFault
from kiosk.migrations import migrations

# PRAGMA -> the value it must read back as. A kiosk that silently ran without
# WAL or fsync-on-commit could lose a receipt it already printed; without
# secure_delete a forgotten phone would stay in the file's free space.
REQUIRED_PRAGMAS = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "secure_delete": 1}
BUSY_TIMEOUT = 5.0  # s to wait for another connection (the sync worker)
# SQLite's primary result codes (the low byte of an extended one) that mean the
# disk or the file failed the kiosk, not the service's own rules.
FAULTS = {sqlite3.SQLITE_FULL: "disk_full", sqlite3.SQLITE_BUSY: "busy", sqlite3.SQLITE_LOCKED: "busy",
          sqlite3.SQLITE_IOERR: "io_error", sqlite3.SQLITE_READONLY: "io_error"}


class StoreError(RuntimeError):
    """The database cannot be opened safely; the kiosk must not start."""


def create_private(path: Path) -> None:
    """Create the database file (and its folder) readable by this user only.
    An older file, its -wal and -shm (SQLite gives new ones the file's mode),
    or a folder found looser are tightened; a shared folder with the sticky
    bit (/tmp) is left as it is: the file's own mode protects it there."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = folder.stat().st_mode
    if mode & 0o077 and not mode & stat.S_ISVTX:
        folder.chmod(0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists():
            name.chmod(0o600)  # an older file, or a permissive umask at creation


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that takes the write lock at its start (BEGIN IMMEDIATE);
    nested, a savepoint. In WAL mode a deferred transaction that reads and
    then writes fails at once with "database is locked" if another
    connection (the sync thread, the server's CLI) committed in between: the
    busy timeout does not help there, so every write starts immediate. It
    also makes read-then-write checks ("is there still a place?") race-free."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        # A COMMIT that failed (disk full, busy) can leave the transaction open, and
        # the next write would then join it: roll back, so nothing is half kept.
        if conn.in_transaction:
            conn.rollback()
        raise


def storage_fault(exc: sqlite3.Error) -> StorageFault | None:
    """The StorageFault an SQLite error stands for, told by its result code
    (never its text); None for any other error (a constraint, a bug)."""
    code = getattr(exc, "sqlite_errorcode", None)
    kind = FAULTS.get(code & 0xFF) if code is not None else None
    return StorageFault(kind) if kind else None


def apply_migrations(db: sqlite_utils.Database, pending: Migrations) -> None:
    """sqlite-utils creates its migrations table and the table's unique index
    in two commits; a power cut between them would leave the index missing
    for good. Both are made in one transaction here (and an old file missing
    the index is repaired) before the migrations run."""
    with write_transaction(db):
        pending.ensure_migrations_table(db)
        db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx__sqlite_migrations_migration_set_name "
                   "ON _sqlite_migrations (migration_set, name)")
    pending.apply(db)


class Store:
    """One connection to the kiosk database. Use one Store per thread."""

    def __init__(self, path: Path | str | None, busy_timeout: float = BUSY_TIMEOUT):
        """``path=None`` opens an in-memory database (tests, scripts)."""
        self.path = Path(path) if path is not None else None
        self.busy_timeout = busy_timeout
        # The OnDuty of an open staff mode: whatever is made meanwhile, for the
        # resident in front of them (代办), is signed by them (enqueue)
        self.acting = None
        # stamps what it writes by itself (the outbox's created_at); the app sets the center's clock
        self.clock = CenterClock()
        try:
            if self.path is None:
                conn = sqlite3.connect(":memory:", check_same_thread=False)
            else:
                create_private(self.path)
                conn = sqlite3.connect(self.path, timeout=busy_timeout)
            # No sqlite-utils plugins: nothing installed on the machine gets to
            # hook into the kiosk's database (and scanning for them costs ~16 ms).
            self.db = sqlite_utils.Database(conn, execute_plugins=False)
            self._set_pragmas()
            apply_migrations(self.db, migrations)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the kiosk database {self.path}: {exc}") from exc

    def _set_pragmas(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        required = dict(REQUIRED_PRAGMAS)
        if self.path is None:
            required["journal_mode"] = "memory"  # WAL does not exist in memory
        actual = {"journal_mode": str(mode).lower()}
        for name in ("synchronous", "foreign_keys", "secure_delete"):
            actual[name] = conn.execute(f"PRAGMA {name}").fetchone()[0]
        wrong = {k: v for k, v in actual.items() if v != required[k]}
        if wrong:
            raise StoreError(f"database settings did not take: {wrong}, need {required}")

    def pragmas(self) -> dict:
        conn = self.db.conn
        return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in REQUIRED_PRAGMAS}

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit (nested calls become savepoints); see write_transaction.
        A full disk, a lock held too long or an I/O error rolls it back and
        raises StorageFault, which every screen shows as a refusal."""
        try:
            with write_transaction(self.db) as db:
                yield db
        except sqlite3.Error as exc:
            fault = storage_fault(exc)
            if fault is None:
                raise
            raise fault from exc

    def enqueue(self, mutation_type: str, payload: dict, signed_by=None) -> str:
        """Add one outbox mutation inside the caller's transaction; return its id.
        ``signed_by``: the kiosk.staffmode.OnDuty who made it in staff mode
        (by default the one acting now, if any)."""
        if not self.db.conn.in_transaction:
            raise StoreError("enqueue must run inside Store.transaction()")
        mutation_id = str(uuid.uuid4())
        signed_by = signed_by or self.acting
        if signed_by is not None:
            payload = dict(payload, **signed_by.sign(mutation_id))
        self.db.execute(
            "INSERT INTO outbox (mutation_id, type, created_at, payload) VALUES (?, ?, ?, ?)",
            [mutation_id, mutation_type, self.clock.stamp(), json.dumps(payload, ensure_ascii=False)],
        )
        return mutation_id

    @contextmanager
    def unattended(self) -> Iterator[None]:
        """What the kiosk does by itself (releasing no-shows) is nobody's staff action."""
        acting, self.acting = self.acting, None
        try:
            yield
        finally:
            self.acting = acting

    def write(self, table: str, record: dict, mutation_type: str, pk: str = "id") -> str:
        """Insert ``record`` into ``table`` and its outbox mutation, atomically.

        Returns the mutation id. Raises (and stores nothing) if either insert fails.
        """
        with self.transaction():
            self.db[table].insert(record, pk=pk)
            return self.enqueue(mutation_type, {"table": table, "record": record})

    def insert_with_code(self, table: str, record: dict, column: str, make_code, write) -> dict | None:
        """Insert ``record`` with a fresh short code in ``column`` (a ticket, a
        wish code), calling ``write(record)`` in the same transaction for the
        rest (outbox, events). A clash with an existing code draws another;
        returns None if five draws all clashed."""
        for _attempt in range(5):
            record = dict(record, **{column: make_code()})
            try:
                with self.transaction() as db:
                    db[table].insert(record)
                    write(record)
                return record
            except sqlite3.IntegrityError as exc:
                if f"{table}.{column}" not in str(exc):
                    raise
        return None

    def pending_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]

    def pending_raw(self, limit: int = 100) -> list[tuple[str, str, str, str]]:
        """(mutation id, type, created_at, payload as stored JSON), oldest first: what a push sends."""
        return self.db.execute("SELECT mutation_id, type, created_at, payload FROM outbox WHERE state = 'pending' "
                               "ORDER BY seq LIMIT ?", [limit]).fetchall()

    def pending(self, limit: int = 100) -> list[dict]:
        rows = self.db.query(
            "SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?", [limit])
        return [dict(row, payload=json.loads(row["payload"])) for row in rows]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db["meta"].upsert({"key": key, "value": value}, pk="key")
