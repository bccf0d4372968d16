"""The idle watchdog in the real app, driven by advancing Kivy's clock."""
from kivy.metrics import dp

from kiosk.idle import IdleState
from kiosk.ui.overlays import AttractLoop, IdlePrompt
from kiosk.ui.theme import theme


def overlays(kiosk, kind):
    return kiosk.find_all(lambda w: isinstance(w, kind))


def test_prompt_appears_after_the_idle_time_with_a_countdown(kiosk):
    kiosk.tap_text("服务中心介绍")
    kiosk.advance(59)
    assert overlays(kiosk, IdlePrompt) == []
    kiosk.advance(1.5)
    [prompt] = overlays(kiosk, IdlePrompt)
    kiosk.find_text("还需要更多时间吗？")
    countdown = kiosk.find_id("countdown")
    assert countdown.text == "30 秒"
    kiosk.advance(10)
    assert countdown.text == "20 秒"  # it visibly counts down
    button = kiosk.find_text("继续")
    assert button.width >= dp(60) * 2 and button.height >= dp(60)


def test_continue_keeps_the_visitor_where_they_were(kiosk):
    kiosk.tap_text("服务中心介绍")
    kiosk.advance(70)
    assert overlays(kiosk, IdlePrompt)
    kiosk.tap_text("继续")
    assert overlays(kiosk, IdlePrompt) == []
    assert kiosk.app.current == "center_info"
    assert kiosk.app.idle_state is IdleState.ACTIVE
    kiosk.advance(59)  # a fresh minute starts from the tap
    assert overlays(kiosk, IdlePrompt) == []


def test_touching_keeps_the_prompt_away(kiosk):
    kiosk.tap_text("服务中心介绍")
    for _ in range(4):
        kiosk.advance(45)
        kiosk.tap_text("服务中心介绍")  # the title: a harmless touch
    assert overlays(kiosk, IdlePrompt) == []


def test_no_answer_goes_home_and_clears_everything(kiosk):
    kiosk.tap(kiosk.find_id("elder"))
    assert theme.elder
    kiosk.tap_text("服务中心介绍")
    info = kiosk.screen
    info.ids.scroll.scroll_y = 0.2  # the visitor had scrolled down
    kiosk.advance(60.5)
    assert overlays(kiosk, IdlePrompt)
    kiosk.advance(29)
    assert kiosk.app.current == "center_info"  # still waiting for an answer
    kiosk.advance(1.5)
    assert kiosk.app.current == "home"
    assert overlays(kiosk, IdlePrompt) == []
    assert info.ids.scroll.scroll_y == 1  # that screen was reset
    assert theme.elder is False  # the next visitor starts with normal mode
    assert kiosk.app.history == []


def test_every_built_screen_is_reset_on_timeout(kiosk, monkeypatch):
    kiosk.tap_text("心愿墙")
    kiosk.tap_text("首页")
    kiosk.tap_text("服务中心介绍")
    calls = []
    for screen in kiosk.app.screens.screens:
        monkeypatch.setattr(screen, "reset", lambda s=screen: calls.append(s.name))
    kiosk.advance(91)
    assert sorted(calls) == ["center_info", "home", "wish_wall"]


def test_home_never_prompts_but_shows_the_rooms_until_touched(kiosk):
    kiosk.advance(179)
    assert overlays(kiosk, IdlePrompt) == []
    assert overlays(kiosk, AttractLoop) == []
    kiosk.advance(1.5)
    [loop] = overlays(kiosk, AttractLoop)
    rooms = kiosk.app.center.rooms
    name = kiosk.find_text(rooms[0].name, within=loop)
    kiosk.find_text("轻触屏幕，开始使用", within=loop)
    kiosk.advance(6.5)
    assert name.text == rooms[1].name  # the loop moves on to the next room
    kiosk.find_text(rooms[1].summary, within=loop)
    # The waking touch lands on a tile's spot, but only wakes the kiosk.
    tile = kiosk.find_text("微心愿")
    kiosk.tap(tile)
    assert overlays(kiosk, AttractLoop) == []
    assert kiosk.app.current == "home"
    kiosk.tap_text("微心愿")
    assert kiosk.app.current == "wish"


def test_full_garbage_collections_wait_for_a_quiet_moment(tmp_path):
    """The kiosk's own pacer (kiosk/gc_pacing.py) in the running app: a due
    full collection waits while the visitor taps, runs once they pause, and
    the attract loop thaws and collects what was frozen."""
    import gc

    from kiosk.gc_pacing import DUE, CollectionPacer
    from tests.harness import KioskDriver
    pacer = CollectionPacer(quiet=1.0)
    kiosk = KioskDriver.start(tmp_path, collector=pacer)
    try:
        for _ in range(DUE):
            gc.collect(1)  # due, as CPython counts it
        for _ in range(6):  # a visitor tapping every 0.4 s
            kiosk.tap_text("服务中心介绍")
            kiosk.advance(0.4)
        assert pacer.collections == 0
        kiosk.advance(1.5)  # they stop to read
        assert pacer.collections == 1 and gc.get_freeze_count() > 0
        kiosk.tap_text("首页")
        kiosk.advance(kiosk.app.settings.attract_after + 2)
        assert kiosk.app.idle_state is IdleState.ATTRACT
        assert pacer.thaws == 1
    finally:
        kiosk.stop()
    assert gc.get_freeze_count() == 0  # stopped: CPython's own pacing back
