"""The 手写 page's recogniser (kiosk/handwriting.py), against baselines measured in the same run.

    python bench/handwriting.py [--rounds N]

Figures, no assertions:
- the model's load (a fresh session each time, median of 5) and the memory it adds;
- one character read, stroke end to candidates on the worker thread (ink drawn with
  numpy, the model run, ranked), p50 / p95 / max over every test character (tests/ink.py:
  written by hand as a finger would, and traced from the bundled font), N rounds, with
  one and two onnxruntime threads; what drawing the ink alone takes;
- baselines: the same session run on a blank 48 x 48 image (the model's least cost),
  and the pinyin engine's keystroke to candidates over the same number of inputs.

The time a resident waits after lifting the finger is DEBOUNCE (0.3 s of the kiosk's
clock) plus one reading; the UI thread only shows the answer.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from kiosk.handwriting import Recogniser, han, rasterise  # noqa: E402
from tests.ink import TRACED, WRITTEN, traced, written  # noqa: E402

BOX = (1400.0, 244.0)  # the ink box on the 1920 x 1080 screen, normal mode


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ms(seconds: list[float]) -> str:
    values = sorted(s * 1000 for s in seconds)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"p50 {statistics.median(values):6.2f} ms  p95 {p95:6.2f} ms  max {values[-1]:6.2f} ms  (n={len(values)})"


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    before = rss_mib()
    first = Recogniser()
    cold = timed(first.load)  # onnxruntime imported too, as at the kiosk's first keyboard
    added = rss_mib() - before
    loads = [timed(Recogniser().load) for _ in range(5)]
    print(f"model load: first {cold * 1000:.0f} ms (with the onnxruntime import), RSS +{added:.0f} MiB; "
          f"a fresh session after that, median of 5: {statistics.median(loads) * 1000:.0f} ms")

    ink = [(c, written(c, BOX)) for c in WRITTEN] + [(c, traced(c, (BOX[1], BOX[1]))) for c in TRACED]
    blank = np.full((48, 48), 255, dtype=np.uint8)
    for threads in (1, 2):
        r = Recogniser(threads=threads)
        r.load()
        r.probabilities(blank)  # warm: the first run allocates its arena
        reads, hits = [], 0
        for _ in range(args.rounds):
            for char, strokes in ink:
                got: list[str] = []
                reads.append(timed(lambda: got.extend(r.recognise(strokes, BOX, keep=han))))
                hits += got[:1] == [char]
        empty = [timed(lambda: r.probabilities(blank)) for _ in range(len(reads))]
        print(f"\nonnxruntime intra_op_num_threads={threads}")
        print(f"  one character read:      {ms(reads)}  top-1 {hits / len(reads):.0%}")
        print(f"  baseline, blank 48x48:   {ms(empty)}")
    draws = [timed(lambda: rasterise(strokes, BOX)) for _ in range(args.rounds) for _c, strokes in ink]
    print(f"\ndrawing the ink (numpy):   {ms(draws)}")
    points = [sum(len(s) for s in strokes) for _c, strokes in ink]
    print(f"  points a character: median {statistics.median(points):.0f}, max {max(points)}")

    from kiosk.ime.engine import PinyinEngine
    engine = PinyinEngine()
    words = ["zhangwei", "xinlizixun", "wangfang", "louti", "fushou", "liujiaying", "shequ"]
    typed = [w[:i] for w in words for i in range(1, len(w) + 1)]
    engine.candidates("ni")
    keys = [timed(lambda: engine.candidates(t)) for _ in range(max(1, len(reads) // len(typed))) for t in typed]
    print(f"baseline, pinyin keystroke: {ms(keys)}")


if __name__ == "__main__":
    main()
