"""The 手写 page of the pinyin keyboard, written on with a finger in the real window."""
import logging
import threading
from pathlib import Path

import pytest
from kivy.core.window import Window

from kiosk.handwriting import Recogniser
from kiosk.ui.textentry import CandidateButton
from tests.ink import written
from tests.test_ui_keyboard import assert_visible, key


def board(kiosk):
    return kiosk.app.keyboard.pinyin


def shown_candidates(kiosk) -> list[str]:
    return [b.text for b in reversed(kiosk.find_id("candidates").children)]  # Kivy keeps children last first


def write(kiosk, char: str) -> None:
    """Write ``char`` in the ink box as a finger would, then let it rest until it is read."""
    ink = kiosk.find_id("ink")
    kiosk.draw(ink, written(char, tuple(ink.size)))
    assert ink.inked
    kiosk.advance(0.5)  # the finger rests: reading starts on the worker
    kiosk.frames_until(lambda: not board(kiosk).reader.in_flight and shown_candidates(kiosk))


def open_page(kiosk, field: str):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids[field])
    kiosk.tap(key(kiosk, "手写"))
    assert kiosk.find_id("ink").get_root_window() is not None
    return form


def test_a_name_written_by_hand_character_by_character(kiosk):
    form = open_page(kiosk, "name")
    write(kiosk, "王")
    assert shown_candidates(kiosk)[0] == "王"
    assert all(isinstance(b, CandidateButton) for b in kiosk.find_id("candidates").children)  # the pinyin's band
    kiosk.tap(key(kiosk, "王"))
    assert form.ids.name.text == "王"
    ink = kiosk.find_id("ink")
    assert not ink.inked and ink.strokes == [] and shown_candidates(kiosk) == []  # clean for the next character
    write(kiosk, "大")
    kiosk.tap(key(kiosk, "大"))
    assert form.ids.name.text == "王大"
    kiosk.tap(key(kiosk, "撤销"))  # taken back as a typed word is
    assert form.ids.name.text == "王"
    kiosk.tap(key(kiosk, "← 删除"))
    assert form.ids.name.text == ""


def test_rewrite_clears_the_ink_and_pinyin_goes_back_to_the_letters(kiosk):
    form = open_page(kiosk, "wish")
    rewrite = key(kiosk, "重写")
    assert rewrite.disabled  # nothing written yet
    write(kiosk, "十")
    assert "十" in shown_candidates(kiosk)
    kiosk.tap(rewrite)
    ink = kiosk.find_id("ink")
    assert not ink.inked and ink.strokes == [] and shown_candidates(kiosk) == []
    kiosk.tap(key(kiosk, "拼音"))
    assert ink.get_root_window() is None  # the ink box has gone, the letters are back
    for letter in "ni":
        kiosk.tap(key(kiosk, letter))
    kiosk.tap(kiosk.find_id("candidates").children[-1])
    assert form.ids.wish.text  # typed by pinyin, as before
    kiosk.tap(key(kiosk, "手写"))
    write(kiosk, "山")
    kiosk.tap(key(kiosk, "山"))
    assert form.ids.wish.text.endswith("山")
    kiosk.tap(key(kiosk, "完成"))
    assert kiosk.app.keyboard.board is None
    kiosk.tap(form.ids.wish)  # opened again: the letters first
    assert kiosk.find_all(lambda w: getattr(w, "text", None) == "q", within=kiosk.app.keyboard.board)


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_the_page_fits_the_screen(kiosk, elder):
    from kiosk.ui.theme import theme
    theme.elder = elder
    form = open_page(kiosk, "name")
    kiosk.frames(3)
    assert_visible(kiosk, form, form.ids.name)
    page = kiosk.app.keyboard.board
    for name in ("重写", "← 删除", "拼音", "撤销", "完成", "ink"):
        widget = kiosk.find_id("ink") if name == "ink" else key(kiosk, name)
        x, y = widget.to_window(widget.x, widget.y)
        assert 0 <= x and x + widget.width <= Window.width and 0 <= y and y + widget.height <= Window.height, name
    ink = kiosk.find_id("ink")
    assert ink.height >= 3 * theme.key and ink.width * ink.height > 0.4 * page.width * page.height  # most of it


class Held:
    """A recogniser whose every reading waits until the test lets it go."""

    def __init__(self, answer=("王", "玉", "+", "1"), fail=False):
        self.model = Path(__file__)  # a file that is there: the page is usable
        self.answer, self.fail = list(answer), fail
        self.go = threading.Event()
        self.threads: list[str] = []
        self.keeps = []

    def load(self):
        pass

    def recognise(self, strokes, size, keep=None):
        self.threads.append(threading.current_thread().name)
        self.go.wait(30)
        if self.fail:
            raise RuntimeError("the model broke")
        return [c for c in self.answer if keep is None or keep(c)]


def held(kiosk, recogniser: Held):
    kiosk.frames_until(lambda: not board(kiosk).reader.in_flight)  # the real model has loaded
    board(kiosk).reader.recogniser = recogniser
    return recogniser


def test_reading_is_off_the_ui_thread_and_an_answer_for_changed_ink_is_dropped(kiosk):
    open_page(kiosk, "name")
    slow = held(kiosk, Held())
    ink = kiosk.find_id("ink")
    strokes = written("十", tuple(ink.size))
    kiosk.draw(ink, strokes[:1])
    kiosk.advance(0.2)
    assert not slow.threads  # the finger has not rested long enough yet
    kiosk.advance(0.3)
    kiosk.frames_until(lambda: slow.threads)  # reading the first stroke, on the worker
    assert slow.threads[0] != threading.main_thread().name
    kiosk.draw(ink, strokes[1:])  # the second stroke begins before the answer is back
    slow.go.set()
    kiosk.frames_until(lambda: not board(kiosk).reader.in_flight)
    assert shown_candidates(kiosk) == []  # that answer was for the one-stroke ink: dropped
    kiosk.advance(0.5)
    kiosk.frames_until(lambda: len(slow.threads) == 2 and not board(kiosk).reader.in_flight)
    assert shown_candidates(kiosk) == ["王", "玉"]  # for both strokes; in a name field 汉字 only (no + or 1)


def test_a_recogniser_that_fails_gives_no_candidates_and_the_kiosk_goes_on(kiosk, caplog):
    form = open_page(kiosk, "wish")
    broken = held(kiosk, Held(fail=True))
    broken.go.set()
    with caplog.at_level(logging.INFO, logger="kiosk"):
        kiosk.draw(kiosk.find_id("ink"), written("十", tuple(kiosk.find_id("ink").size)))
        kiosk.advance(0.5)
        kiosk.frames_until(lambda: broken.threads and not board(kiosk).reader.in_flight)
    assert shown_candidates(kiosk) == []
    assert "handwriting: reading failed: RuntimeError" in caplog.text
    assert "the model broke" not in caplog.text  # type and place, never the message
    kiosk.tap(key(kiosk, "拼音"))
    for letter in "ni":
        kiosk.tap(key(kiosk, letter))
    kiosk.tap(kiosk.find_id("candidates").children[-1])
    assert form.ids.wish.text


@pytest.mark.parametrize("model", ["missing", "broken"])
def test_without_a_working_model_there_is_no_handwriting_key(kiosk, monkeypatch, tmp_path, caplog, model):
    path = tmp_path / "rec.onnx"
    if model == "broken":
        path.write_bytes(b"not a model")  # there, so the key shows until loading it fails
    import kiosk.ui.handwriting as page
    monkeypatch.setattr(page, "shared_recogniser", lambda: Recogniser(path))
    with caplog.at_level(logging.INFO, logger="kiosk"):
        form = kiosk.open_entry_preview()
        kiosk.tap(form.ids.wish)
        hand = key(kiosk, "手写")
        if model == "broken":  # the page opens, the model fails to load: back to the letters
            kiosk.tap(hand)
            kiosk.frames_until(lambda: not board(kiosk).reader.in_flight)
            assert board(kiosk).mode == "zh" and key(kiosk, "q")
            kiosk.tap(form.ids.name)  # and it stays off, for every field
    assert hand.disabled and hand.opacity == 0
    assert caplog.text.count("handwriting off") == 1
    for letter in "ni":  # the pinyin keyboard works as ever
        kiosk.tap(key(kiosk, letter))
    kiosk.tap(kiosk.find_id("candidates").children[-1])
    assert kiosk.app.keyboard.field.text


def test_walking_away_leaves_no_ink_behind(kiosk):
    open_page(kiosk, "name")
    write(kiosk, "王")  # a name half written, never picked
    kiosk.advance(91)  # nobody answers the idle prompt
    assert kiosk.app.current == "home" and kiosk.app.keyboard.board is None
    page = board(kiosk)
    assert page.ids.ink.strokes == [] and page.candidates == [] and page.reader.candidates == []
    assert page.mode == "zh"  # the next visitor starts at the letters
