"""Hit rates of the pinyin engine per group: top-1, top-3 and the first page.

Two lists: tests/ime_eval.tsv, the regression set the project wrote, and
tests/ime_heldout.tsv, real names and sentences nobody here wrote and the
index was not built from (made by tools/build_ime_eval.py).

    python -m kiosk.ime.evaluate [FILE ...]
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from kiosk.ime.engine import PinyinEngine
from kiosk.paths import ROOT

EVAL_FILE = ROOT / "tests" / "ime_eval.tsv"
HELDOUT_FILE = ROOT / "tests" / "ime_heldout.tsv"
PAGE = 6  # candidates on the keyboard's first page (kiosk.ui.textentry.PAGE_SIZE)


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


def rank_table(engine: PinyinEngine, rows) -> dict[str, tuple[int, int, int, int]]:
    """{group: (top-1 hits, top-3 hits, first-page hits, total)}, with an
    ``all names`` line over every names-* group."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for group, mode, typed, expected in rows:
        got = [c.text for c in engine.candidates(typed, name=mode == "name")[:PAGE]]
        rank = got.index(expected) if expected in got else PAGE
        groups = [group]
        if group.startswith("names-") and group != "names-elder":
            groups.append("names (all)")
        for g in groups:
            line = counts[g]
            line[0] += rank < 1
            line[1] += rank < 3
            line[2] += rank < PAGE
            line[3] += 1
    return {g: tuple(v) for g, v in sorted(counts.items())}


def print_table(table, out=sys.stdout) -> None:
    print(f"{'group':18} {'n':>5} {'top-1':>7} {'top-3':>7} {'page':>7}", file=out)
    for group, (t1, t3, page, n) in table.items():
        print(f"{group:18} {n:5} {t1 / n:7.1%} {t3 / n:7.1%} {page / n:7.1%}", file=out)


def main(argv=None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or [EVAL_FILE,
                                                                                 HELDOUT_FILE]
    engine = PinyinEngine()
    for path in paths:
        print(f"== {path.name}")
        print_table(rank_table(engine, load(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
