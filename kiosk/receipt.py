"""What a booking receipt shows (no Kivy): the screen draws it, the core
decides it, so a counseling topic can never reach a receipt."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import qrcode

from kiosk.bookings import WEEKDAY_WORDS, Bookings
from kiosk.center import NO_SHOW_WINDOW_DAYS
from kiosk.sessions import checkin_window, session_times, weekly_entry
from kiosk.validation import mask_phone


@dataclass(frozen=True)
class Receipt:
    title: str
    ticket: str
    lines: tuple[str, ...]
    rule: str
    code_words: str = "预约号"  # what the code is called where it is used again (签到, 查询)


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), with a 2-module quiet zone."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _day(at: datetime) -> str:
    return f"{at.month}月{at.day}日 {WEEKDAY_WORDS[at.weekday()]}"


def _session(booking: dict, bookings: Bookings) -> tuple[str, ...]:
    """The session's name, day, start and end, and (where it applies) its check-in window."""
    if not booking["starts_at"]:
        return ("时间：工作人员会尽快与您联系",)
    day = date.fromisoformat(booking["day"])
    times = session_times(bookings.center, booking["kind"], day, booking["session"])
    entry = weekly_entry(bookings.center, booking["kind"], booking["session"])
    if times is None:  # the schedule changed since: the start it was booked for
        return (f"时间：{_day(bookings.starts(booking))} {bookings.starts(booking):%H:%M}",)
    starts, ends = times
    span = f"{starts:%H:%M}–{ends:%H:%M}"
    if booking["kind"] == "study":
        return (f"场次：{_day(starts)} {entry.name} {span}", _checkin(bookings, starts))
    if booking["kind"] == "books":
        return (f"活动：{_day(starts)} {span} {entry.theme}", _checkin(bookings, starts))
    # not who receives: a counselor named on a receipt would say what the visit is about
    return (f"时间：{_day(starts)} {span}",)


def _checkin(bookings: Bookings, starts: datetime) -> str:
    opens, closes = checkin_window(bookings.rules, starts)
    return f"签到时间：{opens:%H:%M}–{closes:%H:%M}（凭预约号）"


def no_show_rule(bookings: Bookings, place: str) -> str:
    """The no-show rule as the center's [bookings] sets it."""
    r = bookings.rules
    # No spaces around the numbers: Kivy wraps lines at spaces.
    return (f"开始后{r.checkin_after_minutes}分钟内未签到视为爽约，{place}将释放；"
            f"{NO_SHOW_WINDOW_DAYS}天内爽约{r.no_show_limit}次，将暂停自助预约{r.no_show_block_days}天。"
            "取消请用预约号和手机号后四位。")


def receipt_for(booking: dict, bookings: Bookings) -> Receipt:
    phone = f"手机：{mask_phone(booking['phone'])}"
    kind = booking["kind"]
    if kind == "study":
        what = f"共享自习室 {booking['seat']} 号座位"
        title = "预约成功"
        rule = no_show_rule(bookings, "座位")
    elif kind == "books":
        what = f"妈妈绘本馆：{booking['child_name']}（{booking['child_age']} 岁）"
        title = "报名成功" if booking["status"] == "booked" else "已加入候补"
        rule = no_show_rule(bookings, "名额")
        if booking["status"] == "waiting":
            rule = "名额已满，已为您排队候补；有名额空出时按先后顺序自动递补，请留意工作人员通知。"
    else:
        # Never the topic: this screen can be seen by the next person in line.
        what = "民情恳谈室 预约"
        title = "已提交"
        rule = "工作人员会与您确认时间。取消请用预约号和手机号后四位。"
    return Receipt(title, booking["ticket"], (what, *_session(booking, bookings), phone), rule)


def wish_receipt(wish: dict) -> Receipt:
    wall = ("工作人员审核后，心愿会出现在心愿墙上（只显示姓氏）。" if wish["consent"]
            else "您没有选择上墙：心愿只给工作人员看，不会出现在心愿墙上。")
    return Receipt("心愿已提交", wish["code"],
                   (f"类别：{wish['category']}", f"心愿：{wish['text']}",
                    f"手机：{mask_phone(wish['phone'])}", "请拍照或记下心愿编号，查询进度时要用。"),
                   wall + "凭心愿编号和手机号后四位，可在心愿墙页面查询进度。", code_words="心愿编号")
