"""Build the pinyin keyboard's index, assets/ime/pinyin.sqlite.

Build-time only: jieba's dictionary (349,046 words with frequencies, MIT)
plus pypinyin's readings (MIT) give the vocabulary; computing pinyin for
every word takes ~20 s, so the kiosk ships the finished index and never
imports either package (pypinyin alone costs ~57 MB).

    pip install -e '.[build]'
    python tools/build_ime_index.py
"""
from __future__ import annotations

import collections
import math
import re
import sqlite3
import time
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.pinyin_dict import pinyin_dict

ROOT = Path(__file__).resolve().parent.parent
IME = ROOT / "assets" / "ime"
OUT = IME / "pinyin.sqlite"
DICT = Path(jieba.__file__).parent / "dict.txt"
HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
# Syllables need a vowel: the interjections m, n, ng, hm (呣 嗯) would
# otherwise swallow the initials of abbreviations such as mqkts or nq.
SYLLABLE = re.compile(r"^[a-z]*[aeiouv][a-z]*$")
MAX_LEN = 8
DOMAIN_FREQ = 300000  # kiosk words come first among words that sound alike
RARE_CHAR_FREQ = 1  # characters jieba lacks: typeable, ranked last
# jieba lists 210,000 multi-character words seen fewer than 5 times (rare
# idioms, names, terms); leaving them out halves the index and loses no
# word a visitor is likely to type (kiosk words come from domain_words.txt).
MIN_WORD_FREQ = 5


def lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def syllables_of(word: str) -> list[str] | None:
    syl = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")  # ü is written v
    if len(syl) != len(word) or not all(SYLLABLE.match(s) for s in syl):
        return None
    return syl


def main() -> None:
    started = time.time()
    rows: dict[tuple[str, str], int] = {}
    name_chars: collections.Counter = collections.Counter()
    surnames = list(dict.fromkeys(lines(IME / "surnames.txt")))
    single_surnames = {s for s in surnames if len(s) == 1}

    def add(word: str, syl: list[str], freq: int) -> None:
        key = (word, " ".join(syl))
        rows[key] = max(rows.get(key, 0), freq)

    for line in lines(DICT):
        word, freq, tag = line.split()
        if not HAN.match(word) or len(word) > MAX_LEN:
            continue
        syl = syllables_of(word)
        if syl is None:
            continue
        if len(word) == 1 or int(freq) >= MIN_WORD_FREQ:
            add(word, syl, int(freq))
        if tag == "nr" and len(word) in (2, 3) and word[0] in single_surnames:
            for char, reading in zip(word[1:], syl[1:]):
                name_chars[(char, reading)] += 1
    for word in lines(IME / "domain_words.txt"):
        add(word, syllables_of(word), DOMAIN_FREQ)
    # Every character gets every reading, so any name can be typed.
    for code in pinyin_dict:
        char = chr(code)
        if not HAN.match(char):
            continue
        for reading in pinyin(char, heteronym=True, style=Style.NORMAL)[0]:
            if SYLLABLE.match(reading):
                rows.setdefault((char, reading), RARE_CHAR_FREQ)

    OUT.unlink(missing_ok=True)
    db = sqlite3.connect(OUT)
    db.executescript("""
        CREATE TABLE words (word TEXT NOT NULL, syl TEXT NOT NULL, ini TEXT NOT NULL,
                            n INTEGER NOT NULL, freq INTEGER NOT NULL);
        CREATE TABLE name_chars (char TEXT NOT NULL, syl TEXT NOT NULL, weight INTEGER NOT NULL);
        CREATE TABLE surnames (surname TEXT NOT NULL, syl TEXT NOT NULL, rank INTEGER NOT NULL);
        CREATE TABLE syllables (syl TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    """)
    db.executemany(
        "INSERT INTO words VALUES (?, ?, ?, ?, ?)",
        ((w, s, " ".join(x[0] for x in s.split()), len(w), f) for (w, s), f in rows.items()))
    # jieba's person names lean to novels and history (郭靖 before 陈静): the
    # list of today's common given-name characters comes first.
    common = list(dict.fromkeys(c for line in lines(IME / "given_name_chars.txt")
                                for c in line.split()))
    for rank, char in enumerate(common):
        for reading in pinyin(char, heteronym=True, style=Style.NORMAL)[0]:
            name_chars[(char, reading)] += 0  # present even if jieba never saw it
    boost = {c: 8000 * (1 - rank / len(common)) for rank, c in enumerate(common)}
    db.executemany("INSERT INTO name_chars VALUES (?, ?, ?)", (
        (c, s, round(1000 * math.log1p(n) + boost.get(c, 0)))
        for (c, s), n in name_chars.items()))
    db.executemany("INSERT INTO surnames VALUES (?, ?, ?)",
                   ((s, " ".join(syllables_of(s)), rank) for rank, s in enumerate(surnames)))
    db.executemany("INSERT OR IGNORE INTO syllables VALUES (?)",
                   ((s,) for _w, syl in rows for s in syl.split()))
    db.execute("INSERT INTO meta VALUES ('total_freq', (SELECT sum(freq) FROM words))")
    db.executescript("""
        CREATE INDEX words_syl ON words (syl, freq DESC);
        CREATE INDEX words_ini ON words (ini, freq DESC);
        CREATE INDEX name_chars_syl ON name_chars (syl, weight DESC);
        CREATE INDEX surnames_syl ON surnames (syl, rank);
        ANALYZE;
    """)
    db.commit()
    db.execute("VACUUM")
    db.close()
    print(f"{OUT}: {len(rows)} entries, {len(name_chars)} name characters, "
          f"{OUT.stat().st_size / 1e6:.1f} MB in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
