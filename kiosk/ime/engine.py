"""Pinyin to Chinese candidates from the shipped SQLite index (no Kivy).

Order, as the visitor expects it: the whole phrase first (the likeliest
readings of everything typed: dictionary words and compositions of words),
then the longest words at the start, then single characters. Picking a
candidate consumes exactly the syllables it covers; the rest stays for the
next pick.

Which reading of the letters is meant (kenengshi: ke'neng'shi, not
ken'eng'shi) is decided by likelihood: every reading the segmenter offers is
composed into its most likely words (unigram frequencies and a word-pair
table, Viterbi over words) and the readings compete on that score.

The index stays on disk (SQLite): about 17 MB that would be ~100 MB as
Python objects. Lookups for spans already seen are cached, so each keystroke
mostly queries what the new letter changed.
"""
from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from kiosk.ime.segment import Segmenter, Unit
from kiosk.paths import ASSETS

INDEX = ASSETS / "ime" / "pinyin.sqlite"
MAX_WORD = 8  # syllables in the longest indexed word
MAX_UNITS = 16  # longer input is composed over its first readings only
SCAN_LIMIT = 4000  # rows read at most for one abbreviation lookup
CACHE_SIZE = 8192
TEXT_LIMIT = 60  # candidates for text (ten pages)
NAME_LIMIT = 300  # candidates for a name: every character of a syllable
READINGS = 8  # readings of the letters scored per keystroke
SPAN_WORDS = 3  # words per span the composition considers
BEAM = 6  # partial sentences kept per position
PHRASES = 3  # compositions offered per reading
WORD_PENALTY = 3.0  # each word after the first in a composition (的一 is not 得以)
# Costs in nats (natural log units, the same as the word scores):
EXTEND = math.log(0.03)  # a finished last syllable read as the start of a longer one (la -> lan)
UNIT_COST = 1.0  # each syllable beyond the fewest any reading needs
INITIAL_COST = 2.0  # each bare initial in a reading of typed syllables
MERGED_INITIAL = 6.0  # zh/ch/sh read as one initial where each letter could be a syllable
PAIR_WEIGHT = 0.6  # share of a seen word pair in the interpolated bigram
ABBREVIATION_WORDS = 30  # whole words offered for an abbreviation
WHOLE_MARGIN = 8.0  # whole-phrase candidates shown within this of the best
SURNAME_SLOPE = 1.3  # a surname's share of people falls about as rank ** -1.3
LENGTH_BONUS = {1: 0.0, 2: 4.0, 3: 5.0}  # given names by their number of characters


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
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        # Compositions are scored by log-probability, so every extra word
        # costs: 预约 beats 与+月 although each character is common.
        self._log_total = math.log(meta["total_freq"])
        self._log_people = math.log(meta["name_people"])
        self._cache = _Cache()

    def close(self) -> None:
        self.db.close()

    # -- lookups -----------------------------------------------------------
    def _words(self, units: tuple[Unit, ...], last: bool, limit: int) -> list[tuple[str, float]]:
        """Dictionary words whose syllables match ``units`` as (word, log
        probability), best first.

        ``last``: the final unit may be unfinished, so it also matches longer
        syllables (xian -> xiang); a finished syllable read as a longer one
        pays EXTEND, so words with the syllable exactly as typed come first."""
        key = ("w", units, last, limit)

        def query():
            if last and units[-1].kind == "full":
                exact = self._lookup(units, False, limit)
                seen = {w for w, _f in exact}
                longer = [(w, f + EXTEND) for w, f in self._lookup(units, True, limit)
                          if w not in seen]
                return sorted(exact + longer, key=lambda r: -r[1])[:limit]
            return self._lookup(units, last, limit)
        return self._cache.get_or(key, query)

    def _lookup(self, units: tuple[Unit, ...], extend_last: bool, limit: int):
        n = len(units)
        fixed = all(u.kind == "full" for u in units[:-1])
        log_total = self._log_total
        if fixed and units[-1].kind == "full" and not extend_last:
            rows = self.db.execute(
                "SELECT word, freq FROM words WHERE n = ? AND syl = ? ORDER BY freq DESC LIMIT ?",
                (n, " ".join(u.text for u in units), limit))
            return [(w, math.log(f) - log_total) for w, f in rows]
        if fixed and not (n == 1 and _bare(units[0])):  # a fixed prefix: an index range, few rows
            rows = self.db.execute(
                "SELECT word, freq FROM words WHERE n = ? AND syl GLOB ? ORDER BY freq DESC LIMIT ?",
                (n, " ".join(u.text for u in units) + "*", limit))
            return [(w, math.log(f) - log_total) for w, f in rows]
        # Abbreviations and a lone initial: walk the initials index in
        # frequency order and keep the rows whose syllables fit.
        pattern = _regex(" ".join(
            u.pattern(extend_last and i == n - 1) for i, u in enumerate(units)) + "$")
        found = []
        rows = self.db.execute(
            "SELECT word, freq, syl FROM words WHERE ini = ? ORDER BY freq DESC LIMIT ?",
            (" ".join(u.text[0] for u in units), SCAN_LIMIT))
        for word, freq, syl in rows:
            if pattern.match(syl):
                found.append((word, math.log(freq) - log_total))
                if len(found) >= limit:
                    break
        return found

    def _pair(self, first: str, second: str) -> float:
        """log P(second | first) from the word-pair table, 0 when never seen
        (the unigram alone then decides): seen pairs only ever help."""
        key = ("p", first, second)

        def query():
            row = self.db.execute("SELECT n FROM bigrams WHERE w1 = ? AND w2 = ?",
                                  (first, second)).fetchone()
            if row is None:
                return None
            start = self._cache.get_or(("p", first, ""), lambda: self.db.execute(
                "SELECT n FROM bigrams WHERE w1 = ? AND w2 = ''", (first,)).fetchone()[0])
            return row[0] / start
        return self._cache.get_or(key, query)

    def _name_chars(self, unit: Unit, last: bool, limit: int) -> list[tuple[str, float]]:
        """Given-name characters for one unit as (char, log share of people)."""
        key = ("n", unit, last, limit)

        def query():
            rows = []
            if unit.kind == "full":  # the syllable as typed first: zhe -> 哲 before 正
                rows = self.db.execute("SELECT char, weight FROM name_chars WHERE syl = ? "
                                       "ORDER BY weight DESC LIMIT ?", (unit.text, limit)).fetchall()
            if last or unit.kind != "full":
                seen = {c for c, _w in rows}
                rows += [(c, w + 1000 * EXTEND * (unit.kind == "full")) for c, w in self.db.execute(
                    "SELECT char, weight FROM name_chars WHERE syl GLOB ? "
                    "ORDER BY weight DESC LIMIT ?", (unit.text + "*", limit)) if c not in seen]
                rows.sort(key=lambda r: -r[1])
            return [(c, w / 1000 - self._log_people) for c, w in rows[:limit]]
        return self._cache.get_or(key, query)

    def _known_given(self, units: tuple[Unit, ...], last: bool) -> list[tuple[str, float]]:
        """Whole given names (an elder's 淑芹, a name seen as a pair) as
        (name, log bonus)."""
        key = ("g", units, last)

        def query():
            if len(units) < 2 or not all(u.kind == "full" for u in units[:-1]):
                return []  # one character: its share of people says it all
            spelled = " ".join(u.text for u in units)
            rows = []
            if units[-1].kind == "full":
                rows = [(g, w / 1000) for g, w in self.db.execute(
                    "SELECT given, weight FROM given_names WHERE syl = ? "
                    "ORDER BY weight DESC LIMIT 12", (spelled,))]
            if last or units[-1].kind != "full":
                extend = EXTEND if units[-1].kind == "full" else 0.0
                seen = {g for g, _w in rows}
                rows += [(g, w / 1000 + extend) for g, w in self.db.execute(
                    "SELECT given, weight FROM given_names WHERE syl GLOB ? "
                    "ORDER BY weight DESC LIMIT 12", (spelled + "*",)) if g not in seen]
            return [(g, w) for g, w in rows if len(g) == len(units)]
        return self._cache.get_or(key, query)

    def _surnames(self, units: tuple[Unit, ...], last: bool) -> list[tuple[str, int]]:
        """Surnames for the units as (surname, population rank), most people first."""
        key = ("s", units, last)

        def query():
            pattern = _regex(" ".join(
                u.pattern(last and i == len(units) - 1) for i, u in enumerate(units)) + "$")
            if all(u.kind == "full" for u in units) and not last:
                rows = self.db.execute("SELECT surname, syl, rank FROM surnames WHERE syl = ? "
                                       "ORDER BY rank", (" ".join(u.text for u in units),))
            else:
                rows = self.db.execute("SELECT surname, syl, rank FROM surnames WHERE "
                                       "length(surname) = ? ORDER BY rank", (len(units),))
            seen, found = set(), []
            for surname, syl, rank in rows:
                if pattern.match(syl) and surname not in seen:
                    seen.add(surname)
                    found.append((surname, rank))
            return found
        return self._cache.get_or(key, query)

    # -- candidates ----------------------------------------------------------
    def candidates(self, typed: str, name: bool = False, after_surname: bool = False,
                   limit: int | None = None) -> list[Candidate]:
        """Candidates best first: 60 for text; for a name, every character
        of the first syllable's reading too (any name can be typed, picking
        character by character after the surname)."""
        limit = limit or (NAME_LIMIT if name else TEXT_LIMIT)
        typed = normalise(typed)
        segs = self.segmenter.segmentations(typed, READINGS)  # (cost, units), cheapest first
        segs = [(c, units) for c, units in segs if len(units) <= MAX_UNITS] or segs[:1]
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

    def _reading_costs(self, segs) -> list[tuple[float, tuple[Unit, ...]]]:
        """Each reading with its prior cost in nats (see the constants)."""
        fewest = min(len(units) for _c, units in segs)
        out = []
        for _cost, units in segs:
            cost = UNIT_COST * (len(units) - fewest)
            if all(_bare(u) for u in units):  # an abbreviation: a letter a syllable
                cost += sum(MERGED_INITIAL * (len(u.text) - 1) - UNIT_COST for u in units)
            else:
                cost += INITIAL_COST * sum(_bare(u) for u in units)
            out.append((cost, units))
        out.sort(key=lambda r: r[0])
        # a reading with more bare initials than the best one (min'qing'ke'n)
        # is never what was meant when whole syllables read as well
        return [r for r in out if r[0] < out[0][0] + INITIAL_COST]

    def _text_candidates(self, typed, segs) -> list[Candidate]:
        picks = self.learner.picks() if self.learner else {}
        readings = self._reading_costs(segs)

        # 1. the whole phrase: for every reading, the words covering all of
        #    it and its most likely composition, all on one score
        whole: list[tuple[float, str, int, str]] = []
        best_score, best = None, readings[0][1]
        # an abbreviation (xlzx, jd) offers five pages of whole words
        many = ABBREVIATION_WORDS if all(_bare(u) for u in readings[0][1]) else 12
        for cost, units in readings:
            if len(units) <= MAX_WORD:
                whole += [(score - cost, w, len(units), "word")
                          for w, score in self._words(units, True, many)]
            composed = self._compose(units)
            whole += [(score - cost, "".join(words), len(units), "phrase")
                      for score, words in composed[:PHRASES] if len(words) > 1]
            if composed and (best_score is None or composed[0][0] - cost > best_score):
                best_score, best = composed[0][0] - cost, units
        whole.sort(key=lambda r: (-picks.get(r[1], 0), -r[0]))
        # the likeliest few, and nothing far less likely than the best
        # (ken'eng'shi... would only push the words of 可能 off the page)
        top = whole[0][0] if whole else 0.0
        margin = {"word": WHOLE_MARGIN * many / 12, "phrase": WHOLE_MARGIN}
        out = [Candidate(text, units, typed, source) for score, text, units, source in whole[:many]
               if score > top - margin[source] or picks.get(text)]

        def ranked(rows):
            # Learned picks first; otherwise keep the lookup's order.
            return sorted(rows, key=lambda r: -picks.get(r[0], 0))

        # 2. the longest words at the start of the likeliest reading,
        # 3. single characters
        n = len(best)
        for k in range(min(n - 1, MAX_WORD), 0, -1):
            consumed = _consumed(typed, best[:k])
            out += [Candidate(w, k, consumed)
                    for w, _f in ranked(self._words(best[:k], False, 40 if k == 1 else 12))]
        if n == 1:
            out += [Candidate(w, 1, typed) for w, _f in ranked(self._words(best, True, 40))]
        return out

    def _compose(self, units: tuple[Unit, ...]) -> list[tuple[float, tuple[str, ...]]]:
        """The likeliest sequences of words for all units, best first, as (log
        probability, words)."""
        return self._states(units, True)

    def _states(self, units: tuple[Unit, ...], final: bool):
        """A beam search over words with the word-pair table: the BEAM best
        sentences for ``units``. ``final``: the last unit may be unfinished.
        The sentences for every prefix are cached, so a keystroke only
        extends the ones before the letters it changed."""
        if not units:
            return [(0.0, ())]

        def search():
            n = len(units)
            found: dict[str, tuple[float, tuple[str, ...]]] = {}
            for j in range(max(0, n - MAX_WORD), n):
                before = self._states(units[:j], False)
                if not before:
                    continue
                words = self._words(units[j:], final, SPAN_WORDS)
                for score, path in before:
                    prev = path[-1] if path else ""
                    for word, logp in words:
                        if prev:
                            pair = self._pair(prev, word)
                            if pair is not None:
                                logp = math.log((1 - PAIR_WEIGHT) * math.exp(logp)
                                                + PAIR_WEIGHT * pair)
                        total = score + logp - (WORD_PENALTY if path else 0.0)
                        text = "".join(path) + word
                        if text not in found or total > found[text][0]:
                            found[text] = (total, path + (word,))
            return sorted(found.values(), key=lambda v: -v[0])[:BEAM]
        return self._cache.get_or(("st", units, final), search)

    def _name_candidates(self, typed, segs, after_surname) -> list[Candidate]:
        readings = self._reading_costs(segs)
        best = readings[0][1]
        n = len(best)
        out: list[Candidate] = []
        if not after_surname:
            scored: list[tuple[float, str, int]] = []
            for cost, seg in readings:
                for s_len in (1, 2):
                    if s_len >= len(seg):
                        continue
                    for surname, rank in self._surnames(seg[:s_len], False)[:6]:
                        # population share of a surname falls about as 1/rank
                        prior = -SURNAME_SLOPE * math.log(rank % 500 + 3) - 2.0 * (rank >= 500)
                        for score, given in self._given_names(seg[s_len:], 12):
                            scored.append((prior + score - cost, surname + given, len(seg)))
            scored.sort(key=lambda r: -r[0])
            names = [Candidate(text, units, typed, "name") for _s, text, units in scored]
            surnames = []
            for s_len in (2, 1):
                if s_len <= n:
                    consumed = _consumed(typed, best[:s_len])
                    surnames += [Candidate(s, s_len, consumed, "surname")
                                 for s, _r in self._surnames(best[:s_len], s_len == n)]
            # the best surname on the first page and the others on the
            # second, so a rare given name can be picked character by
            # character after its surname
            out += names[:5] + surnames[:1] + names[5:10] + surnames[1:] + names[10:]
        else:
            out += [Candidate(g, n, typed, "name") for _s, g in self._given_names(best, 12)]
        consumed = _consumed(typed, best[:1])
        out += [Candidate(c, 1, consumed, "name") for c, _w in self._name_chars(best[0], n == 1, 40)]
        # a whole syllable: every character of it (as typed: zhan is not zhang)
        full = best[0].kind == "full"
        out += [Candidate(w, 1, consumed) for w, _f in self._words(
                best[:1], n == 1 and not full, NAME_LIMIT if full else TEXT_LIMIT) if len(w) == 1]
        return out

    def _given_names(self, units: tuple[Unit, ...], beam: int) -> list[tuple[float, str]]:
        """Likely given names for the units, as (log score, name): whole given
        names known as such, and a beam over name characters (each scored by
        the share of people whose given name has it)."""
        if not units or len(units) > 3:
            return []
        paths: list[tuple[float, str]] = [(0.0, "")]
        for i, unit in enumerate(units):
            last = i == len(units) - 1
            chars = self._name_chars(unit, last, beam)
            if not chars:  # no name uses this syllable: ordinary characters
                chars = [(w, f - 4.0) for w, f in self._words((unit,), last, beam) if len(w) == 1]
            paths = sorted(((s + w, p + c) for s, p in paths for c, w in chars),
                           reverse=True)[:beam * 3]
        scores = dict((p, s) for s, p in paths)
        for given, bonus in self._known_given(units, True):
            base = scores.get(given)
            if base is None:
                base = sum(w for c, w in (self._char_share(ch) for ch in given))
            scores[given] = base + bonus / 2
        # two-character given names are the most usual (the product of
        # shares alone would favour one character by a whole character)
        bonus = LENGTH_BONUS.get(len(units), 0.0)
        ranked = sorted(((s + bonus, g) for g, s in scores.items()), reverse=True)
        return ranked[:beam]

    def _char_share(self, char: str) -> tuple[str, float]:
        def query():
            row = self.db.execute("SELECT max(weight) FROM name_chars WHERE char = ?",
                                  (char,)).fetchone()
            return (char, (row[0] if row[0] is not None else 0) / 1000 - self._log_people)
        return self._cache.get_or(("c", char), query)

    def learn(self, candidate: Candidate) -> None:
        if self.learner is not None and candidate.source in ("word", "phrase"):
            self.learner.record(candidate.text)


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _bare(unit: Unit) -> bool:
    """A unit of consonants only (x, zh, the h of sh typed last): an initial."""
    return unit.kind != "full" and not any(c in "aeiouv" for c in unit.text)


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
