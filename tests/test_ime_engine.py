"""The pinyin engine: every input form, partial acceptance, name mode, learning."""
import subprocess
import sys

import pytest

from kiosk.ime import PinyinEngine
from kiosk.ime.engine import normalise
from kiosk.ime.evaluate import load, hit_rates
from kiosk.ime.learn import LearnedWords
from kiosk.store import Store


@pytest.fixture(scope="module")
def engine():
    e = PinyinEngine()
    yield e
    e.close()


def top(engine, typed, n=3, **kw):
    return [c.text for c in engine.candidates(typed, **kw)[:n]]


def test_full_pinyin_with_and_without_separators(engine):
    assert top(engine, "xinlizixun", 1) == ["心理咨询"]
    assert top(engine, "xin li zi xun".replace(" ", "'"), 1) == ["心理咨询"]
    assert top(engine, "zixishi", 1) == ["自习室"]


def test_apostrophe_splits_syllables(engine):
    assert top(engine, "xian", 1) != ["西安"]
    assert top(engine, "xi'an", 1) == ["西安"]


def test_initials_only_abbreviations(engine):
    assert top(engine, "xlzx", 1) == ["心理咨询"]
    assert top(engine, "slt", 1) == ["水龙头"]
    assert "志愿者" in top(engine, "zyz")


def test_partial_last_syllable_while_typing(engine):
    assert "心理咨询" in top(engine, "xinlizix")
    assert "自习室" in top(engine, "zixis")
    assert top(engine, "x", 1)[0]  # a lone initial already offers characters


def test_v_stands_for_u_umlaut(engine):
    assert "绿" in top(engine, "lv", 5)
    assert "虐" in top(engine, "nve", 3)
    assert normalise("lü") == "lv"
    assert normalise("ＸＩＮ") == "xin"  # fullwidth letters from a scanner or paste


def test_order_whole_phrase_then_longest_words_then_characters(engine):
    got = engine.candidates("xinlizixun")
    assert got[0].text == "心理咨询" and got[0].units == 4
    units = [c.units for c in got[1:]]
    assert units == sorted(units, reverse=True)  # then longest first
    assert units[-1] == 1 and len(got[-1].text) == 1


def test_picking_a_word_consumes_exactly_its_syllables(engine):
    got = engine.candidates("xinlizixun")
    xinli = next(c for c in got if c.text == "心理")
    assert xinli.consumed == "xinli"
    rest = "xinlizixun"[len(xinli.consumed):]
    assert top(engine, rest, 1) == ["咨询"]
    with_apostrophe = next(c for c in engine.candidates("xi'an'shi") if c.text == "西安")
    assert with_apostrophe.consumed == "xi'an'"


def test_a_sentence_is_composed_from_words(engine):
    assert top(engine, "zixishiyuyue", 1) == ["自习室预约"]


def test_readings_are_chosen_by_likelihood_not_fewest_syllables(engine):
    # ken'eng'shi... and bang'e'xiao'shi read as few syllables as ke'neng, ban'ge
    assert top(engine, "kenengshidiyici", 1) == ["可能是第一次"]
    assert top(engine, "bangexiaoshi", 1) == ["半个小时"]
    # lou'ti'an'zhuang takes more syllables than lou'tian'zhuang, and wins
    assert "楼梯安装扶手" in top(engine, "loutianzhuangfushou")
    # a finished syllable is not read as the start of a longer one (la is not lan)
    assert "有电缆" not in top(engine, "youdianla", 6)
    assert top(engine, "shaoweiyoudianying", 1) == ["稍微有点硬"]


def test_a_dictionary_word_beats_two_loose_characters(engine):
    assert top(engine, "deyi", 1) == ["得以"]
    assert top(engine, "baoshi", 1) == ["宝石"]


def test_zh_ch_sh_abbreviate_two_syllables_too(engine):
    assert "时候" in top(engine, "sh")
    assert "知道" in top(engine, "zd")
    found = top(engine, "jd", 6)
    assert "酒店" in found and "京东" in found
    # the lone initial still reaches its single characters
    assert "是" in top(engine, "sh", 60)


def test_name_mode_surnames_cover_the_population_with_their_readings(engine):
    count = engine.db.execute("SELECT count(DISTINCT surname) FROM surnames").fetchone()[0]
    assert count >= 400
    for typed, name in [("zengguofan", "曾"), ("shanxiongxin", "单"), ("qinweiwei", "覃"),
                        ("ouyangfeng", "欧阳"), ("piaoshuxian", "朴"), ("zhasheng", "查")]:
        assert any(c.text.startswith(name) for c in engine.candidates(typed, name=True)[:6]), name
    surnames = [c.text for c in engine.candidates("zeng", name=True) if c.source == "surname"]
    assert surnames[0] == "曾"


def test_name_mode_ranks_elders_names_and_offers_dozens(engine):
    assert "王淑芹" in top(engine, "wangshuqin", name=True)
    assert top(engine, "zhangweidong", 1, name=True) == ["张卫东"]
    assert top(engine, "chenxinmin", 1, name=True) == ["陈新民"]
    assert top(engine, "liuxiuzhi", 1, name=True) == ["刘秀芝"]
    assert top(engine, "huaimin", 1, name=True) == ["胡爱民"]  # hu'ai'min, not huai'min
    names = [c for c in engine.candidates("lijianguo", name=True) if c.source == "name"
             and len(c.text) == 3]
    assert len(names) >= 24


def test_a_rare_given_name_is_picked_character_by_character(engine):
    # the surname alone is on the first page
    first_page = engine.candidates("zhangji", name=True)[:6]
    surname = next(c for c in first_page if c.source == "surname")
    assert surname.text == "张" and surname.consumed == "zhang"
    # then every character read ji is offered, the rare 籍 too
    given = [c.text for c in engine.candidates("ji", name=True, after_surname=True)]
    assert "籍" in given and "姬" in given and len(given) > 100


def test_nonsense_and_empty_input_give_nothing_and_do_not_crash(engine):
    for typed in ["", "'''", "vvvv", "12345", "☃", "x" * 200, "'; DROP TABLE words; --"]:
        assert isinstance(engine.candidates(typed), list)
    assert engine.candidates("vvvv") == []


def test_name_mode_surname_then_given_name(engine):
    assert "张伟" in top(engine, "zhangwei", name=True)
    assert "王芳" in top(engine, "wangfang", name=True)
    assert "欧阳明" in top(engine, "ouyangming", name=True)
    surnames = [c for c in engine.candidates("wang", name=True) if c.source == "surname"]
    assert surnames[0].text == "王"
    # after the surname, given-name characters, rare ones included
    given = [c.text for c in engine.candidates("zhe", name=True, after_surname=True)]
    assert given[0] == "哲" and "喆" in given
    assert "堃" in [c.text for c in engine.candidates("kun", name=True, after_surname=True)]


def test_evaluation_list_reaches_the_target(engine):
    rows = load()
    assert len(rows) >= 150
    groups = {g for g, *_ in rows}
    assert groups == {"names", "service", "abbreviations", "sentences"}
    rates, _misses = hit_rates(engine, rows)
    hits = sum(h for h, _t in rates.values())
    assert hits / len(rows) >= 0.85


def test_learning_raises_a_word_and_is_bounded(tmp_path):
    store = Store(tmp_path / "k.db")
    learned = LearnedWords(store, cap=3)
    engine = PinyinEngine(learner=learned)
    before = top(engine, "shi", 12)
    rare = before[-1]
    for _ in range(2):
        engine.learn(next(c for c in engine.candidates("shi") if c.text == rare))
    assert top(engine, "shi", 1) == [rare]
    for word in ["甲", "乙", "丙"]:
        learned.record(word)
    assert store.db["ime_learned"].count == 3  # the oldest was forgotten
    assert LearnedWords(store).picks() == learned.picks()  # survives a restart
    name = engine.candidates("wang", name=True)[0]
    engine.learn(name)  # names are never learned
    assert name.text not in learned.picks()
    store.close()


def test_command_line_prints_candidates_best_first():
    out = subprocess.run([sys.executable, "-m", "kiosk.ime", "-n", "2", "xlzx"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "心理咨询" and len(out) == 2
    out = subprocess.run([sys.executable, "-m", "kiosk.ime", "--name", "zhangwei"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert "张伟" in out[:3]


def test_the_engine_never_imports_kivy_or_build_tools():
    code = ("import sys, kiosk.ime; kiosk.ime.PinyinEngine().candidates('xlzx'); "
            "print(sorted(m for m in ('kivy', 'pypinyin', 'jieba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
