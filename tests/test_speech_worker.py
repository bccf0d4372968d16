"""The speech worker process: a sentence in, a WAV file out, off the kiosk's
process; it never takes the kiosk down with it."""
import io
import json
import threading
import wave
from pathlib import Path

from kiosk.speech.voice import SAMPLE_RATE
from kiosk.speech.worker import SpeechWorker, serve


def render(worker: SpeechWorker, text: str) -> Path | None:
    got, ready = [], threading.Event()
    worker.render(text, lambda path: (got.append(path), ready.set()))
    assert ready.wait(180), "the worker never answered"
    return got[0]


def test_a_sentence_comes_back_as_speech(tmp_path):
    worker = SpeechWorker(tmp_path / "speech")
    try:
        path = render(worker, "您的预约号是 382915")
        with wave.open(str(path)) as audio:
            seconds = audio.getnframes() / audio.getframerate()
            assert audio.getframerate() == SAMPLE_RATE and audio.getnchannels() == 1
        assert 1.0 < seconds < 10.0  # twelve syllables, said
        second = render(worker, "张先生")  # the same process, already loaded
        assert second is not None and second != path
    finally:
        worker.stop()
    assert not list((tmp_path / "speech").glob("*.wav"))  # stopping leaves no sound of anyone behind


def test_a_worker_that_cannot_start_or_dies_answers_none(tmp_path):
    dead = SpeechWorker(tmp_path / "speech", python="/bin/false")
    assert render(dead, "请选择日期") is None
    missing = SpeechWorker(tmp_path / "speech", python=str(tmp_path / "no-such-python"))
    assert render(missing, "请选择日期") is None and missing.broken


def test_bad_requests_are_skipped_and_the_rest_answered(tmp_path, monkeypatch):
    import kiosk.speech.voice as voice

    class Quiet:
        def render(self, text):
            if text == "boom":
                raise RuntimeError("the model choked")
            import numpy as np
            return np.zeros(2400, np.float32)

    monkeypatch.setattr(voice, "Voice", Quiet)
    lines = ["not json\n", json.dumps({"text": "no id"}) + "\n",
             json.dumps({"id": 1, "text": "boom"}) + "\n", json.dumps({"id": 2, "text": "好"}) + "\n"]
    out = io.StringIO()
    serve(tmp_path, lines, out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answers[0] == {"id": 1, "path": None}
    assert answers[1]["id"] == 2 and Path(answers[1]["path"]).exists()
