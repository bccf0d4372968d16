"""Every screen and overlay, in normal and elder mode, against the audit."""
import pytest
from kivy.utils import get_color_from_hex

from kiosk.ui.theme import theme
from kiosk.ui.views import VIEWS as DEEPER
from kiosk.ui.views import as_staff, in_staff_mode
from screens import BY_NAME, SCREENS
from kiosk.linebreak import wrap
from tests.audit import audit, contrast_ratio, rendered_paragraphs
from tests.harness import KioskDriver, with_demo_data

VIEWS = [spec.name for spec in SCREENS] + list(DEEPER) + ["idle_prompt", "attract", "crash_apology", "out_of_order"]


@pytest.fixture
def quick_kiosk(tmp_path, demo_database):
    # Short idle times so the overlays come up after a few seconds of clock; real-looking
    # content: wish cards, a passbook, a catalogue
    driver = KioskDriver.start(with_demo_data(demo_database, tmp_path), idle_timeout=5, idle_countdown=20,
                               attract_after=5)
    yield driver
    driver.stop()


def show(kiosk, view: str, elder: bool) -> None:
    theme.elder = elder
    if in_staff_mode(view):  # a staff screen is reached in staff mode only (the route guard)
        as_staff(kiosk.app)
    if view == "idle_prompt":
        kiosk.app.go("center_info")
        kiosk.advance(6)
    elif view == "attract":
        kiosk.advance(6)
    elif view == "crash_apology":
        kiosk.app.crash_guard.apologise()
    elif view == "out_of_order":
        kiosk.app.crash_guard.stop_serving()
    elif view in DEEPER:
        DEEPER[view](kiosk.app)
    elif view != "home":
        kiosk.app.go(view)
    kiosk.frames(3)


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("view", VIEWS)
def test_view_meets_the_elderly_friendly_rules(quick_kiosk, view, elder):
    show(quick_kiosk, view, elder)
    widgets = list(quick_kiosk.walk())
    assert len(widgets) > 10
    if in_staff_mode(view):  # staff mode really is on: the banner is among what is audited
        assert quick_kiosk.app.staff is not None and view not in BY_NAME or quick_kiosk.app.current == view
    assert audit(widgets, elder) == []


def test_the_audit_catches_what_it_is_for(quick_kiosk):
    """The audit is only worth its test if it fails on bad screens."""
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    home = quick_kiosk.screen
    home.add_widget(Label(text="小字", font_size=10, color=(0, 0, 0, 1)))
    home.add_widget(Label(text="浅色字", font_size=40, color=(.8, .8, .8, 1)))
    home.add_widget(Label(text="\U00020000", font_size=40, color=(0, 0, 0, 1)))
    home.add_widget(Button(text="点", size_hint=(None, None), size=(30, 30)))
    from kiosk.ui.widgets import StateText
    home.add_widget(StateText(text=""))
    quick_kiosk.frames(2)
    problems = "\n".join(audit(list(quick_kiosk.walk()), elder=True))
    assert "text 10.0dp < 18dp" in problems
    assert "touch target 30x30" in problems
    assert "colour alone" in problems
    assert "Label('浅色字'): contrast 1." in problems
    assert "no glyph for '\U00020000'" in problems


def test_the_audit_reads_line_breaks_as_a_reader_does(quick_kiosk):
    """Kivy's own wrapping (a plain Label) breaks Chinese at the character that
    overflows: the audit names each fault; the kiosk's Para, at the same width,
    has none of them."""
    from kivy.uix.label import Label
    from kiosk.ui.widgets import Para
    home = quick_kiosk.screen
    cases = {  # text: the width Kivy fills up to just before the fault
        "看不清？请点右上角“长辈模式”。": "看不清？请点右上角“长辈模式”",  # 。 alone: starts a line, stranded
        "请输入手机号后四位": "请输入手机号后四",  # 位 stranded
        "请点右上角“长辈模式”": "请点右上角“",  # “ ends a line
    }
    paras = []
    for text, first_line in cases.items():
        para = Para(text=text, size_hint_x=None)  # the kiosk's paragraph, in its own font
        width = para.width = para._label.get_extents(first_line)[0] + 2
        home.add_widget(Label(text=text, font_size=para.font_size, color=(0, 0, 0, 1),
                              text_size=(width, None), size_hint=(None, None), size=(width, 200)))
        home.add_widget(para)
        paras.append(para)
    quick_kiosk.frames(3)
    for para in paras:  # Kivy draws the lines kiosk.linebreak chose, none re-wrapped
        chosen = wrap(para.text, int(para.width), lambda line: para._label.get_extents(line)[0])
        assert len(chosen) > 1 and rendered_paragraphs(para) == [chosen]
    problems = "\n".join(p for p in audit(list(quick_kiosk.walk()), elder=False) if "line" in p)
    assert "Para(" not in problems
    assert "starts with closing punctuation ('看不清？请点右上角“长辈模式”' / '。')" in problems
    assert "stranded on the last line ('看不清？请点右上角“长辈模式”' / '。')" in problems
    assert "stranded on the last line ('请输入手机号后四' / '位')" in problems
    assert "ends with opening punctuation ('请点右上角“' / '长辈模式”')" in problems


def test_contrast_formula_matches_wcag():
    black, white = (0, 0, 0, 1), (1, 1, 1, 1)
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(get_color_from_hex("#777777"), white) == pytest.approx(4.48, abs=0.01)
