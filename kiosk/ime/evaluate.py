"""Top-k hit rate of the pinyin engine on tests/ime_eval.tsv, per group."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from kiosk.ime.engine import PinyinEngine
from kiosk.paths import ROOT

EVAL_FILE = ROOT / "tests" / "ime_eval.tsv"


def load(path: Path = EVAL_FILE) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            group, mode, typed, expected = line.split("\t")
            rows.append((group, mode, typed, expected))
    return rows


def hit_rates(engine: PinyinEngine, rows, top: int = 3) -> tuple[dict[str, tuple[int, int]], list]:
    """{group: (hits, total)} and the misses as (group, typed, expected, got)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for group, mode, typed, expected in rows:
        got = [c.text for c in engine.candidates(typed, name=mode == "name")[:top]]
        counts[group][1] += 1
        if expected in got:
            counts[group][0] += 1
        else:
            misses.append((group, typed, expected, got))
    return {g: (h, t) for g, (h, t) in counts.items()}, misses
