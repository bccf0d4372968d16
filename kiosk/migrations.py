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


@migrations()
def m004_wishes(db):
    db.executescript(
        """
        CREATE TABLE wishes (
            id TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            category TEXT NOT NULL,
            text TEXT NOT NULL,
            consent INTEGER NOT NULL CHECK (consent IN (0, 1)),
            status TEXT NOT NULL DEFAULT 'submitted'
                CHECK (status IN ('submitted', 'approved', 'claimed', 'fulfilled', 'declined')),
            reason TEXT,
            fulfilled_note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX wishes_wall ON wishes (status, category, created_at DESC);
        CREATE TABLE wish_claims (
            id INTEGER PRIMARY KEY,
            wish_id TEXT NOT NULL REFERENCES wishes (id),
            claimant TEXT NOT NULL,
            claimant_kind TEXT NOT NULL CHECK (claimant_kind IN ('party_member', 'member_unit')),
            live INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
            claimed_at TEXT NOT NULL,
            withdrawn_at TEXT
        );
        -- exactly one live claim per wish, enforced here
        CREATE UNIQUE INDEX wish_one_live_claim ON wish_claims (wish_id) WHERE live = 1;
        """
    )


@migrations()
def m005_passbook(db):
    db.executescript(
        """
        CREATE TABLE volunteers (
            id TEXT PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            phone TEXT NOT NULL UNIQUE,
            pin_hash TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            lockouts INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        );
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
            at TEXT NOT NULL,
            activity TEXT NOT NULL,
            hours REAL NOT NULL DEFAULT 0,
            points INTEGER NOT NULL,
            reason TEXT,
            staff_id TEXT,
            reverses INTEGER REFERENCES ledger (id)
        );
        CREATE INDEX ledger_by_volunteer ON ledger (volunteer_id, at DESC, id DESC);
        -- append-only: a correction is a reversing entry, never an edit
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TABLE catalogue (
            id TEXT PRIMARY KEY,
            item TEXT NOT NULL,
            points INTEGER NOT NULL CHECK (points > 0),
            stock INTEGER NOT NULL CHECK (stock >= 0)
        );
        CREATE TABLE holds (
            id TEXT PRIMARY KEY,
            volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
            item_id TEXT NOT NULL REFERENCES catalogue (id),
            points INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'handed_over', 'released')),
            created_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE INDEX holds_open ON holds (volunteer_id, status);
        """
    )


@migrations()
def m006_sync_rejections(db):
    # A submission the server refused keeps its reason (e.g. seat_taken) for
    # staff to see; it is never dropped.
    db.execute("ALTER TABLE bookings ADD COLUMN rejected_reason TEXT")
    db.execute("ALTER TABLE wishes ADD COLUMN rejected_reason TEXT")


@migrations()
def m007_replica(db):
    # What the kiosk learns from the server's pull feed.
    db.executescript(
        """
        -- ledger entries carry a uid so an entry made here and echoed back by
        -- the server (or pulled twice) is stored once
        ALTER TABLE ledger ADD COLUMN uid TEXT;
        CREATE UNIQUE INDEX ledger_uid ON ledger (uid);
        -- places held by bookings made at other kiosks of the center: no
        -- names or phones, only what a seat map and a free-places count need
        CREATE TABLE remote_bookings (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            day TEXT,
            session TEXT,
            seat INTEGER,
            status TEXT NOT NULL
        );
        CREATE INDEX remote_bookings_by_session ON remote_bookings (kind, day, session, status);
        """
    )


@migrations()
def m008_sync_conflicts(db):
    # A pulled change this kiosk could not apply is kept here for staff
    # (liulinhui-kiosk --rejected) instead of stalling every later change.
    db.execute(
        """
        CREATE TABLE sync_conflicts (
            id INTEGER PRIMARY KEY,
            cursor INTEGER NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            error TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )


@migrations()
def m009_places_held(db):
    # The one definition of a place that is held, here or at another kiosk of
    # the center: free-place counts and the seat map both read it.
    db.execute(
        """
        CREATE VIEW places_held AS
            SELECT kind, day, session, seat FROM bookings WHERE status IN ('booked', 'checked_in')
            UNION ALL
            SELECT kind, day, session, seat FROM remote_bookings
                WHERE status IN ('booked', 'checked_in')
        """
    )


@migrations()
def m010_staff_roster(db):
    # The center's on-duty staff as the server sends them (for the kiosk's
    # staff mode: names and PIN hashes, no phones), and each volunteer's PIN
    # hash as the server last confirmed it: a PIN change the server refuses
    # goes back to it.
    db.executescript(
        """
        CREATE TABLE staff_roster (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            pin_hash TEXT,
            locked_until TEXT,
            active INTEGER NOT NULL DEFAULT 1
        );
        ALTER TABLE volunteers ADD COLUMN confirmed_pin_hash TEXT;
        """
    )


@migrations()
def m011_staff_pin_failures(db):
    # Wrong staff PINs typed at this kiosk, per staff member: the lock they
    # earn is kept here so a restart of the kiosk does not lift it.
    db.execute(
        """
        CREATE TABLE staff_pin_failures (
            staff_id TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )
        """
    )


@migrations()
def m012_no_show_undos(db):
    # No-shows staff undid, with who and why: the automatic release never takes
    # such a booking again (a small table, not a scan of every booking's events).
    db.execute(
        """
        CREATE TABLE no_show_undos (
            booking_id TEXT PRIMARY KEY,
            staff_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )


@migrations()
def m013_bookings_forgettable(db):
    # A booking's name and phone are removed some days after its session
    # (kiosk/retention.py); NULL, not '', so the per-person UNIQUE indexes
    # never see two forgotten bookings as one person. sqlite-utils rebuilds
    # the table and its indexes (checked by tests/test_retention.py). The
    # daily purge reads only the bookings still remembered.
    db["bookings"].transform(not_null={"name": False, "phone": False})
    db.execute("CREATE INDEX bookings_remembered ON bookings (coalesce(day, substr(created_at, 1, 10))) "
               "WHERE name IS NOT NULL")


@migrations()
def m014_pin_streaks(db):
    # When the last wrong PIN came (kiosk/pins.py after_failure): a streak of wrong
    # tries is forgotten after a quiet day. volunteers.lockouts is no longer read:
    # the lock grows with the streak's own count.
    db.executescript(
        """
        ALTER TABLE volunteers ADD COLUMN failed_at TEXT;
        ALTER TABLE staff_pin_failures ADD COLUMN failed_at TEXT;
        """
    )


@migrations()
def m015_hold_withdrawn(db):
    # A volunteer may withdraw an exchange request still waiting for its item
    # (redemption.withdraw): a fourth state. SQLite cannot change a CHECK in place,
    # so the table is made anew, statement by statement in the migration's transaction.
    db.execute("""
        CREATE TABLE holds_new (
            id TEXT PRIMARY KEY,
            volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
            item_id TEXT NOT NULL REFERENCES catalogue (id),
            points INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'held'
                CHECK (status IN ('held', 'handed_over', 'released', 'withdrawn')),
            created_at TEXT NOT NULL,
            closed_at TEXT
        )""")
    db.execute("INSERT INTO holds_new SELECT id, volunteer_id, item_id, points, status, created_at, closed_at "
               "FROM holds")
    db.execute("DROP TABLE holds")
    db.execute("ALTER TABLE holds_new RENAME TO holds")
    db.execute("CREATE INDEX holds_open ON holds (volunteer_id, status)")
