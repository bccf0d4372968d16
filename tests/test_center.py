import copy
import tomllib
from datetime import time

import pytest

from kiosk.center import CenterDataError, load_center, parse_center
from kiosk.paths import CENTER_FILE

RAW = tomllib.loads(CENTER_FILE.read_text(encoding="utf-8"))


def test_default_file_describes_the_liujiaying_center():
    c = load_center(CENTER_FILE)
    assert c.name == "柳家营社区党群服务中心" and c.brand == "柳邻惠"
    names = [r.name for r in c.rooms]
    for room in ("心愿墙", "共享自习室", "民情恳谈室", "志愿者服务站", "书画室", "会客议事厅", "健身房"):
        assert room in names
    assert any("妈妈绘本馆" in n for n in names)
    gym = c.room("gym")
    assert [(e.weekday, e.label) for e in gym.weekly] == [(5, "每周五：中蓝菲特健身中心教练现场指导")]
    assert [s.name for s in c.study_sessions] == ["上午", "下午", "晚上"]
    assert c.study_sessions[2].start == time(19, 0)  # the evening session
    assert (c.book_min_age, c.book_max_age) == (2, 10)
    assert c.counseling_topics == ("心理咨询", "婚姻家庭", "医疗康复", "行为矫正", "心理辅导", "民情诉求")
    assert all(r.hours and r.summary and len(r.badge) == 1 for r in c.rooms)
    # the services as the office knows them; the lobby's words for residents beside them
    assert c.topic_words("行为矫正").label == "行为习惯引导"
    assert len({c.topic_words(t).label for t in c.counseling_topics}) == len(c.counseling_topics)
    assert [s.counselor for s in c.counseling_slots if "民情诉求" in s.topics] == ["社区值班干部"]


def broken(edit):
    data = copy.deepcopy(RAW)
    edit(data)
    return data


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["study_room"]["sessions"][0].update(start="8点半"), r"sessions\[0\]\.start"),
    (lambda d: d["study_room"]["sessions"][0].update(end="08:00"), "end must be after start"),
    (lambda d: d["rooms"][7]["weekly"][0].update(weekday=8), r"weekday must be 1"),
    (lambda d: d["rooms"][0].update(badge="心愿"), "badge must be one character"),
    (lambda d: d["rooms"][1].update(id=d["rooms"][0]["id"]), "share an id"),
    (lambda d: d["center"].pop("name"), r"center\.name"),
    (lambda d: d["center"].update(name=""), "must not be empty"),
    (lambda d: d["picture_books"].update(min_age=11), "min_age"),
    (lambda d: d["study_room"].update(seats="many"), r"study_room\.seats"),
    (lambda d: d["study_room"].update(seats=True), r"study_room\.seats"),
    (lambda d: d["counseling"]["slots"][0].update(topics=["算命"]), r"counseling\.slots\[0\]\.topics"),
    (lambda d: d["counseling"]["wording"].update({"算命": {"label": "算命"}}), r"counseling\.wording\.算命"),
    (lambda d: d["counseling"]["wording"]["行为矫正"].update(label=""), "must not be empty"),
])
def test_malformed_entries_are_refused_with_their_place(edit, words):
    with pytest.raises(CenterDataError, match=words):
        parse_center(broken(edit))


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(CenterDataError, match="not found"):
        load_center(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[center", encoding="utf-8")
    with pytest.raises(CenterDataError, match="not valid TOML"):
        load_center(bad)
