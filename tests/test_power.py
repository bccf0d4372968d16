from types import SimpleNamespace

from kiosk.ui.power import PowerSaver


def test_frame_rate_drops_when_idle_and_returns_on_touch():
    clock = SimpleNamespace(_max_fps=60.0)
    saver = PowerSaver(clock, idle_fps=8, after=5)
    saver.update(idle_for=4.9)
    assert clock._max_fps == 60
    saver.update(idle_for=5.0)
    assert clock._max_fps == 8
    saver.wake()
    assert clock._max_fps == 60


def test_an_uncapped_loop_is_left_alone():
    clock = SimpleNamespace(_max_fps=0.0)  # tests drive frames by hand
    saver = PowerSaver(clock)
    saver.update(idle_for=3600)
    assert clock._max_fps == 0
