"""The taps each resident task takes, driven through the real window (figures
only, no assertions): every key, candidate, field and button is one real touch.

    python bench/taps.py [--modes normal,elder] [--only study,wish,...]

Each task runs on a fresh kiosk (bench/flows.py: what each task asks for and how
the screens are walked), in normal mode and in 长辈模式, and is printed with
its baseline and target. Swipes (a field or button scrolled out of view) are
counted apart from taps.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from flows import TASKS, FlowError, run_task

# Taps on main at 0d76836 (2 December 2026, before issue 17's changes), measured with
# this bench: (normal, 长辈模式); and issue 17's own counts, where it gave one
MAIN = {"study": (28, 28), "wish": (54, 54), "wish_words": (57, 57), "books": (39, 39),
        "counseling": (24, 24), "passbook": (21, 22)}
ISSUE = {"study": 28, "wish": 58, "wish_words": 58}
TARGET = {"study": 20, "wish": 40, "study_initials": 20, "wish_initials": 40}  # issue 17; others: ≤ main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", default="normal,elder")
    parser.add_argument("--only", default=",".join(t.key for t in TASKS))
    args = parser.parse_args()
    modes = args.modes.split(",")
    only = args.only.split(",")
    print("taps each task takes through the real window (1920×1080); swipes counted apart")
    print(f"{'task':52} {' '.join(f'{m:>15}' for m in modes)}   main normal/elder (issue 17)   target")
    failed = False
    for task in (t for t in TASKS if t.key in only):
        shown, detail = [], ""
        for mode in modes:
            started = time.perf_counter()
            try:
                with tempfile.TemporaryDirectory() as folder:
                    tally = run_task(task, Path(folder), elder=mode == "elder")
            except FlowError as exc:
                shown.append(f"{'failed':>15}")
                detail += f"\n    {mode}: {exc}"
                failed = True
                continue
            shown.append(f"{len(tally.taps):>3} taps {tally.swipes} swipe")
            if mode == modes[0]:
                detail = f"    = {tally.breakdown()} ({time.perf_counter() - started:.0f} s)" + detail
        main_taps = "/".join(str(n) for n in MAIN[task.key]) if task.key in MAIN else "-"
        issue = f" ({ISSUE[task.key]})" if task.key in ISSUE else ""
        target = TARGET.get(task.key)
        print(f"{task.name:52} {' '.join(shown)}   {main_taps + issue:>24}   "
              f"{f'≤ {target}' if target else '≤ main'}")
        print(detail)
    if failed:
        raise SystemExit("a task no longer goes as bench/flows.py expects: update it")


if __name__ == "__main__":
    main()
