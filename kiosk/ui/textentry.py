"""One text-entry widget for every field, and the on-screen keyboards.

A ``TextEntry`` knows what it holds (``kind``: name, text, phone, pin, code)
and applies the field's limits; tapping it asks the app's ``KeyboardDock``
for the right keyboard: the pinyin keyboard for names and free text, the
numeric keypad for phone numbers, PINs and ticket codes. The dock sits below
the screen and takes space from it, so it never covers the focused field.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import (
    AliasProperty, BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty,
    StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.charset import HIDDEN
from kiosk.ime.engine import Candidate, PinyinEngine
from kiosk.ui.screens import KioskScreen
from kiosk.ui.widgets import KButton, Surface

NUMERIC_KINDS = ("phone", "pin", "code")
PAGE_SIZE = 6
PUNCTUATION = "，。？！、：；“”（）—…"


def allowed(kind: str, char: str) -> bool:
    """Whether a character may go into a field of this kind."""
    if kind in NUMERIC_KINDS:
        return char.isdigit() and char.isascii()
    if unicodedata.category(char) in (*HIDDEN, "Cs", "Co", "Cn"):
        return False  # control, invisible and line-breaking characters never enter a field
    if kind == "name":
        return char.isalpha() or char in "· "  # 'Zhang Wei': the space between a Latin name's parts
    return True


class TextEntry(Surface):
    kind = OptionProperty("text", options=["name", "text", *NUMERIC_KINDS])
    label = StringProperty()
    text = StringProperty()
    hint = StringProperty()
    max_length = NumericProperty(20)
    error = StringProperty()  # shown at the field, in Chinese
    focused = BooleanProperty(False)
    learn = BooleanProperty(False)  # personal fields (the default) teach the IME nothing

    def _get_shown(self) -> str:
        return "●" * len(self.text) if self.kind == "pin" else self.text

    # a Kivy property, so the field redraws whenever its text changes, typed or set
    shown = AliasProperty(_get_shown, bind=["text", "kind"], cache=True)

    def on_touch_down(self, touch):
        if self.collide_point(*touch.pos):
            App.get_running_app().keyboard.attach(self)
            return True
        return super().on_touch_down(touch)

    def insert(self, text: str) -> None:
        kept = "".join(c for c in text if allowed(self.kind, c))
        if kept != text:
            self.error = ("电话、密码和编号只能输入数字" if self.kind in NUMERIC_KINDS
                          else "这里不能输入这个字符")
        room = int(self.max_length) - len(self.text)
        if len(kept) > room:
            kept = kept[:max(0, room)]
            self.error = f"最多 {int(self.max_length)} 个字"
        elif kept == text:
            self.error = ""
        self.text += kept

    def backspace(self) -> None:
        self.text = self.text[:-1]
        self.error = ""

    def clear(self) -> None:
        self.text = ""
        self.error = ""


class CandidateButton(KButton):
    candidate = ObjectProperty(None, allownone=True)


class PinyinKeyboard(Surface):
    """The pinyin keyboard. 删除 takes back one letter, 清空 the whole pinyin
    string, 撤销 the last candidate picked (its text leaves the field and its
    letters come back to the pinyin string)."""
    target = ObjectProperty(None, allownone=True)
    mode = OptionProperty("zh", options=["zh", "en", "sym"])
    composing = StringProperty()
    candidates = ListProperty()
    page = NumericProperty(0)
    picked = ListProperty()  # (field text before, letters consumed) per pick, last on top
    engine: PinyinEngine | None = None

    ROWS = ("qwertyuiop", "asdfghjkl'", "zxcvbnm")
    SYMBOL_ROWS = ("1234567890", PUNCTUATION[:7], PUNCTUATION[7:])

    def on_kv_post(self, _base):
        self._build_keys()

    def on_mode(self, *_args):
        self.composing = ""
        self.picked = []
        self._build_keys()

    def on_target(self, *_args):
        self.picked = []

    def _build_keys(self):
        rows = self.SYMBOL_ROWS if self.mode == "sym" else self.ROWS
        for row_widget, keys in zip((self.ids.row1, self.ids.row2, self.ids.row3), rows):
            row_widget.clear_widgets()
            for key in keys:
                shown = key.upper() if self.mode == "en" else key
                button = KButton(text=shown, kind="quiet", role="heading")
                button.bind(on_release=lambda _b, k=key: self.press(k))
                row_widget.add_widget(button)

    def press(self, key: str) -> None:
        if self.target is None:
            return
        if self.mode == "zh" and ("a" <= key <= "z" or key == "'"):
            if len(self.composing) < 40:
                self.composing += key
        elif self.mode == "en":
            self.picked = []  # the field changed otherwise: nothing to take back
            self.target.insert(key.upper() if self.target.kind == "code" else key)
        else:
            self.picked = []
            self.target.insert(key)

    def backspace(self) -> None:
        if self.composing:
            self.composing = self.composing[:-1]
        elif self.target is not None:
            self.picked = []
            self.target.backspace()

    def clear_composing(self) -> None:
        """清空: the whole pinyin string at once; the field keeps its text."""
        self.composing = ""

    def undo_pick(self) -> None:
        """撤销: take back the last pick, as if it had not been tapped."""
        if not self.picked or self.target is None:
            return
        before, consumed = self.picked[-1]
        self.picked = self.picked[:-1]
        self.target.text = before
        self.target.error = ""
        self.composing = consumed + self.composing

    def space(self) -> None:
        """空格/确认: take the first candidate, else a space."""
        if self.composing and self.candidates:
            self.pick(self.candidates[0])
        elif self.composing:
            self.composing = ""
        elif self.target is not None and self.target.kind in ("text", "name"):
            self.target.insert(" ")

    def pick(self, candidate: Candidate) -> None:
        if self.target is None:
            return
        self.picked = self.picked[-19:] + [(self.target.text, candidate.consumed)]
        self.target.insert(candidate.text)
        if self.target.learn:
            self.engine.learn(candidate)
        self.composing = self.composing[len(candidate.consumed):]

    def on_composing(self, *_args) -> None:
        self.page = 0
        if not self.composing or self.engine is None:
            self.candidates = []
            return
        name = self.target is not None and self.target.kind == "name"
        self.candidates = self.engine.candidates(
            self.composing, name=name, after_surname=name and bool(self.target.text))

    def on_candidates(self, *_args) -> None:
        self._show_page()

    def on_page(self, *_args) -> None:
        self._show_page()

    def turn(self, step: int) -> None:
        last = max(0, (len(self.candidates) - 1) // PAGE_SIZE)
        self.page = min(last, max(0, self.page + step))

    def _show_page(self) -> None:
        bar = self.ids.candidates
        bar.clear_widgets()
        start = self.page * PAGE_SIZE
        for candidate in self.candidates[start:start + PAGE_SIZE]:
            button = CandidateButton(text=candidate.text, candidate=candidate, kind="quiet",
                                     role="heading")
            button.bind(on_release=lambda b: self.pick(b.candidate))
            bar.add_widget(button)


class NumericKeypad(Surface):
    target = ObjectProperty(None, allownone=True)

    def on_kv_post(self, _base):
        for key in "123456789":
            self._add(KButton(text=key, kind="quiet", role="title"), key)
        self._add(KButton(text="← 删除", kind="secondary"), None)
        self._add(KButton(text="0", kind="quiet", role="title"), "0")
        done = KButton(text="完成")
        done.bind(on_release=lambda _b: App.get_running_app().keyboard.close())
        self.ids.digits.add_widget(done)

    def _add(self, button: KButton, key: str | None) -> None:
        button.bind(on_release=lambda _b: self.press(key) if key else self.backspace())
        self.ids.digits.add_widget(button)

    def press(self, key: str) -> None:
        if self.target is not None:
            self.target.insert(key)

    def backspace(self) -> None:
        if self.target is not None:
            self.target.backspace()


class KeyboardDock(BoxLayout):
    """Holds at most one keyboard under the screen; empty (height 0) otherwise."""
    field = ObjectProperty(None, allownone=True)

    def __init__(self, engine: PinyinEngine | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pinyin = PinyinKeyboard()
        self.pinyin.engine = engine
        self.keypad = NumericKeypad()
        # A receipt scanner (or a staff keyboard) types like a keyboard: what
        # it types goes into the focused field, through the same checks.
        Window.bind(on_textinput=self._on_textinput)

    def _on_textinput(self, _window, text: str) -> None:
        if self.field is not None:
            self.field.insert(text)

    def release(self) -> None:
        """Stop listening to the hardware keyboard (the app is stopping)."""
        Window.unbind(on_textinput=self._on_textinput)

    def attach(self, field: TextEntry) -> None:
        if self.field is not None:
            self.field.focused = False
        self.field = field
        field.focused = True
        board = self.keypad if field.kind in NUMERIC_KINDS else self.pinyin
        other = self.pinyin if board is self.keypad else self.keypad
        other.target = None
        board.target = field
        if board is self.pinyin:
            board.composing = ""
            board.picked = []
            board.mode = "zh" if field.kind in ("name", "text") else board.mode
        self.clear_widgets()
        self.add_widget(board)
        # The screen shrinks when the keyboard appears; once that layout has
        # run (next frame), scroll the field back into view if it went under.
        Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt: self.reveal(field)), 0)

    @staticmethod
    def reveal(field: TextEntry) -> None:
        node = field.parent
        while node is not None and node is not Window and not isinstance(node, ScrollView):
            node = node.parent
        # a page shorter than its view has nothing to scroll (Kivy's scroll_to
        # would set a scroll_y far outside 0..1 and push the page off screen)
        if isinstance(node, ScrollView) and node.children and node.children[0].height > node.height:
            node.scroll_to(field, padding=field.height * 0.2, animate=False)

    def close(self) -> None:
        if self.field is not None:
            self.field.focused = False
        self.field = None
        self.pinyin.target = self.keypad.target = None
        self.pinyin.composing = ""
        self.pinyin.picked = []
        self.clear_widgets()

    @property
    def board(self):
        return self.children[0] if self.children else None


class EntryPreviewScreen(KioskScreen):
    """Every kind of field on one page: for the screenshots in docs/ and the
    tests of the keyboards, until the service screens use them."""

    def reset(self) -> None:
        for field in (self.ids.name, self.ids.phone, self.ids.wish):
            field.clear()

    def show_keyboard(self, field_id: str, typed: str = "") -> None:
        """Focus a field as a tap would, with some pinyin already typed."""
        dock = App.get_running_app().keyboard
        dock.attach(self.ids[field_id])
        if typed:
            dock.pinyin.composing = typed


def open_entry_preview(app) -> EntryPreviewScreen:
    if not app.screens.has_screen("entry_preview"):
        app.screens.add_widget(EntryPreviewScreen(name="entry_preview"))
    app.go("entry_preview")
    return app.screens.current_screen


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
