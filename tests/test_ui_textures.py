"""Label textures kept by text and look (kiosk/ui/textures.py), on the real
renderer in the offscreen window."""
import pytest


@pytest.fixture
def cache(monkeypatch):
    from kivy.base import EventLoop
    EventLoop.ensure_window()
    from kiosk.ui import textures, widgets
    fresh = textures.TextureCache()
    monkeypatch.setattr(widgets, "textures", fresh)
    return fresh


def drawn(label):
    label.texture_update()
    return label.texture


def test_the_same_text_in_the_same_look_is_drawn_once(cache):
    from kiosk.ui.widgets import Text
    first = drawn(Text(text="确认预约"))
    again = drawn(Text(text="确认预约"))
    assert again is first
    assert (cache.hits, cache.misses) == (1, 1)
    assert drawn(Text(text="确认预约", color=(1, 0, 0, 1))) is not first  # another look
    assert drawn(Text(text="确认预约", role="heading")) is not first
    assert drawn(Text(text="取消预约")) is not first


def test_a_kept_texture_never_changes_when_its_label_shows_another_text(cache):
    from kiosk.ui.widgets import Text
    label = Text(text="第 1 步")
    one = drawn(label)
    pixels = bytes(one.pixels)
    label.text = "第 2 步"  # the same size: Kivy would draw it into the same texture
    two = drawn(label)
    assert two is not one and two.size == one.size
    assert bytes(one.pixels) == pixels
    assert bytes(two.pixels) != pixels
    assert drawn(Text(text="第 1 步")) is one


def test_a_reused_texture_brings_its_lines_for_the_audit(cache):
    from kiosk.ui.widgets import Para
    words = "您的姓名和手机号只用于这次预约和签到，不会显示在公共屏幕上。"
    first = Para(text=words, text_size=(300, None))
    drawn(first)
    lines = ["".join(w.text for w in line.words) for line in first._label._cached_lines]
    assert len(lines) > 1
    second = Para(text=words, text_size=(300, None))
    drawn(second)
    assert second.texture is first.texture
    assert ["".join(w.text for w in line.words) for line in second._label._cached_lines] == lines


def test_the_least_recently_used_texture_leaves_first_past_the_budget(cache):
    from kiosk.ui.widgets import Text
    one = drawn(Text(text="一号"))
    size = one.width * one.height * 4
    cache.budget = 4 * size  # four such labels (CJK glyphs are all one width)
    two = drawn(Text(text="二号"))
    drawn(Text(text="三号"))
    drawn(Text(text="四号"))
    assert two.size == one.size and cache.used == 4 * size
    assert drawn(Text(text="一号")) is one  # used again: now the most recent
    drawn(Text(text="五号"))  # one too many
    assert cache.used == 4 * size
    assert drawn(Text(text="一号")) is one
    assert drawn(Text(text="二号")) is not two  # the least recently used was dropped


def test_an_idle_kiosk_keeps_no_texture_or_text_of_the_last_visit(kiosk):
    """Once nobody is there (the attract loop), the texture cache, the line
    breaker's caches and Kivy's field-text cache hold nothing of what the last
    visitor saw or typed."""
    from kiosk.idle import IdleState
    from kivy.cache import Cache

    from kiosk import linebreak
    from kiosk.ui.textures import textures
    k = kiosk
    k.tap_text("恳谈室预约")
    k.tap(k.find_text("婚姻家庭", exact=False))
    screen = k.screen
    assert screen.topic == "婚姻家庭" and screen.summary
    assert any("婚姻家庭" in key[0] for key in textures._textures)
    k.tap_text("首页")
    assert screen.topic is None and screen.summary == "" and screen.step_title == ""  # forgotten with the page
    assert any("婚姻家庭" in key[0] for key in textures._textures)  # kept while visitors come and go
    k.advance(k.app.settings.attract_after + 2)
    assert k.app.idle_state is IdleState.ATTRACT
    # (the attract loop's own texts are drawn and kept again at once)
    assert not any("婚姻" in key[0] for key in textures._textures)
    assert not any("婚姻" in word for word in linebreak.lexicon()._freq)
    assert not any("婚姻" in str(key) for key in Cache._objects.get("textinput.label", {}))
