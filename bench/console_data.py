"""Five years of one center's data for bench/console.py: a server database
as the office would have it after five years of kiosks and console work.

    python bench/console_data.py            # builds (or finds) the cached file, prints its counts

Volumes: 330,000 bookings (study room, picture books, counseling), 2,000,000
ledger rows (service, reversals, exchanges), 5,000 wishes, 2,000 volunteers,
five kiosks, and in proportion the mutations kiosks sent (every record a
kiosk made and every move it made, a few refused) and the audit (every staff
change: each ledger entry, each wish review, claim and fulfilment, each
roster row).

For speed this BYPASSES THE APPLIERS and the office (sync/server/apply.py,
office.py): rows are made here in the shapes the appliers store and written
with executemany straight into the schema, the bulk tables' secondary indexes
dropped first and made again at the end (the unique ones then check that no
seat or counseling slot is held twice). Only what sets the center up goes
through the real store: the center, its kiosks, the staff accounts with
their passwords, the published center document. The pull feed (changes) is
left empty: no console page reads it.

The file is cached under /tmp, keyed by the schema version (the names of the
server's migrations) and this generator's version, so reruns are quick;
older caches are removed when a new one is built.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import tomllib
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.paths import CENTER_FILE  # noqa: E402
from kiosk.pins import hash_pin  # noqa: E402
from kiosk.wishes import CATEGORIES  # noqa: E402
from sync.server.schema import migrations  # noqa: E402
from sync.server.settings import Settings  # noqa: E402
from sync.server.staff import PASSWORDS  # noqa: E402
from sync.server.storage import ServerStore  # noqa: E402

GENERATOR = 1  # bump when the data it makes changes
CENTER, CENTER_NAME = "liujiaying", "柳家营社区党群服务中心"
NOW = "2026-11-27T10:00:00"  # the bench server's clock (the center's time), as in the tests' week
YEARS = 5
BOOKINGS = {"books": 20_000, "counseling": 10_000, "study": 300_000}  # 330,000
LEDGER = 2_000_000
WISHES = 5_000
VOLUNTEERS = 2_000
RESIDENTS = 12_000  # the people who book and write wishes
STUDY_SEATS = 60  # a bigger study room than the shipped 24 seats: five years of 300,000 bookings fit
CLERK = ("liu", "office-pass-1", "刘敏")  # the same sign-in as the tests' clerk
KIOSKS = ("lobby-1", "lobby-2", "study-1", "children-1", "old-lobby")
POINTS_PER_HOUR = 10
UTC_OFFSET = timedelta(hours=8)  # Asia/Shanghai has kept +08:00 since 1991

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌辉波宁鑫浩宇欣怡佳琪涵梓轩雨晨思远嘉淑珍德福海燕春梅"
ACTIVITIES = [  # (activity, weight): what the station's volunteers do
    ("敬老院陪伴", 9), ("共享自习室值守", 12), ("环境卫生整治", 10), ("垃圾分类宣传", 8), ("文明交通劝导", 7),
    ("助老送餐", 6), ("妈妈绘本馆陪读", 6), ("社区治安巡逻", 7), ("政策宣传入户", 5), ("书画室辅导", 3),
    ("健身房值守", 3), ("微心愿帮办", 4), ("爱心义剪", 2), ("家电义修", 2), ("法律咨询", 2), ("节日慰问", 3),
    ("便民服务日", 4), ("议事会服务", 2), ("疫苗接种引导", 3), ("防汛值守", 2)]
HOURS = [(0.5, 2), (1, 8), (1.5, 4), (2, 10), (3, 5), (4, 3)]
ITEMS = [("towel", "毛巾", 20), ("soap", "洗衣液", 50), ("rice", "大米 5 公斤", 100), ("oil", "食用油", 120),
         ("cup", "保温杯", 80), ("umbrella", "雨伞", 60)]
TOPICS = [("民情诉求", 35), ("心理咨询", 20), ("婚姻家庭", 15), ("心理辅导", 12), ("医疗康复", 10), ("行为矫正", 8)]
NOTES = ["想当面聊聊家里的事", "孩子最近不爱说话", "楼道灯坏了很久", "老人看病报销的问题", "邻里噪音", "", ""]
CLAIMANTS = [("敦煌路街道机关党支部", "member_unit"), ("七里河区税务局党支部", "member_unit"),
             ("中天健广场物业党支部", "member_unit"), ("敦煌路小学党支部", "member_unit"),
             ("七里河区人民医院党总支", "member_unit"), ("柳家营社区第一党支部", "member_unit")]
WISH_TEXTS = {"生活帮扶": "家里的旧洗衣机坏了，想要一台能用的", "助老助残": "希望有人每周陪老伴去医院复查",
              "学习教育": "孩子想要一套初中数学辅导书", "医疗健康": "想请医生来小区讲讲高血压",
              "环境设施": "希望楼下增加几把休息的长椅", "其他": "想参加书画交流活动"}


def schema_version() -> str:
    return ",".join(m.name for m in migrations._migrations)


def cache_path() -> Path:
    key = f"{schema_version()}|{GENERATOR}|{BOOKINGS}|{LEDGER}|{WISHES}|{VOLUNTEERS}"
    return Path(tempfile.gettempdir()) / f"liulinhui-console-bench-{hashlib.sha256(key.encode()).hexdigest()[:12]}.db"


def cached() -> Path:
    """The five-year database, built once per schema version."""
    path = cache_path()
    if not path.exists():
        for old in path.parent.glob("liulinhui-console-bench-*.db*"):
            old.unlink()
        build(path)
    return path


def set_up(path: Path, clock=None) -> ServerStore:
    """The center as the real store makes it: staff with passwords, kiosks, the center's document.
    Also the empty baseline's database."""
    store = ServerStore(path, now=clock or Settings(fake_now=NOW).clock())
    store.centers.add_center(CENTER, CENTER_NAME)
    for kiosk in KIOSKS:
        store.centers.add_kiosk(kiosk, CENTER)
    office = store.office
    office.add_staff(None, "admin", "admin", "管理员", {"admin"})
    admin = store.staff.actor("admin", "bench")
    staff = [("office-1", CLERK[0], CLERK[2], "office", CLERK[1]), ("office-2", "zhang", "张华", "office", "office-pass-2"),
             ("duty-1", "wang", "王丽", "duty", "135790"), ("duty-2", "zhao", "赵强", "duty", "246802")]
    for staff_id, username, name, role, _ in staff:
        office.add_staff(admin, staff_id, username, name, {role}, [CENTER])
    with store.shared.transaction():  # as tests/sync_server.py does: the hashes set directly
        store.db.execute("UPDATE staff SET password_hash = ? WHERE id = 'admin'", [PASSWORDS.hash("district-admin-1")])
        for staff_id, _, _, role, secret in staff:
            column, value = ("password_hash", PASSWORDS.hash(secret)) if role == "office" else ("pin_hash", hash_pin(secret))
            store.db.execute(f"UPDATE staff SET {column} = ? WHERE id = ?", [value, staff_id])
    office.publish_center(admin, CENTER, center_document())
    return store


def center_document() -> dict:
    with open(CENTER_FILE, "rb") as f:
        document = tomllib.load(f)
    document["study_room"]["seats"] = STUDY_SEATS
    document["picture_books"]["sessions"] = [
        {"weekday": 3, "start": "16:30", "end": "17:30", "theme": "亲子共读", "places": 12},
        {"weekday": 5, "start": "16:30", "end": "17:30", "theme": "绘本手工", "places": 12},
        {"weekday": 6, "start": "10:00", "end": "11:00", "theme": "绘本故事会", "places": 15},
        {"weekday": 7, "start": "10:00", "end": "11:00", "theme": "周末共读", "places": 15}]
    return document


class Maker:
    """Deterministic rows (one seed), written in batches as they are made."""

    def __init__(self, conn: sqlite3.Connection, now: datetime):
        self.conn, self.now = conn, now
        self.rnd = random.Random(20261127)
        self.start = (now - timedelta(days=365 * YEARS + 1)).replace(hour=0, minute=0, second=0)
        self.days = (now.date() - self.start.date()).days + 1
        self.pending: dict[str, list] = {}
        self.counts: dict[str, int] = {}
        self.residents = [(self.name(), self.phone()) for _ in range(RESIDENTS)]
        self.columns = {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")}
                        for t in ("wishes", "counseling_follow_ups")}

    # -- small makers ----------------------------------------------------------------
    def uid(self, prefix: str = "") -> str:
        return prefix + str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def name(self) -> str:
        return self.rnd.choice(SURNAMES) + "".join(self.rnd.choices(GIVEN, k=self.rnd.choice((1, 2, 2))))

    def phone(self) -> str:
        return f"1{self.rnd.choice('3578')}{self.rnd.randrange(10 ** 9):09d}"

    def pick(self, weighted):
        return self.rnd.choices([w[0] for w in weighted], [w[-1] for w in weighted])[0]

    @staticmethod
    def utc(local: datetime) -> str:
        return (local - UTC_OFFSET).isoformat(timespec="seconds") + "+00:00"

    @staticmethod
    def stamp(local: datetime) -> str:
        return local.isoformat(timespec="seconds")

    def day(self, n: int) -> date:
        return self.start.date() + timedelta(days=n)

    # -- writing -----------------------------------------------------------------------
    SQL = {
        "volunteers": "INSERT INTO volunteers (id, center_id, number, name, phone, pin_hash) VALUES (?, ?, ?, ?, ?, ?)",
        "ledger": "INSERT INTO ledger (uid, center_id, volunteer_id, at, activity, hours, points, reason, staff_id, "
                  "reverses_uid, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "holds": "INSERT INTO holds (id, center_id, volunteer_id, item_id, points, status, created_at, closed_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "bookings": "INSERT INTO bookings (id, kiosk_id, center_id, kind, day, session, seat, phone, status, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "wishes": "INSERT INTO wishes (id, kiosk_id, center_id, status, data, claimant, claimant_kind, reason, "
                  "fulfilled_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "mutations": "INSERT INTO mutations (kiosk_id, id, type, digest, result, received_at) VALUES (?, ?, ?, ?, ?, ?)",
        "audit": "INSERT INTO audit (at, staff_id, center_id, action, target, kiosk_id, address, before, after) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "counseling_follow_ups": "INSERT INTO counseling_follow_ups (booking_id, center_id, state, arranged_at, note, "
                                 "staff_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    }

    def add(self, table: str, row: tuple) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= 20_000:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending.pop(name, [])
            if rows:
                self.conn.executemany(self.SQL[name], rows)
                self.counts[name] = self.counts.get(name, 0) + len(rows)

    def mutation(self, kiosk: str, kind: str, local: datetime, reason: str | None = None) -> None:
        mid = self.uid("m-")
        result = {"id": mid, "status": "rejected", "reason": reason} if reason else {"id": mid, "status": "applied"}
        self.add("mutations", (kiosk, mid, kind, f"{self.rnd.getrandbits(256):064x}", json.dumps(result),
                               self.utc(local + timedelta(seconds=self.rnd.randrange(1, 90)))))

    def audit(self, local: datetime, staff: str, action: str, target: str, before, after,
              kiosk: str | None = None) -> None:
        dump = lambda v: None if v is None else json.dumps(v, ensure_ascii=False)  # noqa: E731
        self.add("audit", (self.utc(local), staff, CENTER, action, target, kiosk,
                           None if kiosk else "10.12.3.45", dump(before), dump(after)))

    def kiosk_of(self, kind: str, local: datetime) -> str:
        if local < self.start + timedelta(days=600) and self.rnd.random() < 0.5:
            return "old-lobby"  # the first lobby kiosk, revoked after its replacement came
        return {"study": "study-1", "books": "children-1"}.get(kind) or self.rnd.choice(("lobby-1", "lobby-2"))

    # -- the volunteer station ---------------------------------------------------------------
    def volunteers(self) -> list[dict]:
        pin = hash_pin("123456")  # one hash for all: each costs a PBKDF2 run
        people = []
        for n in range(1, VOLUNTEERS + 1):
            joined = self.rnd.randrange(30) if self.rnd.random() < 0.3 else self.rnd.randrange(self.days - 20)
            left = self.rnd.randrange(joined + 30, self.days + 60) if self.rnd.random() < 0.35 else self.days + 1
            people.append({"id": f"v{n:05d}", "joined": joined, "left": left,
                           "weight": self.rnd.lognormvariate(0, 1.0), "balance": 0, "last": None})
            self.add("volunteers", (f"v{n:05d}", CENTER, f"LJY-{n:04d}", self.name(), self.phone(),
                                    pin if self.rnd.random() < 0.8 else None))
            self.audit(datetime.combine(self.day(joined), datetime.min.time()) + timedelta(hours=9),
                       "office-1", "volunteer.put", f"v{n:05d}", None, {"id": f"v{n:05d}", "number": f"LJY-{n:04d}"})
        people.sort(key=lambda p: p["joined"])
        return people

    def ledger(self, people: list[dict]) -> None:
        cum, total = [], 0.0
        for p in people:
            total += p["weight"]
            cum.append(total)
        joined = [p["joined"] for p in people]
        per_day = self.spread(LEDGER, self.days, lambda d: 1.4 if self.day(d).isoweekday() >= 6 else 1.0)
        opened = 0
        for d, n in enumerate(per_day):
            while opened < len(people) and joined[opened] <= d:
                opened += 1
            if not opened:
                continue
            chosen = []
            while len(chosen) < n:  # those who have left the station are drawn and passed over
                chosen += [p for p in self.rnd.choices(people[:opened], cum_weights=cum[:opened], k=n)
                           if p["left"] > d]
            chosen = chosen[:n]
            times = sorted(self.rnd.randrange(8 * 3600, 20 * 3600) for _ in chosen)
            for p, t in zip(chosen, times):
                self.entry(p, datetime.combine(self.day(d), datetime.min.time()) + timedelta(seconds=t))
        self.flush()

    def entry(self, p: dict, at: datetime) -> None:
        roll = self.rnd.random()
        at_kiosk = self.rnd.random() < 0.4  # staff mode at a kiosk; else the office
        staff = self.rnd.choice(("duty-1", "duty-2")) if at_kiosk else self.rnd.choice(("office-1", "office-1", "office-2"))
        kiosk = self.kiosk_of("ledger", at) if at_kiosk else None
        recorded = at if at_kiosk else at + timedelta(minutes=self.rnd.randrange(5, 3 * 24 * 60))
        uid, reason, reverses = self.uid("e-"), None, None
        if roll < 0.01 and p["last"]:
            activity, hours, points = p["last"][1:]
            reverses, reason, action = p["last"][0], "录入有误，撤销", "ledger.reverse"
            hours, points = -hours, -points
            p["last"] = None
        elif roll < 0.09 and p["balance"] >= 20:
            item_id, item, cost = self.rnd.choice([i for i in ITEMS if i[2] <= p["balance"]])
            activity, hours, points, action = f"积分兑换：{item}", 0, -cost, "redemption.handover"
            hold = self.uid("h-")
            self.add("holds", (hold, CENTER, p["id"], item_id, cost, "handed_over",
                               self.stamp(at - timedelta(days=self.rnd.randrange(0, 5))), self.stamp(at)))
            if at_kiosk:
                self.mutation(kiosk, "redemption.request", at - timedelta(hours=1))
        else:
            activity, hours = self.pick(ACTIVITIES), self.pick(HOURS)
            points, action = int(hours * POINTS_PER_HOUR), "ledger.add"
            p["last"] = (uid, activity, hours, points)
        p["balance"] += points
        self.add("ledger", (uid, CENTER, p["id"], self.stamp(at), activity, hours, points, reason, staff,
                            reverses, self.stamp(recorded)))
        self.audit(recorded, staff, action, uid, None,
                   {"uid": uid, "volunteer_id": p["id"], "at": self.stamp(at), "activity": activity, "hours": hours,
                    "points": points, "reason": reason, "staff_id": staff, "reverses_uid": reverses}, kiosk)
        if at_kiosk:
            self.mutation(kiosk, action, recorded)

    # -- bookings ---------------------------------------------------------------------------
    def bookings(self) -> None:
        center = center_document()
        books = [(f"pb{i}", s) for i, s in enumerate(center["picture_books"]["sessions"])]
        slots = [(f"c{i}", s) for i, s in enumerate(center["counseling"]["slots"])]
        study = [(s["id"], s) for s in center["study_room"]["sessions"]]
        future = 7  # the booking window ahead of today
        span = range(self.days + future)
        made = {"books": 0, "counseling": 0}
        for d in span:
            day = self.day(d)
            for session, s in books:
                if s["weekday"] == day.isoweekday():
                    n = max(0, s["places"] + self.rnd.randint(-4, 12)) if d < self.days else self.rnd.randint(3, 10)
                    for i in range(n):
                        held = i < s["places"]
                        self.booking("books", day, session, s, None, held)
                        made["books"] += 1
            for session, s in slots:
                if s["weekday"] == day.isoweekday() and self.rnd.random() < 0.8:
                    self.booking("counseling", day, session, s, None, True)
                    made["counseling"] += 1
        for _ in range(BOOKINGS["counseling"] - made["counseling"]):  # requests without a slot: a call back
            self.booking("counseling", None, None, None, None, True,
                         created=self.start + timedelta(seconds=self.rnd.randrange(int((self.now - self.start).total_seconds()))))
        target = sum(BOOKINGS.values()) - made["books"] - BOOKINGS["counseling"]
        per_session = self.spread(target, len(span) * len(study), lambda i: 0.3 if i // len(study) >= self.days else 1.0)
        for i, n in enumerate(per_session):
            day = self.day(i // len(study))
            session, s = study[i % len(study)]
            seats = self.rnd.sample(range(1, STUDY_SEATS + 1), STUDY_SEATS)
            for k in range(n):
                self.booking("study", day, session, s, seats[k % STUDY_SEATS], k < STUDY_SEATS)
        self.flush()

    def booking(self, kind: str, day: date | None, session: str | None, s: dict | None, seat: int | None,
                may_hold: bool, created: datetime | None = None) -> None:
        starts = datetime.combine(day, datetime.strptime(s["start"], "%H:%M").time()) if day else None
        created = created or starts - timedelta(minutes=self.rnd.randrange(30, 6 * 24 * 60))
        closed = (starts or created + timedelta(days=14)) + timedelta(minutes=30) <= self.now
        r = self.rnd.random()
        if kind == "books" and not may_hold:  # a full session: the family waits
            status = "cancelled" if r < 0.35 else "waiting"
        elif not closed:
            status = "cancelled" if r < 0.12 else "booked"
        elif kind == "counseling" and starts is None:
            status = "checked_in" if r < 0.78 else "cancelled"  # the call back was made, or not wanted
        else:
            status = "checked_in" if r < 0.62 else "no_show" if r < 0.72 else "cancelled"
        if kind == "study" and not may_hold and status in ("booked", "checked_in"):
            status = "cancelled"  # every seat of the session is held already
        name, phone = self.rnd.choice(self.residents)
        bid = self.uid()
        record = {"id": bid, "kind": kind, "day": day.isoformat() if day else None, "session": session,
                  "seat": seat, "starts_at": starts.isoformat() if starts else None,
                  "ticket": f"{self.rnd.randrange(10 ** 6):06d}", "name": name, "phone": phone,
                  "child_name": self.name() if kind == "books" else None,
                  "child_age": self.rnd.randint(2, 10) if kind == "books" else None,
                  "topic": self.pick(TOPICS) if kind == "counseling" else None,
                  "note": self.rnd.choice(NOTES) if kind == "counseling" else None,
                  "status": status, "created_at": self.stamp(created)}
        kiosk = self.kiosk_of(kind, created)
        self.add("bookings", (bid, kiosk, CENTER, kind, record["day"], session, seat, phone, status,
                              json.dumps(record, ensure_ascii=False)))
        self.mutation(kiosk, "booking.create", created)
        moved = starts or created + timedelta(days=1)
        if status in ("checked_in", "no_show", "cancelled") and self.rnd.random() < 0.9:
            self.mutation(kiosk, {"checked_in": "checkin.create", "no_show": "booking.no_show",
                                  "cancelled": "booking.cancel"}[status], min(moved, self.now))
        elif status in ("checked_in", "cancelled"):  # staff did it at the console
            self.audit(min(moved, self.now), "office-1", "booking." + status, bid, {"status": "booked"},
                       {"status": status})
        if kind == "counseling" and self.columns["counseling_follow_ups"]:
            self.follow_up(bid, status, starts, created, moved)
        if self.rnd.random() < 0.004:  # a refusal now and then: a seat taken offline by two kiosks
            self.mutation(kiosk, "booking.create", created, "seat_taken" if kind == "study" else "person_limit")

    def follow_up(self, booking_id: str, status: str, starts: datetime | None, created: datetime,
                  moved: datetime) -> None:
        """The office's follow-up of a counseling request: done once attended, a time or a call back while open."""
        if status == "checked_in":
            state, arranged, when = "done", None, min(moved + timedelta(hours=1), self.now)
        elif status == "booked" and starts is None and self.rnd.random() < 0.6:
            state = self.rnd.choice(("confirmed", "call_back"))
            when = min(created + timedelta(hours=self.rnd.randrange(1, 30)), self.now)
            arranged = (self.now + timedelta(days=self.rnd.randrange(1, 6))).replace(hour=9, minute=30) \
                .isoformat(timespec="minutes") if state == "confirmed" else None
        else:
            return
        self.add("counseling_follow_ups", (booking_id, CENTER, state, arranged, None, "office-1", self.utc(when)))
        self.audit(when, "office-1", "counseling.follow_up", booking_id, None,
                   {"state": state, "arranged_at": arranged, "noted": False})

    # -- wishes ---------------------------------------------------------------------------------
    def wishes(self) -> None:
        seconds = int((self.now - self.start).total_seconds())
        for number, n in enumerate(sorted(self.rnd.randrange(seconds) for _ in range(WISHES)), 1):
            created = self.start + timedelta(seconds=n)
            age = (self.now - created).days
            weights = ({"fulfilled": 72, "declined": 8, "claimed": 8, "approved": 12} if age > 90 else
                       {"fulfilled": 40, "claimed": 30, "approved": 20, "declined": 5, "submitted": 5} if age > 30 else
                       {"submitted": 35, "approved": 35, "claimed": 20, "fulfilled": 5, "declined": 5})
            status = self.rnd.choices(list(weights), list(weights.values()))[0]
            category = self.rnd.choices(CATEGORIES, (25, 25, 15, 15, 12, 8))[0]
            name, phone = self.rnd.choice(self.residents)
            wid = self.uid("w-")
            card = {"id": wid, "code": f"W{number:06d}",
                    "name": name, "phone": phone, "category": category, "text": WISH_TEXTS[category],
                    "consent": 1, "status": "submitted", "created_at": self.stamp(created)}
            claimed = status in ("claimed", "fulfilled")
            claimant, kind = (self.rnd.choice(CLAIMANTS) if self.rnd.random() < 0.5 else (self.name(), "party_member")) \
                if claimed else (None, None)
            row = (wid, self.kiosk_of("wish", created), CENTER, status, json.dumps(card, ensure_ascii=False),
                   claimant, kind, "不属于微心愿范围，已转社区办理" if status == "declined" else None,
                   "已送到居民家中" if status == "fulfilled" else None)
            self.add("wishes", row)
            self.mutation(row[1], "wish.create", created)
            steps = {"declined": ["declined"], "approved": ["approved"], "claimed": ["approved", "claimed"],
                     "fulfilled": ["approved", "claimed", "fulfilled"]}.get(status, [])
            when, before = created, "submitted"
            for step in steps:
                when = min(when + timedelta(hours=self.rnd.randrange(2, 24 * 20)), self.now)
                self.audit(when, "office-1", "wish.status", wid, {"status": before},
                           {"id": wid, "status": step, **({"claimant": claimant, "claimant_kind": kind}
                                                           if step == "claimed" else {})})
                before = step
        self.flush()
        if "claimant_contact" in self.columns["wishes"]:  # the office's own note of how to reach a claimant
            self.conn.execute("UPDATE wishes SET claimant_contact = '139' || substr('00000000' || "
                              "abs(random() % 100000000), -8) WHERE claimant IS NOT NULL")

    # -- helpers -------------------------------------------------------------------------------
    def spread(self, total: int, slots: int, weight) -> list[int]:
        """total over slots in proportion to weight(slot), with some noise, summing exactly."""
        weights = [weight(i) * self.rnd.uniform(0.7, 1.3) for i in range(slots)]
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        for i in self.rnd.sample(range(slots), total - sum(counts)):
            counts[i] += 1
        return counts


BULK = ("volunteers", "ledger", "holds", "bookings", "wishes", "mutations", "audit", "counseling_follow_ups")


def build(path: Path) -> None:
    started = time.perf_counter()
    building = path.with_suffix(".building")
    for leftover in path.parent.glob(building.name + "*"):
        leftover.unlink()
    set_up(building).close()
    conn = sqlite3.connect(building, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")  # one big write, straight to the file (a failed build is thrown away)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")  # 1 GB: the primary keys' b-trees stay in memory
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(BULK))})", BULK).fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    maker = Maker(conn, datetime.fromisoformat(NOW))
    for item_id, item, points in ITEMS:
        conn.execute("INSERT INTO catalogue (id, center_id, item, points, stock) VALUES (?, ?, ?, ?, ?)",
                     [item_id, CENTER, item, points, 200])
    people = maker.volunteers()
    maker.flush()
    maker.ledger(people)
    maker.bookings()
    maker.wishes()
    for _, sql in indexes:
        conn.execute(sql)
    now = datetime.fromisoformat(NOW)
    for kiosk, seen, depth in (("lobby-1", 20, 0), ("lobby-2", 50, 2), ("study-1", 3 * 3600, 14), ("children-1", 90, 0)):
        conn.execute("UPDATE kiosks SET last_seen = ?, last_push = ?, queue_depth = ? WHERE id = ?",
                     [maker.utc(now - timedelta(seconds=seen)), maker.utc(now - timedelta(seconds=seen)), depth, kiosk])
    conn.execute("UPDATE kiosks SET revoked = 1, last_seen = ? WHERE id = 'old-lobby'",
                 [maker.utc(maker.start + timedelta(days=600))])
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")  # as the server keeps it
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(building) + suffix).unlink(missing_ok=True)
    os.replace(building, path)
    print(f"built {path} in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{n:,} {t}" for t, n in sorted(maker.counts.items())), file=sys.stderr)


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in BULK + ("kiosks",) if t in tables}
    finally:
        conn.close()


if __name__ == "__main__":
    built = cached()
    print(built, f"{built.stat().st_size / 2 ** 20:,.0f} MiB")
    for table, n in counts(built).items():
        print(f"  {table:<11} {n:>10,}")
