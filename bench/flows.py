"""The residents' tasks, driven through the real kiosk in the real (offscreen)
window by what its screens show: for bench/taps.py and bench/tap_latency.py.

The screens change under these benches, so nothing here knows a step by its
place. A task names what the resident wants (the tile, the options to prefer,
each field's value by the field's name) and ``Resident.do`` walks whatever the
screen shows: options until a form, the form's empty fields in order, the
consent box, the form's primary button, until the receipt (or the passbook)
is on screen. Every tap is a real touch at window coordinates
(tests/harness.py). A field out of view is brought in with a swipe, a button
out of view or under the keyboard by closing the keyboard first (完成, a tap),
then a swipe if still needed, as a resident would; swipes are counted apart.
"""
from __future__ import annotations

import atexit
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import kivy_env  # noqa: E402

# Kivy reads its environment at import: a throw-away home, the lobby's window
_KIVY_HOME = Path(tempfile.mkdtemp(prefix="liulinhui-bench-kivy-"))
atexit.register(shutil.rmtree, _KIVY_HOME, ignore_errors=True)
kivy_env.prepare(_KIVY_HOME, 1920, 1080)

from kivy.core.window import Window  # noqa: E402
from kivy.uix.behaviors import ButtonBehavior  # noqa: E402
from kivy.uix.scrollview import ScrollView  # noqa: E402

from kiosk.demo import DEMO_PHONE, DEMO_PIN, load_demo  # noqa: E402
from kiosk.ui.steps import ReceiptCard  # noqa: E402
from kiosk.ui.textentry import TextEntry  # noqa: E402
from kiosk.ui.widgets import NavBar  # noqa: E402
from tests.harness import KioskDriver  # noqa: E402

logging.getLogger("kivy").setLevel(logging.ERROR)  # the benches print figures, not Kivy's notes

# A Thursday morning in the center's zone: every session of today and tomorrow is ahead
MORNING = datetime(2026, 11, 26, 7, 30)
CLOSE_KEYS = ("完成", "收起", "关闭键盘")  # the keyboard's key that closes it (begins with one of these)
NEXT_PAGE = ("›", "下一页")  # the candidate bar's page key
NOT_OPTIONS = ("上一步", "返回", "首页", "签到 / 取消预约", "同意")  # buttons that are no step's answer


class FlowError(RuntimeError):
    """The screens no longer go as the task expects: the bench needs updating."""


# A field's value: digits typed key by key, or pinyin chunks, each typed as
# letters and then its text picked from the candidate bar (a phrase at once)
Value = str | tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Task:
    key: str
    name: str
    tile: str
    fields: dict[str, Value]
    prefer: tuple[str, ...] = ()  # options to take where offered (texts they contain), in order
    done: str = ""  # a text on screen that ends the task; else a receipt
    demo: bool = False  # needs the demo volunteer
    consent: bool = True  # tick a consent box where the form has one
    variant_of: str = ""  # the same task typed another way (the latency bench walks it once)


NAME = (("zhangwei", "张伟"),)
PHONE = "13812345678"
WISH = "希望楼梯安装扶手"

TASKS = (
    Task("study", "study seat for tomorrow, name and phone", "自习室预约",
         {"name": NAME, "phone": PHONE}, prefer=("明天",)),
    Task("wish", f"wish card {WISH}, name and phone (on the wall)", "微心愿",
         {"text": (("xiwangloutianzhuangfushou", WISH),), "name": NAME, "phone": PHONE},
         prefer=("环境设施",)),
    Task("wish_words", "  the same wish typed word by word", "微心愿",
         {"text": (("xiwang", "希望"), ("louti", "楼梯"), ("anzhuang", "安装"), ("fushou", "扶手")),
          "name": NAME, "phone": PHONE}, prefer=("环境设施",), variant_of="wish"),
    Task("study_initials", "  the same, the name by its initials (zw)", "自习室预约",
         {"name": (("zw", "张伟"),), "phone": PHONE}, prefer=("明天",), variant_of="study"),
    Task("wish_initials", "  the wish card, common words and the name by initials", "微心愿",
         {"text": (("xw", "希望"), ("lt", "楼梯"), ("anzhuang", "安装"), ("fs", "扶手")),
          "name": (("zw", "张伟"),), "phone": PHONE}, prefer=("环境设施",), variant_of="wish"),
    Task("books", "picture-book signup (小明, 5, guardian and phone)", "绘本馆报名",
         {"child_name": (("xiaoming", "小明"),), "child_age": "5", "name": (("wangfang", "王芳"),),
          "phone": "13900001111"}),
    Task("counseling", "counseling request (婚姻家庭, first slot)", "恳谈室预约",
         {"name": (("lina", "李娜"),), "phone": "13700002222"}, prefer=("婚姻家庭",)),
    Task("passbook", "passbook balance (phone and PIN)", "志愿积分",
         {"phone": DEMO_PHONE, "pin": DEMO_PIN}, done="积分余额", demo=True),
)


@dataclass
class Tally:
    taps: list[str] = field(default_factory=list)  # what each tap was: keyboard, field, button
    swipes: int = 0

    def breakdown(self) -> str:
        kinds = {k: self.taps.count(k) for k in ("keyboard", "field", "button")}
        return " + ".join(f"{n} {k}" for k, n in kinds.items())


def texts_of(widget) -> str:
    """What a widget shows: a label's text, a tile's title."""
    for name in ("text", "title"):
        value = getattr(widget, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


class Resident(KioskDriver):
    """The harness's driver, counting every touch and reaching widgets as a resident would."""

    tally: Tally

    @classmethod
    def open(cls, data_dir: Path, elder: bool = False, demo: bool = False, collector=None) -> "Resident":
        """A fresh kiosk on the bench's morning, in 长辈模式 if asked (that tap not counted);
        ``collector``: the kiosk's garbage-collection pacer, as main.py runs it."""
        kiosk = cls.start(data_dir, collector=collector)
        base = kiosk.fake.now
        start = MORNING.replace(tzinfo=kiosk.app.clock.tz).timestamp()
        kiosk.app.clock.source = lambda: start + (kiosk.fake.now - base)
        kiosk.app.clock.monotonic = lambda: kiosk.fake.now
        if demo:
            load_demo(kiosk.store)
        if elder:
            kiosk.tap(kiosk.find_id("elder"))
        kiosk.tally = Tally()
        return kiosk

    # -- touches ----------------------------------------------------------------
    def tap_at(self, x: float, y: float) -> None:
        self.tally_tap("keyboard" if self.on_board(x, y) else self._next_kind)
        super().tap_at(x, y)

    def on_board(self, x: float, y: float) -> bool:
        board = self.board
        if board is None:
            return False
        bx, by = board.to_window(board.x, board.y)
        return bx <= x <= bx + board.width and by <= y <= by + board.height

    _next_kind = "button"

    def tally_tap(self, kind: str) -> None:
        if hasattr(self, "tally"):
            self.tally.taps.append(kind)

    @property
    def board(self):
        return self.app._keyboard.board if self.app._keyboard is not None else None

    def visible(self, widget) -> bool:
        """Whether a finger can reach the widget's centre now (on screen, inside its
        scrolled view, not under the keyboard)."""
        if widget.get_root_window() is None or widget.opacity == 0 or widget.disabled:
            return False
        x, y = widget.to_window(*widget.center)
        if not (0 <= x < Window.width and 0 <= y < Window.height):
            return False
        if self.board is not None and widget not in list(self.walk(self.board)) and self.on_board(x, y):
            return False
        node = widget.parent
        while node is not None and node is not Window:
            if isinstance(node, ScrollView):
                sx, sy = node.to_window(node.x, node.y)
                if not (sy <= y <= sy + node.height):
                    return False
            node = node.parent
        return True

    def press(self, widget, kind: str = "button", close_first: bool = True) -> None:
        """Tap a widget, reaching it first: 完成 if it is hidden while the keyboard is
        open (``close_first``), then a swipe if it is still out of view."""
        self.frames(1)
        if not self.visible(widget) and close_first and self.board is not None and widget not in list(
                self.walk(self.board)):
            self.close_keyboard()
        if not self.visible(widget):
            self.swipe_to(widget)
        if not self.visible(widget):
            raise FlowError(f"{texts_of(widget)!r} cannot be reached; on screen: {self.texts()}")
        self._next_kind = kind
        try:
            self.tap_at(*widget.to_window(*widget.center))
        finally:
            self._next_kind = "button"

    def swipe_to(self, widget) -> None:
        node = widget.parent
        while node is not None and node is not Window and not isinstance(node, ScrollView):
            node = node.parent
        if isinstance(node, ScrollView):
            node.scroll_to(widget, animate=False)
            self.tally.swipes += 1
            self.frames(2)

    def close_keyboard(self) -> None:
        keys = [w for w in self.walk(self.board) if isinstance(w, ButtonBehavior)
                and texts_of(w).startswith(CLOSE_KEYS) and not w.disabled]
        if keys:
            self.press(keys[0])

    # -- what is on screen --------------------------------------------------------
    def buttons(self, within=None) -> list:
        """Enabled buttons a finger could reach by swiping: on the screen, not the keyboard
        nor the navigation bar."""
        within = within or self.screen
        skip = set(self.walk(self.board)) if self.board is not None else set()
        found = []
        for w in self.walk(within):
            if isinstance(w, ButtonBehavior) and w not in skip and not w.disabled and w.opacity > 0 \
                    and not any(isinstance(a, NavBar) for a in ancestors(w)):
                found.append(w)
        return sorted(found, key=lambda w: (-w.to_window(*w.center)[1], w.to_window(*w.center)[0]))

    def key(self, label: str):
        board = self.board
        if board is None:
            raise FlowError(f"no keyboard open for {label!r}")
        for w in self.walk(board):
            if isinstance(w, ButtonBehavior) and texts_of(w) in (label, label.upper()) and not w.disabled:
                return w
        raise FlowError(f"no key {label!r} on the keyboard")

    def fields(self) -> dict[str, TextEntry]:
        return {n: f for n, f in (getattr(self.screen, "fields", None) or {}).items()
                if f.get_root_window() is not None}

    def finished(self, task: Task) -> bool:
        if task.done:
            return any(task.done in t for t in self.texts())
        return bool(self.find_all(lambda w: isinstance(w, ReceiptCard)))

    # -- typing -------------------------------------------------------------------
    def fill(self, entry: TextEntry, value: Value) -> None:
        self.press(entry, kind="field", close_first=False)
        if isinstance(value, str):
            for char in value:
                self.press(self.key(char))
            if entry.text != value:
                raise FlowError(f"typed {entry.text!r} for {value!r}")
            return
        for pinyin, text in value:
            for letter in pinyin:
                self.press(self.key(letter))
            while text:
                picked = self._candidate(text)
                self.press(picked)
                text = text[len(texts_of(picked)):]
        if not entry.text.endswith("".join(text for _pinyin, text in value)):
            raise FlowError(f"typed {entry.text!r} for {value!r}")

    def _candidate(self, wanted: str):
        """The longest candidate shown that begins what is still to write, paging if needed."""
        for _page in range(10):
            shown = [w for w in self.walk(self.board) if isinstance(w, ButtonBehavior)
                     and texts_of(w) and wanted.startswith(texts_of(w)) and not texts_of(w).isascii()]
            if shown:
                return max(shown, key=lambda w: len(texts_of(w)))
            pager = [w for w in self.walk(self.board) if isinstance(w, ButtonBehavior)
                     and texts_of(w) in NEXT_PAGE and not w.disabled]
            if not pager:
                break
            self.press(pager[0])
        raise FlowError(f"no candidate for {wanted!r}")

    # -- a task ---------------------------------------------------------------------
    def do(self, task: Task) -> Tally:
        """From home to the task's end, through whatever steps the screens show."""
        self.press(self.find_text(task.tile))
        answered: set[str] = set()
        preferred = list(task.prefer)
        for _step in range(40):
            if self.finished(task):
                return self.tally
            fields = self.fields()
            empty = [(n, f) for n, f in fields.items() if n in task.fields and not f.text]
            if empty:
                name, entry = empty[0]
                self.fill(entry, task.fields[name])
                continue
            chosen = self._answer_by_button(task, fields, answered)
            if chosen:
                continue
            if fields:
                self._submit(task)
                continue
            self._pick_option(preferred)
        raise FlowError(f"{task.name}: not finished after 40 steps; on screen: {self.texts()}")

    def _answer_by_button(self, task: Task, fields: dict, answered: set) -> bool:
        """A value the form asks with buttons (an age 2-10) rather than a field."""
        for name, value in task.fields.items():
            if name in fields or name in answered or not isinstance(value, str):
                continue
            for w in self.buttons():
                if texts_of(w).replace("岁", "").strip() == value:
                    answered.add(name)
                    self.press(w)
                    return True
        return False

    def _submit(self, task: Task) -> None:
        screen = self.screen
        if task.consent and getattr(screen, "consent", None) is False:
            boxes = [w for w in self.buttons() if "同意" in texts_of(w)]
            if boxes:
                self.press(boxes[0])
        primary = [w for w in self.buttons() if getattr(w, "kind", "") == "primary"]
        if not primary:
            raise FlowError(f"{task.name}: a form with no primary button; on screen: {self.texts()}")
        before = (self.app.current, getattr(screen, "step_title", ""))
        if not self.visible(primary[0]) and self.board is not None:
            self.close_keyboard()  # a tap; 完成 on the last field may submit the form itself
        if primary[0].get_root_window() is not None:
            self.press(primary[0])
        if self.finished(task):
            return
        self.frames_until(lambda: getattr(self.screen, "checking", None) is None, seconds=600)
        self.frames(2)
        errors = {n: f.error for n, f in self.fields().items() if f.error}
        message = getattr(self.screen, "message", "")
        if not self.finished(task) and (errors or message) and \
                before == (self.app.current, getattr(self.screen, "step_title", "")):
            raise FlowError(f"{task.name}: the form refused: {errors or message}")

    def _pick_option(self, preferred: list[str]) -> None:
        options = [w for w in self.buttons() if getattr(w, "kind", "") != "secondary"
                   and not any(word in texts_of(w) for word in NOT_OPTIONS)]
        if not options:
            raise FlowError(f"no option to take; on screen: {self.texts()}")
        for word in list(preferred):  # in its words, or in what it belongs to (a session's day)
            match = [w for w in options if word in texts_of(w) or word in getattr(w, "group", "")]
            if match:
                preferred.remove(word)
                self.press(match[0])
                return
        self.press(options[0])


def ancestors(widget):
    node = widget.parent
    while node is not None and node is not Window:
        yield node
        node = node.parent


def run_task(task: Task, folder: Path, elder: bool = False) -> Tally:
    """One task on a fresh kiosk; the tally of its taps."""
    kiosk = Resident.open(folder, elder=elder, demo=task.demo)
    try:
        return kiosk.do(task)
    finally:
        kiosk.stop()
