"""Wish cards: submit, one live claim, the wall, lookup (the lifecycle is the
office's: tests/test_server_office.py)."""
import sqlite3

import pytest

from kiosk.store import Store
from kiosk.validation import FieldError, FormError
from kiosk.wishes import WishError, Wishes, anonymise
from sync.replica import apply_change


@pytest.fixture(params=["disk", "memory"])
def wishes(request, tmp_path):
    store = Store(tmp_path / "k.db" if request.param == "disk" else None)
    yield Wishes(store)
    store.close()


def submit(w, text="希望有人帮忙修楼道的灯", name="张秀英", category="环境设施"):
    return w.submit(name, "13812345678", category, text, consent=True)


def test_submit_stores_the_wish_and_its_mutation(wishes):
    wish = submit(wishes)
    assert wish["status"] == "submitted" and wish["code"].startswith("W")
    [m] = wishes.store.pending()
    assert m["type"] == "wish.create" and m["payload"]["wish"]["id"] == wish["id"]


@pytest.mark.parametrize("field, kwargs", [
    ("category", {"category": "算命"}),
    ("text", {"text": ""}),
    ("text", {"text": "好" * 101}),
    ("text", {"text": "😀 想要一个笑脸"}),
    ("name", {"name": "<script>"}),
])
def test_bad_wishes_are_refused_at_the_field(wishes, field, kwargs):
    with pytest.raises(FormError) as exc:
        submit(wishes, **kwargs)
    assert field in exc.value.errors
    assert wishes.store.db["wishes"].count == 0 and wishes.store.pending_count() == 0


def test_consent_only_decides_the_wall_a_private_wish_is_kept_sent_and_followed(wishes):
    private = wishes.submit("张三", "13812345678", "其他", "一个心愿", consent=False)
    [m] = wishes.store.pending()
    assert private["consent"] == 0 and m["payload"]["wish"]["consent"] == 0
    wishes.store.db.execute("UPDATE outbox SET state = 'applied'")
    # the feed brings a private wish's progress without its words or 张** (sync/server/apply.py)
    office_changes(wishes, private, "approved", public=False)
    office_changes(wishes, private, "claimed", "李党员", public=False)
    assert wishes.wall() == ([], 1) and wishes.wall(status="claimed") == ([], 1)
    assert wishes.lookup(private["code"], "5678")["status"] == "已认领"
    assert wishes.db["wishes"].get(private["id"])["text"] == "一个心愿"  # its own kiosk keeps it
    public = submit(wishes)
    wishes.store.db.execute("UPDATE outbox SET state = 'applied'")
    office_changes(wishes, public, "approved")
    assert [c.code for c in wishes.wall()[0]] == [public["code"]]


def test_another_kiosks_private_wish_is_never_copied_here(wishes):
    change = {"id": "elsewhere", "code": "W123456", "category": "其他", "status": "approved", "public": False,
              "created_at": "2026-11-27T08:00:00+08:00"}
    with wishes.store.transaction() as db:
        assert apply_change(db.conn, {"kind": "wish.status", "data": change}) == "wish.status"
    assert wishes.db["wishes"].count == 0


@pytest.mark.parametrize("consent", ["yes", "no", None, 2])
def test_consent_that_is_not_a_yes_or_no_is_refused_at_its_box(wishes, consent):
    with pytest.raises(FormError) as exc:
        wishes.submit("张三", "13812345678", "其他", "一个心愿", consent=consent)
    assert "consent" in exc.value.errors and wishes.store.db["wishes"].count == 0


def test_wish_length_counts_characters_as_seen(wishes):
    assert submit(wishes, text="好" * 100)["text"] == "好" * 100


def office_changes(wishes, wish, status, claimant=None, reason=None, public=True):
    """What the office decided, as the pull feed brings it (sync/replica.py)."""
    change = {"id": wish["id"], "code": wish["code"], "category": wish["category"], "status": status,
              "claimant": claimant, "claimant_kind": "party_member" if claimant else None, "reason": reason,
              "fulfilled_note": None, "created_at": wish["created_at"], "public": public}
    if public:
        change.update(display_name=anonymise(wish["name"]), text=wish["text"])
    with wishes.store.transaction() as db:
        assert apply_change(db.conn, {"kind": "wish.status", "data": change}) == "wish.status"


def test_a_single_live_claim_even_when_the_feed_names_a_new_claimant(wishes):
    wish = submit(wishes)
    wishes.store.db.execute("UPDATE outbox SET state = 'applied'")  # sent and answered
    office_changes(wishes, wish, "approved")
    office_changes(wishes, wish, "claimed", "李党员")
    with pytest.raises(sqlite3.IntegrityError):  # the database itself refuses a second live claim
        wishes.db["wish_claims"].insert({"wish_id": wish["id"], "claimant": "x",
                                         "claimant_kind": "member_unit", "live": 1,
                                         "claimed_at": "2026-01-01"})
    office_changes(wishes, wish, "claimed", "中蓝菲特健身中心")  # withdrawn and claimed again
    assert [c["claimant"] for c in wishes.db["wish_claims"].rows_where("live = 1")] == ["中蓝菲特健身中心"]
    declined = submit(wishes, text="想要一辆汽车")
    wishes.store.db.execute("UPDATE outbox SET state = 'applied'")
    office_changes(wishes, declined, "declined", reason="超出微心愿范围")
    assert wishes.lookup(declined["code"], "5678")["reason"] == "超出微心愿范围"


def test_the_wall_shows_only_approved_wishes_anonymously_with_filters(wishes):
    hidden = submit(wishes, text="还没审核")
    shown = [submit(wishes, text=f"心愿{i}", category="助老助残" if i % 2 else "学习教育") for i in range(9)]
    wishes.store.db.execute("UPDATE outbox SET state = 'applied'")
    for wish in shown:
        office_changes(wishes, wish, "approved")
    office_changes(wishes, shown[0], "claimed", "李党员")
    cards, pages = wishes.wall()
    assert pages == 2 and len(cards) == 6
    assert all(c.who == "张**" for c in cards) and all("张秀英" not in c.text for c in cards)
    assert "还没审核" not in [c.text for c in cards + wishes.wall(page=1)[0]]
    assert {c.status for c in cards + wishes.wall(page=1)[0]} == {"待认领", "已认领"}
    assert all(c.category == "助老助残" for c in wishes.wall(category="助老助残")[0])
    claimed, _ = wishes.wall(status="claimed")
    assert [c.claimant for c in claimed] == ["李党员"]
    assert wishes.totals() == (10, 1)
    assert hidden["status"] == "submitted"


def test_lookup_needs_code_and_last_four(wishes):
    wish = submit(wishes)
    with pytest.raises(WishError):
        wishes.lookup(wish["code"], "0000")
    assert wishes.lookup(wish["code"].lower(), "5678")["status"] == "待审核"


def test_anonymised_names():
    assert anonymise("张秀英") == "张**" and anonymise("李娜") == "李*" and anonymise("欧") == "欧*"


# -- what a resident wrote is kept as written ---------------------------------------------
PUNCTUATED = "请帮忙，谢谢！“好”（急）"
FULLWIDTH = str.maketrans("0123456789W", "０１２３４５６７８９Ｗ")


def test_a_wish_keeps_its_chinese_punctuation_stored_sent_and_looked_up(wishes):
    wish = wishes.submit("Zhang Wei", "13812345678", "其他", f"  {PUNCTUATED} ", consent=True)
    stored = wishes.store.db["wishes"].get(wish["id"])
    assert (stored["text"], stored["name"]) == (PUNCTUATED, "Zhang Wei")
    [m] = wishes.store.pending()
    assert m["payload"]["wish"]["text"] == PUNCTUATED
    # a code typed in fullwidth (a scanner or keyboard in fullwidth mode) finds the wish
    assert wishes.lookup(wish["code"].translate(FULLWIDTH), "５６７８")["text"] == PUNCTUATED


def test_only_names_and_phones_lose_their_compatibility_forms(wishes):
    wish = wishes.submit("Ｚｈａｎｇ　Ｗｅｉ", "１３８ １２３４ ５６７８", "其他", "Ｗｉ－Ｆｉ（急）", consent=True)
    assert (wish["name"], wish["phone"], wish["text"]) == ("Zhang Wei", "13812345678", "Ｗｉ－Ｆｉ（急）")


@pytest.mark.parametrize("field, kwargs", [
    ("name", {"name": "·"}), ("name", {"name": "···"}), ("name", {"name": " · "}), ("name", {"name": "·张三"}),
    ("name", {"name": "张三·"}), ("name", {"name": "张··三"}), ("name", {"name": "张\u2028三"}),
    ("text", {"text": "请帮忙\u2028谢谢"}), ("text", {"text": "请帮忙\u2029谢谢"}), ("text", {"text": "请帮忙\x85谢谢"}),
    ("text", {"text": "请帮忙\r谢谢"}), ("text", {"text": "请帮忙\n谢谢"}), ("text", {"text": "修\x0b灯\x0c"}),
    ("name", {"name": ["张三"]}), ("name", {"name": 3}), ("phone", {"phone": 13812345678}),
    ("category", {"category": ["其他"]}), ("text", {"text": ["心愿"]}), ("text", {"text": b"\xe5\xbf\x83"}),
    ("consent", {"consent": "no"}), ("consent", {"consent": 2}),
], ids=["dot", "dots", "spaced-dot", "leading-dot", "trailing-dot", "double-dot", "name-line-separator",
        "line-separator", "paragraph-separator", "next-line", "carriage-return", "line-feed", "vertical-tab",
        "name-list", "name-int", "phone-int", "category-list", "text-list", "text-bytes",
        "consent-no", "consent-2"])
def test_separators_line_breaks_and_wrong_types_are_refused_at_the_field(wishes, field, kwargs):
    given = dict(name="张秀英", phone="13812345678", category="环境设施", text="修楼道的灯", consent=True)
    with pytest.raises(FormError) as exc:
        wishes.submit(**dict(given, **kwargs))
    assert list(exc.value.errors) == [field] and exc.value.errors[field]
    assert wishes.store.db["wishes"].count == 0 and wishes.store.pending_count() == 0


@pytest.mark.parametrize("code, last4", [(123456, "5678"), ("W123456", 5678), (["W123456"], "5678")])
def test_a_lookup_of_the_wrong_type_is_refused_at_its_field(wishes, code, last4):
    submit(wishes)
    with pytest.raises(FieldError) as exc:
        wishes.lookup(code, last4)
    assert exc.value.field == ("code" if not isinstance(code, str) else "last4")
