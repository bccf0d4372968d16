"""Split typed pinyin into syllable units.

A unit is a full syllable ("xin"), a bare initial standing for a syllable
("x" in the abbreviation xlzx), or - last only - the unfinished beginning of
a syllable ("zi" of "xinlizix..." as the visitor types). Apostrophes force a
split (xi'an). Several readings can be right (fangan: fang'an / fan'gan),
so the best few are returned, cheapest first; the cost here only orders
them (fewer, whole syllables first); which one is meant is for the engine to
score by likelihood.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

INITIALS = frozenset("b p m f d t n l g k h j q x r z c s y w zh ch sh".split())
MAX_SYLLABLE = 6  # zhuang, shuang, chuang
KEEP = 10  # readings kept per suffix: enough that ke'neng and lou'ti'an survive


@dataclass(frozen=True)
class Unit:
    text: str
    kind: str  # "full", "initial" (abbreviation) or "partial" (last, still typing)

    def pattern(self, last: bool) -> str:
        """Regex for the syllables this unit can stand for."""
        if self.kind == "full" and not last:
            return self.text
        return self.text + "[a-z]*"


class Segmenter:
    def __init__(self, syllables: frozenset[str]):
        self.syllables = syllables
        self.prefixes = frozenset(s[:i] for s in syllables for i in range(1, len(s) + 1))
        self._best = lru_cache(maxsize=4096)(self._best_uncached)

    def segmentations(self, typed: str, limit: int = 8) -> list[tuple[int, tuple[Unit, ...]]]:
        """The cheapest readings of ``typed`` as (cost, units), cheapest first."""
        chunks = [c for c in typed.split("'") if c]
        if not chunks:
            return []
        results: list[tuple[int, tuple[Unit, ...]]] = [(0, ())]
        for index, chunk in enumerate(chunks):
            last_chunk = index == len(chunks) - 1
            options = self._best(chunk, last_chunk)
            if not options:
                return []
            results = sorted(((c1 + c2, u1 + u2) for c1, u1 in results for c2, u2 in options),
                             key=lambda r: r[0])[:limit]
        return results

    def _best_uncached(self, chunk: str, last_chunk: bool) -> tuple[tuple[int, tuple[Unit, ...]], ...]:
        """Cheapest segmentations of one apostrophe-free chunk, as (cost, units)."""

        @lru_cache(maxsize=None)
        def from_(i: int) -> tuple[tuple[int, tuple[Unit, ...]], ...]:
            if i == len(chunk):
                return ((0, ()),)
            found = []
            for length in range(min(MAX_SYLLABLE, len(chunk) - i), 0, -1):
                piece = chunk[i:i + length]
                at_end = i + length == len(chunk)
                if piece in self.syllables:
                    unit, cost = Unit(piece, "full"), 10
                elif at_end and last_chunk and piece in self.prefixes:
                    unit, cost = Unit(piece, "partial"), 12
                elif piece in INITIALS:
                    unit, cost = Unit(piece, "initial"), 25
                else:
                    continue
                for rest_cost, rest in from_(i + length):
                    found.append((cost + rest_cost, (unit,) + rest))
            found.sort(key=lambda r: r[0])
            return tuple(found[:KEEP])

        return from_(0)


def segmentations(typed: str, syllables: frozenset[str], limit: int = 4) -> list[tuple[Unit, ...]]:
    return [units for _cost, units in Segmenter(syllables).segmentations(typed, limit)]
