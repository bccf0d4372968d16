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


@migrations()
def m003_bookings(db):
    # Study-room seats, picture-book places and counseling requests share one
    # table. Double booking is refused by the database itself (partial
    # UNIQUE indexes over the bookings that still hold their place), not only
    # by code: two writers racing for one seat cannot both win.
    db.executescript(
        """
        CREATE TABLE bookings (
            id TEXT PRIMARY KEY,
            ticket TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('study', 'books', 'counseling')),
            day TEXT,
            session TEXT,
            seat INTEGER,
            starts_at TEXT,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            child_name TEXT,
            child_age INTEGER,
            topic TEXT,
            note TEXT,
            status TEXT NOT NULL
                CHECK (status IN ('booked', 'waiting', 'cancelled', 'checked_in', 'no_show')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX bookings_one_seat ON bookings (day, session, seat)
            WHERE kind = 'study' AND status IN ('booked', 'checked_in');
        CREATE UNIQUE INDEX bookings_one_seat_per_person ON bookings (day, session, phone)
            WHERE kind = 'study' AND status IN ('booked', 'checked_in');
        CREATE UNIQUE INDEX bookings_one_place_per_child ON bookings (day, session, phone, child_name)
            WHERE kind = 'books' AND status IN ('booked', 'checked_in', 'waiting');
        CREATE UNIQUE INDEX bookings_one_per_counseling_slot ON bookings (day, session)
            WHERE kind = 'counseling' AND session IS NOT NULL AND status IN ('booked', 'checked_in');
        CREATE UNIQUE INDEX bookings_one_open_request ON bookings (phone)
            WHERE kind = 'counseling' AND status = 'booked';
        CREATE INDEX bookings_by_session ON bookings (kind, day, session, status);
        CREATE INDEX bookings_by_phone ON bookings (phone, kind, day);
        CREATE INDEX bookings_open ON bookings (status, starts_at);
        CREATE TABLE booking_events (
            id INTEGER PRIMARY KEY,
            booking_id TEXT NOT NULL REFERENCES bookings (id),
            event TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TABLE booking_block_lifts (
            phone TEXT PRIMARY KEY,
            lifted_at TEXT NOT NULL,
            staff_id TEXT NOT NULL
        );
        """
    )
