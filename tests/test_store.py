import sqlite3
import stat
import uuid

import pytest

from kiosk.migrations import migrations
from kiosk.store import Store, StoreError


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "kiosk.db")
    s.db["things"].create({"id": str, "n": int}, pk="id")
    yield s
    s.close()


def test_safety_pragmas_read_back_on_disk(store):
    assert store.pragmas() == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "secure_delete": 1}


def test_database_file_is_private(tmp_path):
    path = tmp_path / "data" / "kiosk.db"
    Store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_existing_readable_file_is_made_private(tmp_path):
    path = tmp_path / "kiosk.db"
    path.touch(mode=0o644)
    Store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_refuses_to_start_when_wal_cannot_be_set(tmp_path):
    path = tmp_path / "kiosk.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE x (a)")
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the file
    try:
        with pytest.raises(StoreError):
            Store(path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_write_stores_record_and_mutation_together(store):
    mutation_id = store.write("things", {"id": "a", "n": 1}, "thing.create")
    assert uuid.UUID(mutation_id).version == 4
    assert store.db["things"].get("a") == {"id": "a", "n": 1}
    [row] = store.pending()
    assert row["mutation_id"] == mutation_id
    assert row["type"] == "thing.create"
    assert row["payload"] == {"table": "things", "record": {"id": "a", "n": 1}}
    assert row["state"] == "pending"
    assert store.pending_count() == 1


def test_a_failed_record_leaves_no_mutation(store):
    store.write("things", {"id": "a", "n": 1}, "thing.create")
    with pytest.raises(sqlite3.IntegrityError):
        store.write("things", {"id": "a", "n": 2}, "thing.create")  # duplicate key
    assert store.pending_count() == 1
    assert store.db["things"].get("a")["n"] == 1


def test_a_failed_mutation_leaves_no_record(store):
    with pytest.raises(TypeError):  # bytes are fine for SQLite, not for the JSON payload
        store.write("things", {"id": "b", "n": b"\x00"}, "thing.create")
    assert store.db["things"].count == 0
    assert store.pending_count() == 0


def test_failure_later_in_a_transaction_rolls_back_both(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.db["things"].insert({"id": "c", "n": 3})
            store.enqueue("thing.create", {"id": "c"})
            raise RuntimeError("power cut")
    assert store.db["things"].count == 0
    assert store.pending_count() == 0


def test_enqueue_outside_a_transaction_is_refused(store):
    with pytest.raises(StoreError):
        store.enqueue("thing.create", {})
    assert store.pending_count() == 0


def test_every_mutation_gets_a_fresh_id_and_keeps_its_order(store):
    ids = [store.write("things", {"id": str(i), "n": i}, "thing.create") for i in range(20)]
    assert len(set(ids)) == 20
    assert [row["mutation_id"] for row in store.pending(limit=100)] == ids


def test_data_and_schema_survive_reopening(tmp_path):
    path = tmp_path / "kiosk.db"
    first = Store(path)
    first.db["things"].create({"id": str}, pk="id")
    first.write("things", {"id": "kept"}, "thing.create")
    first.set_meta("cursor", "42")
    first.close()
    again = Store(path)  # migrations already applied: nothing re-runs
    assert again.db["things"].get("kept") == {"id": "kept"}
    assert again.get_meta("cursor") == "42"
    applied = [m["name"] for m in again.db["_sqlite_migrations"].rows]
    assert applied[0] == "m001_meta_and_outbox" and len(applied) == len(set(applied))
    assert migrations.pending(again.db) == []
    again.close()


def test_in_memory_store_for_scripts():
    s = Store(None)
    assert s.pragmas()["foreign_keys"] == 1
    assert s.pending_count() == 0
    s.close()


def test_a_read_then_write_racing_another_connection_waits_instead_of_failing(tmp_path):
    # The UI thread and the sync thread each have a connection. In WAL mode a
    # deferred transaction that read before the other committed could not
    # write at all ("database is locked"); every transaction starts immediate.
    import threading
    import time
    ui = Store(tmp_path / "k.db")
    ready, go, errors = threading.Event(), threading.Event(), []

    def sync_thread():
        worker = Store(tmp_path / "k.db")
        ready.set()
        go.wait(10)
        try:
            worker.set_meta("sync_cursor", "7")
        except Exception as exc:  # noqa: BLE001  (recorded, asserted below)
            errors.append(exc)
        worker.close()

    racer = threading.Thread(target=sync_thread)
    racer.start()
    ready.wait(10)
    with ui.transaction() as db:
        db.execute("SELECT count(*) FROM meta").fetchone()
        go.set()
        time.sleep(0.3)  # the other connection tries to commit while this one holds its snapshot
        db["meta"].upsert({"key": "kiosk_note", "value": "ui"}, pk="key")
    racer.join(10)
    assert errors == []
    assert (ui.get_meta("kiosk_note"), ui.get_meta("sync_cursor")) == ("ui", "7")
    ui.close()


def test_a_full_disk_is_a_storage_fault_and_leaves_nothing(store):
    from kiosk.errors import StorageFault
    db = store.db
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(StorageFault) as caught:
        with store.transaction():
            store.enqueue("thing.create", {"n": 1})
            db["things"].insert_all({"id": str(uuid.uuid4()), "n": n} for n in range(2000))
    assert caught.value.code == "disk_full" and "存储空间已满" in caught.value.message
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert not db.conn.in_transaction  # the next write does not join a half-done one
    assert (db["things"].count, store.pending_count()) == (0, 0)


def test_a_lock_held_too_long_is_a_storage_fault(tmp_path):
    from kiosk.errors import StorageFault
    path = tmp_path / "kiosk.db"
    store = Store(path, busy_timeout=0)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the sync worker, say, in the middle of a write
    try:
        with pytest.raises(StorageFault) as caught:
            with store.transaction():
                store.enqueue("thing.create", {"n": 1})
        assert caught.value.code == "busy"
    finally:
        other.execute("ROLLBACK")
        other.close()
    with store.transaction():  # once free, the same write goes through
        store.enqueue("thing.create", {"n": 1})
    assert store.pending_count() == 1
    store.close()


def test_a_constraint_or_a_bug_is_not_a_storage_fault(store):
    store.db["things"].insert({"id": "a", "n": 1})
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as db:
            db["things"].insert({"id": "a", "n": 2})
    with pytest.raises(sqlite3.OperationalError):
        with store.transaction() as db:
            db.execute("SELECT * FROM no_such_table")
