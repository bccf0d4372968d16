"""Chinese line breaking (kiosk/linebreak.py), without Kivy: a measure where a
Han character or fullwidth mark is 1 wide and ASCII is half."""
import random
import re

import pytest
from uniseg.linebreak import line_break_breakables

from kiosk import linebreak
from kiosk.linebreak import CLOSING, OPENING, STRICT, content_chars, opportunities, wrap
from kiosk.paths import ROOT


def measure(text: str) -> float:
    return sum(0.5 if ord(c) < 0x2000 else 1.0 for c in text)


def broken(text: str, width: float) -> str:
    return "/".join(wrap(text, width, measure))


def ui_texts() -> list[str]:
    """Every Chinese string literal of the kiosk's code, screens and center file."""
    found = set()
    paths = [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("kiosk/**/*.kv"), *ROOT.glob("screens/*.py"),
             *ROOT.glob("screens/*.kv"), *ROOT.glob("assets/*.toml")]
    for path in paths:
        for literal in re.findall(r"""["']([^"'\n]*[\u4e00-\u9fff][^"'\n]*)["']""", path.read_text("utf-8")):
            found.add(literal.replace("{}", "12"))
    return sorted(found)


@pytest.mark.parametrize("text, width, expected", [
    ("看不清？请点右上角“长辈模式”。", 14, "看不清？请点右上角/“长辈模式”。"),  # not ”。 alone, not ending on “
    ("我们会尽力帮您联系公益心理咨询师", 5, "我们会尽力/帮您联系/公益/心理咨询师"),  # not 尽/力, 咨/询
    ("家里水龙头坏了，希望有人帮忙修一下", 15, "家里水龙头坏了，希望有人帮忙修/一下"),  # not 修一/下
    ("希望过年时有人来一起包饺子", 12, "希望过年时有人来一起包/饺子"),  # not 包饺/子
    ("请输入手机号后四位。", 9, "请输入手机号后/四位。"),  # not 后四/位。
    ("面向2–10岁的孩子", 4, "面向/2–10岁/的孩子"),  # a number keeps its unit and range
    ("请帮忙，谢谢！“好”（急）", 6, "请帮忙，/谢谢！/“好”（急）"),
    ("Zhang Wei 张伟", 4, "Zhang/Wei 张伟"),  # Latin words at their spaces, no space at a line's end
])
def test_lines_break_where_a_reader_expects(text, width, expected):
    assert broken(text, width) == expected


def test_a_paragraph_that_fits_stays_one_line_and_line_breaks_are_kept():
    assert wrap("请选择日期", 5, measure) == ["请选择日期"]
    assert wrap("第一行\n第二行", 10, measure) == ["第一行", "第二行"]
    assert wrap("", 10, measure) == [""]


def test_a_piece_wider_than_the_line_is_cut_as_a_last_resort():
    lines = wrap("预约号123456789012", 4, measure)
    assert "".join(lines) == "预约号123456789012"
    assert all(measure(line) <= 4 for line in lines)


def test_without_words_uax14_alone_splits_a_word():
    """What the lexicon is for: UAX #14 breaks between any two Han characters."""
    assert 4 in opportunities("我们会尽力", linebreak.BARE)
    assert 4 not in opportunities("我们会尽力")


def test_chunked_uax14_is_uax14_of_the_whole_text():
    """The speed-up (uniseg asked per chunk, every ideograph as 一) changes no answer."""
    rng = random.Random(17)
    alphabet = "看不清请点右上角长辈模式一“”‘’。，、；：（）《》「」！？…—·～ 0123456789:–-%abcAB\u0301😀"
    texts = ui_texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
                          for _ in range(1500)]
    for text in texts:
        assert linebreak._uax14(text) == list(line_break_breakables(text)), text


def _words_at(paragraph: str) -> dict[int, str]:
    """For each position inside a word of a Han run: that word."""
    inside, start = {}, None
    for i in range(len(paragraph) + 1):
        han = i < len(paragraph) and linebreak.is_han(paragraph[i])
        if han and start is None:
            start = i
        elif not han and start is not None:
            at = start
            for word in linebreak.lexicon().words(paragraph[start:i]):
                inside.update({k: word for k in range(at + 1, at + len(word))})
                at += len(word)
            start = None
    return inside


def _piece(paragraph: str, pos: int, level: int) -> str:
    """The piece between two of ``level``'s opportunities that holds position ``pos``."""
    cuts = [0, *opportunities(paragraph, level), len(paragraph)]
    return paragraph[max(c for c in cuts if c < pos):min(c for c in cuts if c > pos)].rstrip(" ")


@pytest.mark.parametrize("width", [3, 4, 5, 7, 9, 12, 16, 24])
def test_every_kiosk_text_at_every_width_keeps_the_rules(width):
    for text in ui_texts():
        for paragraph in text.split("\n"):
            lines = wrap(paragraph, width, measure)
            assert "".join(lines) == paragraph.replace(" ", "") or len(lines) == 1 or " " in paragraph
            words, starts = _words_at(paragraph), [0]
            for before, line in zip(lines, lines[1:]):
                assert line[:1] not in CLOSING, (paragraph, lines)
                assert before[-1:] not in OPENING, (paragraph, lines)
                starts.append(paragraph.index(line, starts[-1] + len(before)))
                if starts[-1] in words:  # a word is split only when a line cannot hold it
                    assert measure(_piece(paragraph, starts[-1], linebreak.LOOSE)) > width, (paragraph, lines)
            if len(lines) > 1 and content_chars(lines[-1]) < 2:  # only where no earlier break between words fits
                assert all(measure(paragraph[c:].rstrip(" ")) > width or content_chars(paragraph[c:]) < 2
                           for c in opportunities(paragraph, linebreak.LOOSE)
                           if starts[-2] < c < starts[-1]), (paragraph, lines)


def test_words_are_looked_up_by_their_own_key():
    """The lexicon reads the IME's index by the word (words_word), never a scan."""
    plan = linebreak.lexicon().db.execute(
        "EXPLAIN QUERY PLAN SELECT coalesce(max(freq), 0) FROM words WHERE word = ?", ("尽力",)).fetchall()
    assert "words_word" in str(plan)
    assert linebreak.lexicon().freq("尽力") > 0 and linebreak.lexicon().freq("力尽帮") == 0
    assert linebreak.lexicon().words("帮忙修一下") == ["帮忙", "修", "一下"]
