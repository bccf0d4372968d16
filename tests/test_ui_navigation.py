"""Tap through the kiosk in the real window: tiles, 返回, 首页, 长辈模式."""
import pytest
from kivy.metrics import dp

from kiosk.ui.theme import theme
from kiosk.ui.widgets import NavBar, Tile
from screens import SCREENS

TILE_SCREENS = [spec for spec in SCREENS if spec.tile]


def test_home_shows_a_tile_for_every_service(kiosk):
    assert kiosk.app.current == "home"
    titles = [t.title for t in kiosk.find_all(lambda w: isinstance(w, Tile))]
    assert sorted(titles) == sorted(["微心愿", "心愿墙", "自习室预约", "恳谈室预约", "志愿积分",
                                     "绘本馆报名", "签到 / 取消预约", "服务中心介绍"])
    kiosk.find_text("您好！请选择您要办理的事项")


def test_only_home_is_built_at_start(kiosk):
    assert [s.name for s in kiosk.app.screens.screens] == ["home"]


@pytest.mark.parametrize("spec", TILE_SCREENS, ids=[s.name for s in TILE_SCREENS])
def test_each_tile_opens_its_screen_and_back_returns_home(kiosk, spec):
    kiosk.tap_text(spec.title)
    assert kiosk.app.current == spec.name
    [nav] = kiosk.find_all(lambda w: isinstance(w, NavBar))
    assert nav.title == spec.title
    kiosk.find_text(spec.title)  # the title is on screen, not only in a property
    kiosk.tap_text("‹ 返回")
    assert kiosk.app.current == "home"


def test_home_button_from_a_deeper_screen_clears_history(kiosk):
    kiosk.tap_text("服务中心介绍")
    kiosk.app.go("wish")  # a later screen may link onwards; 首页 must still go home
    assert kiosk.app.history == ["home", "center_info"]
    kiosk.tap_text("首页")
    assert kiosk.app.current == "home"
    assert kiosk.app.history == []
    kiosk.tap_text("心愿墙")
    kiosk.tap_text("‹ 返回")
    assert kiosk.app.current == "home"


def test_center_info_lists_every_room_with_hours(kiosk):
    kiosk.tap_text("服务中心介绍")
    texts = "\n".join(kiosk.texts())
    for room in kiosk.app.center.rooms:
        assert room.name in texts
        assert "开放时间：" + room.hours in texts
    assert "每周五：中蓝菲特健身中心教练现场指导" in texts
    assert kiosk.app.center.address in texts


def test_elder_switch_scales_text_and_targets(kiosk):
    button = kiosk.find_id("elder")
    assert button.text == "长辈模式：关"
    tile_title = kiosk.find_text("微心愿")
    before_font, before_target = tile_title.font_size, theme.target
    kiosk.tap(button)
    assert theme.elder is True
    assert button.text == "长辈模式：开"  # the state is in words, not colour only
    assert tile_title.font_size > before_font * 1.3
    assert theme.target >= dp(60) and theme.target > before_target
    kiosk.tap_text("服务中心介绍")
    home_button = kiosk.find_text("首页")
    assert home_button.height >= dp(60)
    elder_size = home_button.font_size
    kiosk.tap(kiosk.find_id("elder"))
    assert theme.elder is False
    assert home_button.font_size * 1.3 < elder_size


def test_the_hint_for_weak_eyes_is_a_button_that_enlarges_everything(kiosk):
    hint = kiosk.find_id("elder_hint")
    greeting = kiosk.find_id("greeting")
    assert hint.text == "看不清？点这里放大字体"
    assert hint.font_size >= theme.font("body", theme.scale)  # not the smallest grey text any more
    assert hint.height >= theme.target
    kiosk.tap(hint)
    assert theme.elder is True and kiosk.find_id("elder").text == "长辈模式：开"
    assert hint.text == "字太大？点这里恢复" and greeting.font_size > theme.font("title", 1.0)
    kiosk.tap(hint)
    assert theme.elder is False and kiosk.find_id("elder").text == "长辈模式：关"


def test_status_bar_shows_center_time_and_sync_state(kiosk):
    kiosk.find_text("柳邻惠 · 柳家营社区党群服务中心")
    clock = kiosk.find_id("clock")
    assert "月" in clock.text and "日" in clock.text and ":" in clock.text
    sync = kiosk.find_id("sync")
    assert sync.text == "未连接服务器"
    kiosk.app.sync_state = "offline"
    kiosk.app.pending = 3
    kiosk.frames(1)
    assert sync.text == "网络未连接 · 待同步 3 条"
    kiosk.app.sync_state = "online"
    kiosk.app.pending = 0
    kiosk.frames(1)
    assert sync.text == "已联网"


def test_screenshots_show_what_the_visitor_sees(kiosk, tmp_path):
    from kivy.core.image import Image as CoreImage
    normal = kiosk.screenshot(tmp_path / "normal.png")
    kiosk.tap(kiosk.find_id("elder"))
    elder = kiosk.screenshot(tmp_path / "elder.png")
    a = CoreImage(str(normal), keep_data=True)
    b = CoreImage(str(elder), keep_data=True)
    assert a.size == b.size == (1920, 1080)
    # The status bar is drawn (brand red at its left edge), not a black frame.
    r, g, bl, _ = a.read_pixel(5, 5)
    assert r > 0.5 and g < 0.3 and bl < 0.3
    assert normal.read_bytes() != elder.read_bytes()  # elder mode visibly changed the screen
