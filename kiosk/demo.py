"""Realistic synthetic data for a first run and for screenshots (no real
people): 1,824 volunteers with service histories, 60+ wishes of which 50
are claimed, an exchange catalogue. Matches the figures the center reports.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from kiosk.pins import hash_pin
from kiosk.store import Store
from kiosk.wishes import CATEGORIES

VOLUNTEERS = 1824
WISHES = 64
CLAIMED = 50
DEMO_PHONE = "13800001824"  # the one demo volunteer with a PIN, for trying the passbook
DEMO_PIN = "123456"
DEMO_STAFF, DEMO_STAFF_NAME, DEMO_STAFF_PIN = "demo-duty", "王丽", "135790"  # staff mode in screenshots

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜敏静秀丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红鹏辉玲燕晶斌宇浩凯健俊帆"
ACTIVITIES = [("敬老院陪伴", 3, 15), ("社区环境清洁", 2, 10), ("文明交通劝导", 2, 10),
              ("共享自习室值守", 4, 20), ("妈妈绘本馆讲故事", 1.5, 8), ("独居老人探访", 2, 12),
              ("防疫宣传", 3, 15), ("义务理发", 2, 12)]
WISH_TEXTS = {
    "生活帮扶": ["希望有人帮忙买菜送到家", "家里水龙头坏了，希望有人帮忙修一下", "想学会用智能手机缴电费"],
    "助老助残": ["希望有人每周陪我聊聊天", "需要一辆轮椅方便出门", "想请人帮忙去医院取药"],
    "学习教育": ["孩子需要辅导作业", "想借几本适合小学生的书", "希望有人教我写毛笔字"],
    "医疗健康": ["希望社区组织一次免费体检", "想了解高血压的饮食知识"],
    "环境设施": ["楼道的灯坏了，希望尽快维修", "小区门口希望加一把长椅", "希望楼下多放几个垃圾桶"],
    "其他": ["想参加社区的书画交流活动", "希望过年时有人来一起包饺子"],
}
CLAIMANTS = ["社区党员", "辖区单位党员", "中蓝菲特健身中心", "敦煌路街道党建共同体"]
CATALOGUE = [("洗衣液", 30, 40), ("大米 5 斤", 50, 30), ("食用油", 80, 20), ("免费理发一次", 20, 50),
             ("体检优惠券", 120, 10), ("绘本一本", 40, 25)]


def _name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))


def load_demo(store: Store, seed: int = 1824, now: datetime | None = None) -> dict:
    """Fill an empty store; returns counts. Refuses a store that has data."""
    if store.db["volunteers"].count or store.db["wishes"].count:
        raise ValueError("demo data goes only into an empty kiosk database")
    rnd = random.Random(seed)
    now = now or datetime.now()
    volunteers, ledger = [], []
    for i in range(VOLUNTEERS):
        vid = str(uuid.uuid4())
        phone = DEMO_PHONE if i == 0 else f"13{rnd.randrange(10**9):09d}"
        volunteers.append({"id": vid, "number": f"LJY-{i + 1:04d}", "name": _name(rnd), "phone": phone,
                           "pin_hash": hash_pin(DEMO_PIN) if i == 0 else None,
                           "failures": 0, "lockouts": 0, "locked_until": None})
        for _ in range(rnd.randrange(2, 25) if i else 24):
            activity, hours, points = rnd.choice(ACTIVITIES)
            at = now - timedelta(days=rnd.randrange(1, 720), hours=rnd.randrange(8, 18))
            ledger.append({"volunteer_id": vid, "at": at.isoformat(timespec="seconds"),
                           "activity": activity, "hours": hours, "points": points,
                           "reason": None, "staff_id": "demo", "reverses": None})
    wishes, claims = [], []
    for i in range(WISHES):
        category = CATEGORIES[i % len(CATEGORIES)]
        status = "claimed" if i < CLAIMED else ("approved" if i < WISHES - 4 else "submitted")
        if status == "claimed" and i % 3 == 0:
            status = "fulfilled"
        created = now - timedelta(days=rnd.randrange(1, 100), minutes=i)
        wid = str(uuid.uuid4())
        wishes.append({"id": wid, "code": f"W{100000 + i}", "name": _name(rnd),
                       "phone": f"13{rnd.randrange(10**9):09d}", "category": category,
                       "text": rnd.choice(WISH_TEXTS[category]), "consent": 1, "status": status,
                       "reason": None,
                       "fulfilled_note": "已完成，谢谢大家" if status == "fulfilled" else None,
                       "created_at": created.isoformat(timespec="seconds"),
                       "updated_at": created.isoformat(timespec="seconds")})
        if status in ("claimed", "fulfilled"):
            claims.append({"wish_id": wid, "claimant": rnd.choice(CLAIMANTS),
                           "claimant_kind": "party_member", "live": 1,
                           "claimed_at": created.isoformat(timespec="seconds")})
    with store.transaction() as db:
        db["volunteers"].insert_all(volunteers, batch_size=500)
        db["ledger"].insert_all(ledger, batch_size=2000)
        db["wishes"].insert_all(wishes)
        db["wish_claims"].insert_all(claims)
        db["catalogue"].insert_all([{"id": f"item{i}", "item": item, "points": points, "stock": stock}
                                    for i, (item, points, stock) in enumerate(CATALOGUE)])
        db["staff_roster"].insert({"id": DEMO_STAFF, "display_name": DEMO_STAFF_NAME,
                                   "pin_hash": hash_pin(DEMO_STAFF_PIN), "active": 1})
    return {"volunteers": len(volunteers), "ledger": len(ledger), "wishes": len(wishes),
            "claimed": len(claims)}


def demo_staff_session():
    """Staff mode for screenshots and the audit, signed to a key nobody holds
    (a demo kiosk has no server that could open it)."""
    import base64

    from nacl.public import PrivateKey

    from kiosk.staff_session import OnDutyMember, StaffSession
    from kiosk.staffmode import OnDuty
    key = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    return StaffSession(OnDutyMember(DEMO_STAFF, DEMO_STAFF_NAME), OnDuty(DEMO_STAFF, DEMO_STAFF_PIN, key))
