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
from kivy.metrics import dp
from kivy.properties import (
    AliasProperty, BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty,
    StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.charset import HIDDEN
from kiosk.handwriting import Recogniser, han
from kiosk.ime.engine import Candidate, PinyinEngine
from kiosk.ui.handwriting import HandwritingReader
from kiosk.ui.screens import KioskScreen, screen_of
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
    lines = NumericProperty(1)  # more than one: the text wraps in a box that high (a wish)

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


class Key(KButton):
    """A key of the on-screen keyboards: as high as the keyboard's rows (T.key)."""


class CandidateButton(Key):
    """A candidate word: drawn unlike a key (its own band, outlined, coloured
    text), so a word to pick and a key to press are never taken for each other."""
    candidate = ObjectProperty(None, allownone=True)


class PinyinKeyboard(Surface):
    """The pinyin keyboard. 删除 takes back one letter, 清空 the whole pinyin
    string, 撤销 the last candidate picked (its text leaves the field and its
    letters come back to the pinyin string). Its 手写 page (mode 'hand') puts
    an ink box where the letters were; what is read there comes up in the same
    candidate band and is picked the same way."""
    target = ObjectProperty(None, allownone=True)
    mode = OptionProperty("zh", options=["zh", "en", "sym", "hand"])
    composing = StringProperty()
    candidates = ListProperty()
    page = NumericProperty(0)
    picked = ListProperty()  # (field text before, letters consumed) per pick, last on top
    done_words = StringProperty("完成")  # 下一项 while the form has a field after this one
    key_width = NumericProperty(0)  # a letter key's, for the page buttons (textentry.kv)
    handwriting = BooleanProperty(False)  # the recogniser is there: the 手写 key shows
    engine: PinyinEngine | None = None
    reader: HandwritingReader | None = None

    def _get_spaced(self) -> bool:
        # a name in Chinese has no space; a Latin name needs one ('Zhang Wei', in 英)
        kind = self.target.kind if self.target is not None else None
        return kind == "text" or (kind == "name" and self.mode == "en")

    spaced = AliasProperty(_get_spaced, bind=["target", "mode"], cache=True)

    ROWS = ("qwertyuiop", "asdfghjkl'", "zxcvbnm")
    SYMBOL_ROWS = ("1234567890", PUNCTUATION[:7], PUNCTUATION[7:])

    def on_kv_post(self, _base):
        # the two pages, held here (ids are weak): one of them is always out of the tree
        self._pages = {"letters": self.ids.letters.__self__, "hand": self.ids.ink_page.__self__}
        self.ids.pages.remove_widget(self._pages["hand"])
        self._build_keys()

    def read_with(self, reader: HandwritingReader) -> None:
        self.reader = reader
        reader.bind(usable=self._on_usable, candidates=self._on_read)
        self._on_usable(reader, reader.usable)

    def _on_usable(self, _reader, usable: bool) -> None:
        self.handwriting = usable
        if not usable and self.mode == "hand":  # it failed to load while the page was open
            self.mode = "zh"

    def on_mode(self, _instance, mode: str):
        self.composing = ""
        self.picked = []
        self.rewrite()
        self.candidates = []  # neither page's words are the other's
        shown = "hand" if mode == "hand" else "letters"
        for name, page in self._pages.items():
            if name != shown and page.parent is not None:
                self.ids.pages.remove_widget(page)
            elif name == shown and page.parent is None:
                self.ids.pages.add_widget(page)
        if mode != "hand":
            self._build_keys()
        elif self.reader is not None:
            self.reader.prepare()

    def on_target(self, *_args):
        self.picked = []
        self.rewrite()  # ink written for another field is not this one's

    # -- the 手写 page --------------------------------------------------------
    def ink_started(self) -> None:
        if self.reader is not None:
            self.reader.forget()

    def ink_ended(self) -> None:
        if self.reader is None or self.target is None:
            return
        kind = self.target.kind
        ink = self.ids.ink
        self.reader.read(ink.strokes, ink.size, keep=lambda char: han(char) and allowed(kind, char))

    def _on_read(self, _reader, characters: list[str]) -> None:
        if self.mode == "hand":
            self.page = 0
            self.candidates = [Candidate(text=c, units=1, consumed="", source="handwriting") for c in characters]

    def rewrite(self) -> None:
        """重写: clean paper, and no candidates for what was written before."""
        self.ids.ink.clear()
        if self.reader is not None:
            self.reader.clear()

    def _build_keys(self):
        rows = self.SYMBOL_ROWS if self.mode == "sym" else self.ROWS
        for row_widget, keys in zip((self.ids.row1, self.ids.row2, self.ids.row3), rows):
            row_widget.clear_widgets()
            for key in keys:
                shown = key.upper() if self.mode == "en" else key
                button = Key(text=shown, kind="quiet", role="heading")
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
        """空格 types a space, nothing else: a candidate is picked by tapping it
        (a key that also picked the first word was taken for 完成, and back)."""
        if self.spaced and not self.composing:
            self.picked = []
            self.target.insert(" ")

    def pick(self, candidate: Candidate) -> None:
        if self.target is None:
            return
        self.picked = self.picked[-19:] + [(self.target.text, candidate.consumed)]
        self.target.insert(candidate.text)
        if self.target.learn:
            self.engine.learn(candidate)
        self.composing = self.composing[len(candidate.consumed):]
        if self.mode == "hand":
            self.rewrite()  # the next character starts on clean paper

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
    done_words = StringProperty("完成")

    def on_kv_post(self, _base):
        for key in "123456789":
            self._add(Key(text=key, kind="quiet", role="title"), key)
        self._add(Key(text="← 删除", kind="secondary"), None)
        self._add(Key(text="0", kind="quiet", role="title"), "0")
        done = Key(text=self.done_words)
        self.bind(done_words=done.setter("text"))
        done.bind(on_release=lambda _b: App.get_running_app().keyboard.done())
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

    def __init__(self, engine: PinyinEngine | None = None, recogniser: Recogniser | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pinyin = PinyinKeyboard()
        self.pinyin.engine = engine
        self.pinyin.read_with(HandwritingReader(recogniser))
        self.keypad = NumericKeypad()
        # A receipt scanner (or a staff keyboard) types like a keyboard: what
        # it types goes into the focused field, through the same checks.
        Window.bind(on_textinput=self._on_textinput)

    def _on_textinput(self, _window, text: str) -> None:
        if self.field is not None:
            self.field.insert(text)

    def release(self) -> None:
        """Stop listening to the hardware keyboard (the app is stopping); no
        ink read for a page that is going."""
        Window.unbind(on_textinput=self._on_textinput)
        self.pinyin.reader.clear()

    def attach(self, field: TextEntry) -> None:
        if self.field is not None:
            self.field.focused = False
            screen_of(self.field).typing = False
        self.field = field
        field.focused = True
        board = self.keypad if field.kind in NUMERIC_KINDS else self.pinyin
        other = self.pinyin if board is self.keypad else self.keypad
        other.target = None
        board.target = field
        if board is self.pinyin:
            board.composing = ""
            board.picked = []
            # 下一项 keeps the 手写 page: whoever cannot type pinyin writes the next field too
            board.mode = "zh" if field.kind in ("name", "text") and board.mode != "hand" else board.mode
        screen = screen_of(field)
        board.done_words = "下一项" if screen.next_field(field) is not None else "完成"
        if self.board is not board:
            self.clear_widgets()
            self.add_widget(board)
        screen.typing = True
        # The screen shrinks when the keyboard appears; once that layout has
        # run (next frame), scroll the field back into view if it went under.
        Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt: self.reveal(field)), 0)

    def done(self) -> None:
        """完成 / 下一项: on to the form's next field, or, after the last one, the
        keyboard closes and the form shows its submit button (screen.done_typing).
        It never submits by itself: the resident sees the whole form, the tick
        boxes after the fields included, and taps the button that says what it does."""
        field = self.field
        screen = screen_of(field) if field is not None else KioskScreen()
        following = screen.next_field(field) if field is not None else None
        if following is not None:
            self.attach(following)
            return
        self.close()
        if field is not None:
            screen.done_typing(field)

    @staticmethod
    def reveal(field: TextEntry) -> None:
        """The field fully in view, and what follows it (the next field, or the
        submit button after the last one) as far as the view allows."""
        show_in_view(field, screen_of(field).following(field))

    def close(self) -> None:
        if self.field is not None:
            self.field.focused = False
            screen_of(self.field).typing = False
        self.field = None
        self.pinyin.target = self.keypad.target = None
        self.pinyin.composing = ""
        self.pinyin.picked = []
        self.pinyin.mode = "zh"  # opened again, it starts at the letters
        self.clear_widgets()

    @property
    def board(self):
        return self.children[0] if self.children else None


def show_in_view(widget, following=None) -> None:
    """Scroll the page holding ``widget`` so that it is fully in view and, room
    allowing, ``following`` (further down) too; the widget wins when both do not fit."""
    node = widget.parent
    while node is not None and node is not Window and not isinstance(node, ScrollView):
        node = node.parent
    # a page shorter than its view has nothing to scroll (a scroll_y outside
    # 0..1 would push the page off screen)
    if not isinstance(node, ScrollView) or not node.children:
        return
    page = node.children[0]
    room = page.height - node.height
    if room <= 0:
        return
    base = page.to_window(page.x, page.y)[1]
    pad = dp(12)

    def bottom_of(w):  # in the page's own frame, from its bottom edge
        return w.to_window(w.x, w.y)[1] - base
    top = bottom_of(widget) + widget.height + pad
    bottom = bottom_of(following) - pad if following is not None else bottom_of(widget) - pad
    low = node.scroll_y * room  # the page's lowest line in view
    if top - bottom > node.height or top > low + node.height:
        low = top - node.height
    elif bottom < low:
        low = bottom
    node.scroll_y = min(1.0, max(0.0, low / room))


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
