"""Schema of the kiosk's local database, as ordered sqlite-utils migrations.

Never edit an applied migration: add a new one. Each runs in its own
transaction together with the record that it ran.
"""
from sqlite_utils import Migrations

migrations = Migrations("kiosk")


@migrations()
def m001_meta_and_outbox(db):
    # Small key/value facts about this kiosk (sync cursor, kiosk id, ...).
    db["meta"].create({"key": str, "value": str}, pk="key", not_null={"value"})
    # Every local write leaves one mutation here for the sync worker. seq keeps
    # the order they were made in; mutation_id is what the server dedupes on.
    db.execute(
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            mutation_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            created_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'applied', 'duplicate', 'rejected')),
            reason TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX outbox_pending ON outbox(state, seq)")


@migrations()
def m002_ime_learned(db):
    # Words picked on the pinyin keyboard from non-personal fields (bounded).
    db["ime_learned"].create({"word": str, "picks": int, "last_used": str}, pk="word",
                             not_null={"picks", "last_used"})
