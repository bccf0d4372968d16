"""Who may send what: every registered mutation type against every kind of
credential, through the real server process. A kiosk token proves "a kiosk
of center X" and nothing more; staff mode names an on-duty staff member of
that center; office work never comes from a kiosk."""
import sqlite3

import pytest

from sync.mutations import REGISTRY, Sender
from tests.pushes import GOOD, Pusher, ledger_entry, set_up_center
from tests.sync_server import DUTY, Server

# what a kiosk of the other center gets when it names this center's records
OTHER_CENTER = {
    "booking.cancel": "unknown_booking", "checkin.create": "unknown_booking",
    "booking.no_show": "unknown_booking", "booking.promote": "unknown_booking",
    "booking.reinstate": "unknown_booking",
    "volunteer.pin_change": "unknown_volunteer", "redemption.request": "unknown_item_or_volunteer",
    "ledger.add": "unknown_volunteer", "ledger.reverse": "unknown_entry",
    "redemption.handover": "unknown_hold", "redemption.withdraw": "unknown_hold",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("credentials"))
    set_up_center(s)
    s.start(env={"LIULINHUI_SERVER_RATE": "10000"})
    yield s
    s.stop()


def test_the_matrix_covers_every_registered_type():
    assert set(GOOD) == set(REGISTRY)


@pytest.mark.parametrize("mutation_type", sorted(REGISTRY))
def test_a_kiosk_of_the_center_without_staff_mode(server, mutation_type):
    sender = REGISTRY[mutation_type].sender
    expected = {Sender.KIOSK: ("applied", None), Sender.STAFF: ("rejected", "unknown_staff"),
                Sender.OFFICE: ("rejected", "office_only")}[sender]
    assert Pusher(server).send(mutation_type, GOOD[mutation_type](server, None)) == expected


@pytest.mark.parametrize("mutation_type", sorted(REGISTRY))
def test_a_kiosk_in_staff_mode_with_an_on_duty_staff_member(server, mutation_type):
    expected = ("rejected", "office_only") if REGISTRY[mutation_type].sender is Sender.OFFICE \
        else ("applied", None)
    assert Pusher(server).send(mutation_type, GOOD[mutation_type](server, DUTY)) == expected


@pytest.mark.parametrize("staff_id", ["nobody", "duty-x", "office-1", "admin"],
                         ids=["unknown", "other-center", "office-role", "administrator"])
@pytest.mark.parametrize("mutation_type", sorted(REGISTRY))
def test_staff_mode_naming_anyone_but_an_on_duty_member_of_this_center(server, mutation_type, staff_id):
    expected = "office_only" if REGISTRY[mutation_type].sender is Sender.OFFICE else "unknown_staff"
    data = GOOD[mutation_type](server, staff_id)
    if "staff_id" not in data:  # office types carry no staff id: refused whatever it says
        data["staff_id"] = staff_id
    assert Pusher(server).send(mutation_type, data) == ("rejected", expected)


@pytest.mark.parametrize("mutation_type", sorted(REGISTRY))
def test_a_kiosk_of_another_center_cannot_reach_this_centers_records(server, mutation_type):
    data = GOOD[mutation_type](server, "duty-x" if REGISTRY[mutation_type].sender is Sender.STAFF else None)
    status, reason = Pusher(server, "xigu-1").send(mutation_type, data)
    sender = REGISTRY[mutation_type].sender
    if sender is Sender.OFFICE:
        assert (status, reason) == ("rejected", "office_only")
    elif mutation_type in OTHER_CENTER:
        assert (status, reason) == ("rejected", OTHER_CENTER[mutation_type])
    else:  # a submission of its own: it stays in its own center
        assert status == "applied"
        db = sqlite3.connect(server.db)
        record = data.get("booking") or data.get("wish")
        if record:
            table = "bookings" if "booking" in data else "wishes"
            assert db.execute(f"SELECT center_id FROM {table} WHERE id = ?", [record["id"]]).fetchone() \
                == ("xigu",)


@pytest.mark.parametrize("mutation_type, data, why", [
    ("ledger.add", lambda: ledger_entry(51), "more points than one entry may carry"),
    ("ledger.add", lambda: ledger_entry(20, hours=9), "more hours than one entry may carry"),
    ("ledger.add", lambda: ledger_entry(0), "no points"),
], ids=["points", "hours", "zero"])
def test_staff_mode_outside_the_offices_limits(server, mutation_type, data, why):
    assert Pusher(server).send(mutation_type, dict(data(), staff_id=DUTY)) == ("rejected", "over_limit"), why


def test_points_per_staff_member_per_day(tmp_path):
    s = Server(tmp_path)
    set_up_center(s)
    s.start()
    try:
        send = Pusher(s).send
        answers = [send("ledger.add", dict(ledger_entry(50), staff_id=DUTY)) for _ in range(7)]
        assert answers == [("applied", None)] * 6 + [("rejected", "over_limit")]  # 300 a day
        audit = sqlite3.connect(s.db).execute(
            "SELECT count(*) FROM audit WHERE staff_id = ? AND kiosk_id = 'lobby-1' AND action = 'ledger.add'",
            [DUTY]).fetchone()
        assert audit == (6,)  # who, from which kiosk, for every entry staff made
    finally:
        s.stop()
