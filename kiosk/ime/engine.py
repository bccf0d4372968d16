"""Pinyin to Chinese candidates from the shipped SQLite index (no Kivy).

Order, as the visitor expects it: the whole phrase first (dictionary words
covering everything typed, then the best composition of words), then the
longest words at the start, then single characters. Picking a candidate
consumes exactly the syllables it covers; the rest stays for the next pick.

The index stays on disk (SQLite): about 10 MB that would be ~80 MB as
Python objects. Lookups for spans already seen are cached, so each keystroke
only queries what the new letter changed.
"""
from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.ime.segment import Segmenter, Unit
from kiosk.paths import ASSETS

INDEX = ASSETS / "ime" / "pinyin.sqlite"
MAX_WORD = 8  # syllables in the longest indexed word
SCAN_LIMIT = 4000  # rows read at most for one abbreviation lookup
CACHE_SIZE = 8192


@dataclass(frozen=True)
class Candidate:
    text: str
    units: int  # how many syllable units it covers
    consumed: str  # the typed letters it uses up (with their apostrophes)
    source: str = "word"  # word, phrase, surname, name


class Learner(Protocol):
    def picks(self) -> dict[str, int]: ...
    def record(self, word: str) -> None: ...


def normalise(typed: str) -> str:
    """Lower-case letters and apostrophes; ü and fullwidth letters accepted."""
    text = unicodedata.normalize("NFKC", typed).lower().replace("ü", "v").replace("’", "'")
    return "".join(c for c in text if "a" <= c <= "z" or c == "'")


class _Cache(OrderedDict):
    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > CACHE_SIZE:
            self.popitem(last=False)
        return value


class PinyinEngine:
    def __init__(self, index: Path = INDEX, learner: Learner | None = None):
        # Read-only and immutable: the index is a shipped asset.
        self.db = sqlite3.connect(f"file:{index}?mode=ro&immutable=1", uri=True,
                                  check_same_thread=False)
        syllables = frozenset(r[0] for r in self.db.execute("SELECT syl FROM syllables"))
        self.segmenter = Segmenter(syllables)
        self.learner = learner
        total = self.db.execute("SELECT value FROM meta WHERE key = 'total_freq'").fetchone()[0]
        # Compositions are scored by log-probability, so every extra word
        # costs: 预约 beats 与+月 although each character is common.
        self._log_total = math.log(total)
        self._cache = _Cache()

    def close(self) -> None:
        self.db.close()

    # -- lookups -----------------------------------------------------------
    def _words(self, units: tuple[Unit, ...], last: bool, limit: int) -> list[tuple[str, int]]:
        """Dictionary words whose syllables match ``units``, best first.

        ``last``: the final unit may be unfinished, so it also matches longer
        syllables (xian -> xiang); words with the syllable exactly as typed
        still come first."""
        key = ("w", units, last, limit)

        def query():
            if last and units[-1].kind == "full":
                exact = self._lookup(units, False, limit)
                seen = {w for w, _f in exact}
                return exact + [r for r in self._lookup(units, True, limit) if r[0] not in seen]
            return self._lookup(units, last, limit)
        return self._cache.get_or(key, query)

    def _lookup(self, units: tuple[Unit, ...], extend_last: bool, limit: int):
        n = len(units)
        fixed = all(u.kind == "full" for u in units[:-1])
        if fixed and units[-1].kind == "full" and not extend_last:
            return self.db.execute(
                "SELECT word, freq FROM words WHERE syl = ? ORDER BY freq DESC LIMIT ?",
                (" ".join(u.text for u in units), limit)).fetchall()
        if fixed and n >= 2:  # a long fixed prefix: few rows, cheap to sort
            return self.db.execute(
                "SELECT word, freq FROM words WHERE syl GLOB ? AND n = ? ORDER BY freq DESC LIMIT ?",
                (" ".join(u.text for u in units) + "*", n, limit)).fetchall()
        # Abbreviations and a lone unfinished syllable: walk the initials index
        # in frequency order and keep the rows whose syllables fit.
        pattern = re.compile(" ".join(
            u.pattern(extend_last and i == n - 1) for i, u in enumerate(units)) + "$")
        found = []
        rows = self.db.execute(
            "SELECT word, freq, syl FROM words WHERE ini = ? ORDER BY freq DESC LIMIT ?",
            (" ".join(u.text[0] for u in units), SCAN_LIMIT))
        for word, freq, syl in rows:
            if pattern.match(syl):
                found.append((word, freq))
                if len(found) >= limit:
                    break
        return found

    def _name_chars(self, unit: Unit, last: bool, limit: int) -> list[tuple[str, int]]:
        key = ("n", unit, last, limit)

        def query():
            rows = []
            if unit.kind == "full":  # the syllable as typed first: zhe -> 哲 before 正
                rows = self.db.execute("SELECT char, weight FROM name_chars WHERE syl = ? "
                                       "ORDER BY weight DESC LIMIT ?", (unit.text, limit)).fetchall()
            if last or unit.kind != "full":
                seen = {c for c, _w in rows}
                rows += [r for r in self.db.execute(
                    "SELECT char, weight FROM name_chars WHERE syl GLOB ? "
                    "ORDER BY weight DESC LIMIT ?", (unit.text + "*", limit)) if r[0] not in seen]
            return rows[:limit]
        return self._cache.get_or(key, query)

    def _surnames(self, units: tuple[Unit, ...], last: bool) -> list[str]:
        key = ("s", units, last)

        def query():
            pattern = re.compile(" ".join(
                u.pattern(last and i == len(units) - 1) for i, u in enumerate(units)) + "$")
            rows = self.db.execute("SELECT surname, syl FROM surnames WHERE length(surname) = ? "
                                   "ORDER BY rank", (len(units),))
            return [s for s, syl in rows if pattern.match(syl)]
        return self._cache.get_or(key, query)

    # -- candidates ----------------------------------------------------------
    def candidates(self, typed: str, name: bool = False, after_surname: bool = False,
                   limit: int = 60) -> list[Candidate]:
        typed = normalise(typed)
        segs = self.segmenter.segmentations(typed)  # (cost, units), cheapest first
        if not segs:
            return []
        if name:
            found = self._name_candidates(typed, segs, after_surname)
        else:
            found = self._text_candidates(typed, segs)
        unique: dict[str, Candidate] = {}
        for cand in found:
            unique.setdefault(cand.text, cand)
        return list(unique.values())[:limit]

    def _text_candidates(self, typed, segs) -> list[Candidate]:
        best_cost, best = segs[0]
        n = len(best)
        picks = self.learner.picks() if self.learner else {}

        def ranked(rows):
            # Learned picks first; otherwise keep the lookup's order (exact
            # syllables before longer ones, each by frequency).
            return sorted(rows, key=lambda r: -picks.get(r[0], 0))

        # 1. the whole phrase: words covering everything typed (every reading
        #    as cheap as the best: fang'an and fan'gan, interleaved), then
        #    the best composition of several words
        whole = sorted(
            ((w, f, seg, i) for cost, seg in segs if cost == best_cost and len(seg) <= MAX_WORD
             for i, (w, f) in enumerate(self._words(seg, True, 12))),
            key=lambda r: (-picks.get(r[0], 0), r[3], -r[1]))
        out = [Candidate(w, len(seg), typed) for w, _f, seg, _i in whole]
        if n >= 2:
            phrase = self._compose(best)
            if phrase:
                out.insert(min(1, len(out)), Candidate(phrase, n, typed, "phrase"))
        # 2. the longest words at the start, 3. single characters
        for k in range(min(n - 1, MAX_WORD), 0, -1):
            consumed = _consumed(typed, best[:k])
            out += [Candidate(w, k, consumed)
                    for w, _f in ranked(self._words(best[:k], False, 40 if k == 1 else 12))]
        if n == 1:
            out += [Candidate(w, 1, typed) for w, _f in ranked(self._words(best, True, 40))]
        # 4. whole words of the less likely readings (nv'e for nve)
        out += [Candidate(w, len(seg), typed) for cost, seg in segs[1:] if cost != best_cost
                and len(seg) <= MAX_WORD for w, _f in self._words(seg, True, 4)]
        return out

    def _compose(self, units: tuple[Unit, ...]) -> str | None:
        """The most likely sequence of words for all units (Viterbi over words)."""
        n = len(units)
        best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        for i in range(1, n + 1):
            for j in range(max(0, i - MAX_WORD), i):
                if best[j] is None:
                    continue
                words = self._words(units[j:i], i == n, 1)
                if not words:
                    continue
                word, freq = words[0]
                score = best[j][0] + math.log(freq + 1) - self._log_total
                if best[i] is None or score > best[i][0]:
                    best[i] = (score, best[j][1] + [word])
        return "".join(best[n][1]) if best[n] else None

    def _name_candidates(self, typed, segs, after_surname) -> list[Candidate]:
        best_cost, best = segs[0]
        readings = [seg for cost, seg in segs if cost == best_cost]  # li'na and lin'a
        n = len(best)
        out: list[Candidate] = []
        if not after_surname:
            scored = []
            for seg in readings:
                for s_len in (1, 2):
                    if s_len >= len(seg):
                        continue
                    for rank, surname in enumerate(self._surnames(seg[:s_len], False)[:3]):
                        for score, given in self._given_names(seg[s_len:], 3):
                            scored.append((score - rank, surname + given, len(seg)))
            scored.sort(key=lambda r: -r[0])
            out += [Candidate(text, units, typed, "name") for _s, text, units in scored]
            for s_len in (2, 1):
                if s_len <= n:
                    consumed = _consumed(typed, best[:s_len])
                    out += [Candidate(s, s_len, consumed, "surname")
                            for s in self._surnames(best[:s_len], s_len == n)]
        else:
            out += [Candidate(g, n, typed, "name") for _s, g in self._given_names(best, 4)]
        consumed = _consumed(typed, best[:1])
        out += [Candidate(c, 1, consumed, "name") for c, _w in self._name_chars(best[0], n == 1, 30)]
        out += [Candidate(w, 1, consumed) for w, _f in self._words(best[:1], n == 1, 60) if len(w) == 1]
        return out

    def _given_names(self, units: tuple[Unit, ...], beam: int) -> list[tuple[float, str]]:
        """Likely given names for the units, as (score, name): a small beam
        over name characters, scored in the same log units for every length."""
        paths: list[tuple[float, str]] = [(0.0, "")]
        for i, unit in enumerate(units):
            last = i == len(units) - 1
            chars = self._name_chars(unit, last, beam)
            if not chars:  # no name uses this syllable: ordinary characters
                chars = [(w, 1) for w, _f in self._words((unit,), last, beam) if len(w) == 1]
            paths = sorted(((s + w / 1000, p + c) for s, p in paths for c, w in chars),
                           reverse=True)[:beam * 2]
        return [(s / max(1, len(units)), p) for s, p in paths[:beam]]

    def learn(self, candidate: Candidate) -> None:
        if self.learner is not None and candidate.source in ("word", "phrase"):
            self.learner.record(candidate.text)


def _consumed(typed: str, units: tuple[Unit, ...]) -> str:
    """The prefix of ``typed`` (apostrophes included) that spells ``units``."""
    letters = sum(len(u.text) for u in units)
    count = 0
    for index, char in enumerate(typed):
        if char != "'":
            count += 1
        if count == letters:
            end = index + 1
            while end < len(typed) and typed[end] == "'":
                end += 1
            return typed[:end]
    return typed
