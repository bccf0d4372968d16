"""The two ways the kiosk is started: the screenshot tool and a plain run."""
import os
import subprocess
import sys

import pytest
from kivy.core.image import Image as CoreImage

from kiosk.paths import ROOT
from kiosk.ui.views import VIEWS
from screens import SCREENS


def run_main(*args, env_extra=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT)


def distinct_colours(path, step=16) -> int:
    image = CoreImage(str(path), keep_data=True)
    w, h = image.size
    return len({tuple(image.read_pixel(x, y)) for x in range(0, w, step) for y in range(0, h, step)})


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_screenshots_render_every_screen(tmp_path, elder):
    out = tmp_path / "shots"
    args = ["--screenshots", str(out), "--size", "1280x800"] + (["--elder"] if elder else [])
    # a bound for a broken tour, not a speed test: 38 views take minutes on a loaded machine
    result = run_main(*args, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = {spec.name for spec in SCREENS} | set(VIEWS) | {"idle_prompt", "attract"}
    assert {p.stem for p in out.glob("*.png")} == expected
    for name in expected:
        image = CoreImage(str(out / f"{name}.png"))
        assert image.size == (1280, 800)
        assert distinct_colours(out / f"{name}.png") > 5, f"{name}.png is blank"


def test_plain_run_without_a_display_says_so_in_one_line(tmp_path):
    result = run_main(env_extra={"LIULINHUI_DATA_DIR": str(tmp_path)}, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0]


def test_bad_configuration_is_one_clear_line(tmp_path):
    result = run_main(env_extra={"LIULINHUI_IDLE_COUNTDOWN": "5"}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "liulinhui-kiosk: idle_countdown must be at least 20 s, got '5'"]
