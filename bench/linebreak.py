"""What Chinese line breaking costs a label's text change, against Kivy's own
wrapping in the same run and window (figures only, no assertions).

    python bench/linebreak.py [--rounds 3]

Every Chinese text of the kiosk (code, screens, center file) and every demo
wish, each at a card's, half a screen's and a full screen's width, in body
size and in 长辈模式. One text change is what Kivy does for it before the next
frame, Label.texture_update: laying the text out and drawing its texture.
The baseline is a plain Kivy Label (wrapping at the character that
overflows); the kiosk's label (kiosk.ui.widgets.BreaksLines) is timed cold
(line breaking's caches emptied: every chunk asked of uniseg, every word
looked up in the index) and warm (the same text again, as when a width or
长辈模式 changes). Baseline and kiosk alternate text by text, so a busy
machine slows both alike.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import kivy_env  # noqa: E402

kivy_env.prepare(Path(tempfile.mkdtemp(prefix="bench-linebreak-")), 1920, 1080)

from kivy.base import EventLoop  # noqa: E402
from kivy.metrics import dp  # noqa: E402
from kivy.uix.label import Label  # noqa: E402

from kiosk import linebreak  # noqa: E402
from kiosk.demo import WISH_TEXTS  # noqa: E402
from kiosk.ui import widgets  # noqa: E402
from kiosk.ui.textures import TextureCache  # noqa: E402
from kiosk.ui.theme import ELDER_SCALE, FONT_DP  # noqa: E402
from kiosk.ui.widgets import BreaksLines  # noqa: E402
from tests.test_linebreak import ui_texts  # noqa: E402

WIDTHS = (560, 900, 1800)  # a wish card, a room card, the whole screen (px)


class KioskLabel(BreaksLines, Label):
    pass


# Without the kiosk's texture cache (kiosk/ui/textures.py): it would draw each texture
# at once (Kivy draws at the next frame) and skip the breaking for a text seen before.
widgets.textures = TextureCache(budget=0)


def empty_caches() -> None:
    linebreak.opportunities.cache_clear()
    linebreak._chunk_flags.cache_clear()
    linebreak.lexicon()._freq.clear()


def timed(label: Label) -> float:
    start = time.perf_counter()
    label.texture_update()
    return (time.perf_counter() - start) * 1000


def run(texts: list[str], rounds: int) -> dict[str, list[float]]:
    sizes = (dp(FONT_DP["body"]), dp(FONT_DP["body"]) * ELDER_SCALE)
    times: dict[str, list[float]] = {"kivy": [], "kivy_first": [], "cold": [], "warm": [], "breaking": []}
    for _round in range(rounds):
        empty_caches()
        for text in texts:
            for size in sizes:
                for width in WIDTHS:
                    first = width == WIDTHS[0] and size == sizes[0]  # the text's first layout
                    kivy = Label(text=text, font_size=size, text_size=(width, None))
                    times["kivy_first" if first else "kivy"].append(timed(kivy))
                    kiosk = KioskLabel(text=text, font_size=size, text_size=(width, None))
                    times["cold" if first else "warm"].append(timed(kiosk))
                    core = kiosk._label
                    start = time.perf_counter()
                    linebreak.wrap(text, width, lambda line: core.get_extents(line)[0])
                    times["breaking"].append((time.perf_counter() - start) * 1000)
        empty_caches()
    return times


def row(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return (f"{name:<34} {statistics.median(values):7.3f} {q[94]:8.3f} {q[98]:8.3f} {max(values):8.2f}"
            f"   n={len(values)}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    EventLoop.ensure_window()
    texts = sorted(set(ui_texts()) | {w for ws in WISH_TEXTS.values() for w in ws})
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} texts ({chars} characters), widths {WIDTHS} px, body and 长辈模式 sizes, "
          f"{args.rounds} rounds")
    times = run(texts, args.rounds)
    print(f"{'ms per text change':<34} {'median':>7} {'p95':>8} {'p99':>8} {'max':>8}")
    print(row("Kivy's own wrapping (baseline)", times["kivy_first"]))
    print(row("kiosk label, first layout (cold)", times["cold"]))
    print(row("Kivy's own, other sizes (baseline)", times["kivy"]))
    print(row("kiosk label, other sizes (warm)", times["warm"]))
    print(row("  of which line breaking (warm)", times["breaking"]))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"median: cold {med['cold'] / med['kivy_first']:.2f}x Kivy's own, "
          f"warm {med['warm'] / med['kivy']:.2f}x")


if __name__ == "__main__":
    main()
