"""The speech worker: a separate process that owns the voice, started on the
first sentence no shipped clip says (a name, a ticket, a date). The kiosk
sends it one JSON line per sentence and gets back a WAV file's path; the
player loads the file and deletes it at once (the sound may hold a name).

A process, not a thread: the voice takes about 400 MB and 2 s to load, and its
inference would hold the interpreter's lock against the UI. Started as
``python -m kiosk.speech.worker FOLDER`` (not multiprocessing, whose spawn
would import the kiosk's main module, and Kivy with it)."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import wave
from collections.abc import Callable
from pathlib import Path

from kiosk.speech.voice import SAMPLE_RATE, to_pcm16

log = logging.getLogger(__name__)
Done = Callable[[Path | None], None]  # the WAV file, or None when it could not be said


class SpeechWorker:
    """The kiosk's side: ``render(text, done)`` calls ``done`` on a reader
    thread (the UI hands it to its own thread through Clock)."""

    def __init__(self, folder: Path, python: str = sys.executable):
        self.folder = folder
        self._python = python
        self._process: subprocess.Popen | None = None
        self._waiting: dict[int, Done] = {}
        self._next = 0
        self._lock = threading.Lock()
        self.broken = False  # the worker said it cannot speak (no speech extra): never started again

    def render(self, text: str, done: Done) -> None:
        with self._lock:
            if self.broken or not self._running():
                done(None)
                return
            self._next += 1
            self._waiting[self._next] = done
            line = json.dumps({"id": self._next, "text": text}, ensure_ascii=False) + "\n"
            try:
                self._process.stdin.write(line.encode())
                self._process.stdin.flush()
            except OSError:
                self._waiting.pop(self._next)(None)

    def forget(self) -> None:
        """Drop what is waiting (a new prompt replaces the old); files still come and are deleted."""
        with self._lock:
            for key in list(self._waiting):
                self._waiting[key] = _discard

    def _running(self) -> bool:
        if self._process is not None and self._process.poll() is None:
            return True
        self.folder.mkdir(parents=True, exist_ok=True)
        purge(self.folder)
        try:
            self._process = subprocess.Popen(
                [self._python, "-m", "kiosk.speech.worker", str(self.folder)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            log.exception("the speech worker could not start")
            self.broken = True
            return False
        threading.Thread(target=self._read, args=(self._process,), daemon=True,
                         name="speech-worker-reader").start()
        return True

    def _read(self, process: subprocess.Popen) -> None:
        for raw in process.stdout:
            try:
                answer = json.loads(raw)
            except ValueError:
                continue
            if answer.get("unavailable"):
                log.warning("speech: %s; only the shipped prompts are read", answer["unavailable"])
                self.broken = True
            with self._lock:
                done = self._waiting.pop(answer.get("id"), None)
            path = Path(answer["path"]) if answer.get("path") else None
            if done is not None:
                done(path)
            elif path is not None:
                path.unlink(missing_ok=True)
        with self._lock:  # the worker ended: nothing more comes
            waiting, self._waiting = self._waiting, {}
        for done in waiting.values():
            done(None)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        purge(self.folder)


def _discard(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def purge(folder: Path) -> None:
    """Every rendered sentence left in the folder goes (a crash may leave one)."""
    for path in folder.glob("*.wav"):
        path.unlink(missing_ok=True)


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)


def serve(folder: Path, lines=sys.stdin, out=sys.stdout) -> None:
    """The worker's loop: a sentence in, a WAV file out, until stdin closes."""
    from kiosk.speech.voice import Voice, VoiceUnavailable
    voice, why = None, ""
    for raw in lines:
        try:
            request = json.loads(raw)
            ask, text = int(request["id"]), str(request["text"])[:500]
        except (ValueError, KeyError, TypeError):
            continue
        answer = {"id": ask, "path": None}
        if voice is None and not why:
            try:
                voice = Voice()
            except VoiceUnavailable as exc:
                why = str(exc)
        if voice is None:
            answer["unavailable"] = why
        else:
            try:
                path = folder / f"{ask}.wav"
                write_wav(path, to_pcm16(voice.render(text)))
                answer["path"] = str(path)
            except Exception:  # one sentence the voice cannot say must not end the others
                log.exception("speech: could not render a sentence")
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
