"""The server's schema, migrated in order at start-up (sqlite-utils Migrations).

Constraints that decide an answer have names (a study seat, a counseling
slot, one username): code tells them apart by checking for the row first or
by the name, never by matching an error message.
"""
from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("server")


@migrations()
def m001_core(db):
    db.executescript(
        """
        CREATE TABLE centers (id TEXT PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE kiosks (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL REFERENCES centers (id),
            token_sha256 TEXT NOT NULL UNIQUE, revoked INTEGER NOT NULL DEFAULT 0,
            last_seen TEXT, last_push TEXT, queue_depth INTEGER);
        CREATE TABLE mutations (
            kiosk_id TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, digest TEXT NOT NULL,
            result TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (kiosk_id, id));
        CREATE TABLE bookings (
            id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, kind TEXT NOT NULL, day TEXT, session TEXT,
            seat INTEGER, status TEXT NOT NULL, data TEXT NOT NULL);
        -- the first kiosk to arrive keeps a seat; a later one is rejected (seat_taken)
        CREATE UNIQUE INDEX bookings_one_seat ON bookings (day, session, seat)
            WHERE kind = 'study' AND status IN ('booked', 'checked_in');
        CREATE TABLE wishes (id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, status TEXT NOT NULL,
                             data TEXT NOT NULL);
        CREATE TABLE changes (cursor INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
                              data TEXT NOT NULL, at TEXT NOT NULL);
        """
    )


@migrations()
def m002_center_ledgers(db):
    # Every change belongs to one center's feed; seats are unique per center;
    # the office's ledgers (roster, points, catalogue, holds) and the
    # published center document live here.
    db.executescript(
        """
        ALTER TABLE changes ADD COLUMN center_id TEXT;
        CREATE INDEX changes_by_center ON changes (center_id, cursor);
        ALTER TABLE bookings ADD COLUMN center_id TEXT;
        DROP INDEX bookings_one_seat;
        CREATE UNIQUE INDEX bookings_one_seat_in_center ON bookings (center_id, day, session, seat)
            WHERE kind = 'study' AND status IN ('booked', 'checked_in');
        CREATE UNIQUE INDEX bookings_one_counseling_slot ON bookings (center_id, day, session)
            WHERE kind = 'counseling' AND session IS NOT NULL AND status IN ('booked', 'checked_in');
        ALTER TABLE wishes ADD COLUMN center_id TEXT;
        ALTER TABLE wishes ADD COLUMN claimant TEXT;
        ALTER TABLE wishes ADD COLUMN claimant_kind TEXT;
        ALTER TABLE wishes ADD COLUMN reason TEXT;
        ALTER TABLE wishes ADD COLUMN fulfilled_note TEXT;
        CREATE TABLE center_documents (
            center_id TEXT PRIMARY KEY REFERENCES centers (id), document TEXT NOT NULL,
            published_at TEXT NOT NULL);
        CREATE TABLE volunteers (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL REFERENCES centers (id),
            number TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL, pin_hash TEXT);
        CREATE TABLE ledger (
            uid TEXT PRIMARY KEY, center_id TEXT NOT NULL, volunteer_id TEXT NOT NULL
                REFERENCES volunteers (id),
            at TEXT, activity TEXT NOT NULL, hours REAL NOT NULL DEFAULT 0, points INTEGER NOT NULL,
            reason TEXT, staff_id TEXT, reverses_uid TEXT);
        CREATE INDEX ledger_by_volunteer ON ledger (volunteer_id);
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TABLE catalogue (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL, item TEXT NOT NULL,
            points INTEGER NOT NULL CHECK (points > 0), stock INTEGER NOT NULL CHECK (stock >= 0));
        CREATE TABLE holds (
            id TEXT PRIMARY KEY, center_id TEXT NOT NULL, volunteer_id TEXT NOT NULL,
            item_id TEXT NOT NULL, points INTEGER NOT NULL, status TEXT NOT NULL,
            created_at TEXT, closed_at TEXT);
        CREATE INDEX holds_by_volunteer ON holds (volunteer_id, status);
        """
    )


@migrations()
def m003_staff_audit_limits(db):
    # Staff accounts with roles and centers, the append-only audit of every
    # staff change, the office's limits for staff-mode entries at kiosks, the
    # server's key for sealed PIN changes; the phone a booking is for (per-person
    # limits across kiosks) and when the server recorded a ledger entry.
    db.executescript(
        """
        CREATE TABLE staff (
            id TEXT PRIMARY KEY, username TEXT NOT NULL, display_name TEXT NOT NULL,
            password_hash TEXT, pin_hash TEXT,
            pin_failures INTEGER NOT NULL DEFAULT 0, pin_lockouts INTEGER NOT NULL DEFAULT 0,
            pin_locked_until TEXT,
            password_failures INTEGER NOT NULL DEFAULT 0, password_locked_until TEXT,
            active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
            CONSTRAINT staff_username_unique UNIQUE (username));
        CREATE TABLE staff_roles (
            staff_id TEXT NOT NULL REFERENCES staff (id),
            role TEXT NOT NULL CONSTRAINT staff_role_known CHECK (role IN ('duty', 'office', 'admin')),
            PRIMARY KEY (staff_id, role));
        CREATE TABLE staff_centers (
            staff_id TEXT NOT NULL REFERENCES staff (id), center_id TEXT NOT NULL REFERENCES centers (id),
            PRIMARY KEY (staff_id, center_id));
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, staff_id TEXT, center_id TEXT,
            action TEXT NOT NULL, target TEXT, kiosk_id TEXT, address TEXT, before TEXT, after TEXT);
        CREATE INDEX audit_by_center ON audit (center_id, seq);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
        CREATE TABLE center_limits (
            center_id TEXT PRIMARY KEY REFERENCES centers (id),
            points_per_entry INTEGER NOT NULL CHECK (points_per_entry BETWEEN 1 AND 100000),
            points_per_staff_day INTEGER NOT NULL CHECK (points_per_staff_day BETWEEN 1 AND 1000000),
            hours_per_entry REAL NOT NULL CHECK (hours_per_entry > 0 AND hours_per_entry <= 24));
        CREATE TABLE staff_sessions (
            token_sha256 TEXT PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff (id),
            address TEXT, expires_at TEXT NOT NULL);
        CREATE TABLE server_keys (id INTEGER PRIMARY KEY CHECK (id = 1), private_key TEXT NOT NULL,
                                  public_key TEXT NOT NULL);
        ALTER TABLE bookings ADD COLUMN phone TEXT;
        ALTER TABLE ledger ADD COLUMN recorded_at TEXT;
        CREATE INDEX ledger_by_staff ON ledger (center_id, staff_id, recorded_at);
        CREATE INDEX bookings_by_session ON bookings (center_id, kind, day, session, status);
        """
    )


@migrations()
def m004_volunteer_pin_lock_and_keys(db):
    # A volunteer's wrong current PINs in sealed changes lock further tries for a while;
    # centers made before sealed PIN changes get the server's key in their feed too.
    db.executescript(
        """
        ALTER TABLE volunteers ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE volunteers ADD COLUMN pin_locked_until TEXT;
        """
    )
    from sync.server.sealing import ensure_key
    key = ensure_key(db.conn)
    db.conn.execute(
        "INSERT INTO changes (center_id, kind, data, at) SELECT id, 'server.key', json_object('public_key', ?), "
        "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') FROM centers c WHERE NOT EXISTS "
        "(SELECT 1 FROM changes WHERE center_id = c.id AND kind = 'server.key')", [key])


@migrations()
def m005_console_indexes(db):
    # the console's lists: refused mutations per kiosk lately, wishes by center and state
    db.executescript(
        """
        CREATE INDEX mutations_by_kiosk_time ON mutations (kiosk_id, received_at);
        CREATE INDEX wishes_by_center ON wishes (center_id, status);
        """
    )


@migrations()
def m006_wish_claims(db):
    # a claim's contact (the office's only: never in the feed, on the wall or in the audit);
    # the wish ledger newest first and each wish's own history without scanning the audit
    db.executescript(
        """
        ALTER TABLE wishes ADD COLUMN claimant_contact TEXT;
        CREATE INDEX wishes_by_center_created ON wishes (center_id, json_extract(data, '$.created_at'));
        CREATE INDEX audit_by_target ON audit (target, center_id, seq);
        """
    )


@migrations()
def m007_counseling_follow_up(db):
    # the office's follow-up of each counseling request (its current state; who did
    # what before is in the audit); the counseling requests newest first; the last
    # pause a center's kiosks were sent, without walking the center's feed
    db.executescript(
        """
        CREATE TABLE counseling_follow_ups (
            booking_id TEXT PRIMARY KEY REFERENCES bookings (id), center_id TEXT NOT NULL,
            state TEXT NOT NULL
                CONSTRAINT follow_up_state_known CHECK (state IN ('confirmed', 'call_back', 'done')),
            arranged_at TEXT, note TEXT, staff_id TEXT NOT NULL, at TEXT NOT NULL);
        CREATE INDEX bookings_counseling_by_created ON bookings (center_id, json_extract(data, '$.created_at'))
            WHERE kind = 'counseling';
        CREATE INDEX changes_pauses ON changes (center_id, cursor) WHERE kind = 'bookings.pause';
        """
    )


@migrations()
def m008_kiosk_console(db):
    # 终端 and 操作记录: the app version a kiosk reports and when its token was last
    # changed; a center's refused mutations without reading every answer; the audit
    # newest first by time within a center, alone or by staff member, action or target
    db.executescript(
        """
        ALTER TABLE kiosks ADD COLUMN app_version TEXT;
        ALTER TABLE kiosks ADD COLUMN token_rotated_at TEXT;
        CREATE INDEX mutations_refused ON mutations (kiosk_id, received_at)
            WHERE json_extract(result, '$.status') = 'rejected';
        CREATE INDEX audit_by_center_time ON audit (center_id, at);
        CREATE INDEX audit_by_staff_time ON audit (center_id, staff_id, at);
        CREATE INDEX audit_by_action_time ON audit (center_id, action, at);
        CREATE INDEX audit_by_target_time ON audit (center_id, target, at);
        """
    )


@migrations()
def m009_volunteer_console(db):
    # the console's volunteer pages: the center's ledger by date and by activity, one
    # volunteer's ledger by date with their points and hours (a balance is summed from the
    # index alone; it replaces the index on the volunteer alone), whether an entry was
    # reversed (kiosks' reversals looked this up by scanning the ledger), the roster by
    # number and phone, the open exchange requests
    db.executescript(
        """
        CREATE INDEX ledger_by_center_time ON ledger (center_id, at);
        CREATE INDEX ledger_by_center_activity ON ledger (center_id, activity, at);
        CREATE INDEX ledger_by_volunteer_time ON ledger (volunteer_id, at, points, hours);
        DROP INDEX ledger_by_volunteer;
        CREATE INDEX ledger_reversals ON ledger (reverses_uid) WHERE reverses_uid IS NOT NULL;
        CREATE INDEX volunteers_by_number ON volunteers (center_id, number);
        CREATE INDEX volunteers_by_phone ON volunteers (center_id, phone);
        CREATE INDEX holds_by_center ON holds (center_id, status, created_at);
        """
    )


@migrations()
def m010_duty_reads(db):
    # 今日预约 read by on-duty staff at a kiosk: the server issues a challenge, the staff
    # PIN is sealed for it, and it is answered once within minutes (sync/server/duty.py)
    db.executescript(
        """
        CREATE TABLE duty_challenges (challenge TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL,
                                      issued_at TEXT NOT NULL, used_at TEXT);
        CREATE INDEX duty_challenges_by_time ON duty_challenges (issued_at);
        """
    )


@migrations()
def m011_pin_streaks(db):
    # When the last wrong try came, per secret (kiosk/pins.py after_failure): a
    # streak is forgotten after a quiet day. staff.pin_lockouts is no longer
    # read: the lock grows with the streak's own count.
    db.executescript(
        """
        ALTER TABLE staff ADD COLUMN pin_failed_at TEXT;
        ALTER TABLE staff ADD COLUMN password_failed_at TEXT;
        ALTER TABLE volunteers ADD COLUMN pin_failed_at TEXT;
        """
    )


@migrations()
def m012_challenges(db):
    # One table of one-time challenges for every sealed proof that must be fresh: the
    # desk's read of today's bookings and, now, a passbook sign-in (sync/server/challenges.py)
    db.executescript(
        """
        ALTER TABLE duty_challenges RENAME TO challenges;
        ALTER TABLE challenges ADD COLUMN purpose TEXT NOT NULL DEFAULT 'duty';
        DROP INDEX duty_challenges_by_time;
        CREATE INDEX challenges_by_time ON challenges (issued_at);
        """
    )
