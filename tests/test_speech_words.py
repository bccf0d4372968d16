"""What a voice reads for what a screen shows (kiosk/speech/words.py): every
number written out the way it is meant, before the G2P sees it."""
import pytest

from kiosk.speech.words import clauses, number, spoken


@pytest.mark.parametrize("shown, said", [
    # codes, tickets and phones digit by digit (cn2an would read 三十八万…, or 亿)
    ("您的预约号是 382915", "您的预约号是三八二九一五"),
    ("手机号 13812345678", "手机号一三八一二三四五六七八"),
    ("手机号 138****5678", "手机号一三八，尾号五六七八"),
    ("志愿者编号 LJY-0001", "志愿者编号艾勒杰歪零零零一"),
    ("心愿编号 W3829", "心愿编号达布溜三八二九"),
    # times and dates as said
    ("上午 08:30–11:30", "上午八点三十分到十一点三十分"),
    ("晚上 19:00–21:30", "晚上十九点到二十一点三十分"),
    ("14:05 开始", "十四点零五分开始"),
    ("12月3日 周四", "十二月三日周四"),
    ("2026-12-03", "二零二六年十二月三日"),
    # counts as numbers
    ("第 2 步：选择座位", "第二步：选择座位"),
    ("余 12 座", "余十二座"),
    ("孩子几岁？（2–10 岁）", "孩子几岁？（二到十岁）"),
    ("积分 1,250 分", "积分一千二百五十分"),
    ("时长 2.5 小时", "时长二点五小时"),
    # drawn for the eye, not said
    ("‹ 上一步", "上一步"),
    ("胡萍　志愿者编号", "胡萍，志愿者编号"),
    ("张**", "张某某"),
])
def test_shown_text_is_said_as_meant(shown, said):
    assert spoken(shown) == said


def test_nothing_said_has_a_digit_or_latin_letter_left():
    for shown in ("预约号 000123", "A1 座", "10:00", "第 10 步", "100%", "0.5 小时", "LJY-0042"):
        said = spoken(shown)
        assert not any(c.isascii() and c.isalnum() for c in said), (shown, said)


@pytest.mark.parametrize("n, said", [
    (0, "零"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"),
    (110, "一百一十"), (200, "两百"), (1005, "一千零五"), (2000, "两千"), (10500, "一万零五百"),
    (20000, "两万"), (12345, "一万二千三百四十五"),
])
def test_numbers_are_counted(n, said):
    assert number(n) == said


def test_sentences_are_cut_where_a_voice_pauses():
    assert clauses(spoken("第 2 步：写下您的心愿。请在下面填写！")) == ["第二步：", "写下您的心愿。", "请在下面填写！"]
    assert clauses("") == [] and clauses("。，") == []
