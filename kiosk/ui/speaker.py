"""朗读: the screen's words read aloud, sentence by sentence. A sentence the
assets ship (kiosk/speech/clips.py) plays at once; one made of what the
visitor chose (a ticket, a date, a seat) is rendered by the speech worker
meanwhile and plays in its turn, or is skipped when the worker cannot speak.

Nothing here is needed for a silent kiosk: ``available`` stays False without
a sound device, a shipped clip or a volume, and the 朗读 button hides."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty

from kiosk.speech.clips import Clips
from kiosk.speech.words import clauses, spoken

log = logging.getLogger(__name__)


@dataclass
class Part:
    sentence: str
    path: Path | None = None  # the clip, or the worker's file once rendered
    shipped: bool = False  # a clip of the assets (kept), not a rendered file (deleted once loaded)
    waiting: bool = False  # the worker is rendering it


class Speaker(EventDispatcher):
    available = BooleanProperty(False)
    speaking = BooleanProperty(False)
    said = ListProperty()  # the sentences started since the last say(), in order

    def __init__(self, worker=None, clips: Clips | None = None, volume: float = 0.8, **kwargs):
        super().__init__(**kwargs)
        self.clips = clips if clips is not None else Clips()
        self.worker = worker  # kiosk.speech.worker.SpeechWorker, or None: shipped clips only
        self.volume = volume
        self._parts: list[Part] = []
        self._sound = None
        self._turn = 0  # bumped by every say() and stop(): late answers of an older one are dropped

    def probe(self) -> bool:
        """Whether sound can play here: a shipped clip loads with a length."""
        if self.volume <= 0 or not len(self.clips):
            return False
        from kivy.core.audio import SoundLoader  # opens the sound device: not before it is needed
        any_clip = self.clips.first()
        sound = SoundLoader.load(str(any_clip)) if any_clip and any_clip.exists() else None
        self.available = bool(sound is not None and sound.length > 0)
        if sound is not None:
            sound.unload()
        if not self.available:
            log.info("speech: no sound device, clips or volume; the read-aloud button is hidden")
        return self.available

    def say(self, texts: list[str]) -> None:
        """Read these (shown) texts from the start; what was being read stops."""
        self.stop()
        if not self.available:
            return
        turn = self._turn
        self._parts = [Part(sentence) for text in texts if text for sentence in clauses(spoken(text))]
        for part in self._parts:
            part.path = self.clips.find(part.sentence)
            part.shipped = part.path is not None
            if part.path is None and self.worker is not None:
                part.waiting = True
                self.worker.render(part.sentence, lambda path, part=part: Clock.schedule_once(
                    lambda _dt: self._rendered(turn, part, path)))
        self.speaking = bool(self._parts)
        self._next()

    def stop(self) -> None:
        self._turn += 1
        for part in self._parts:
            if part.path is not None and not part.shipped:
                part.path.unlink(missing_ok=True)
        self._parts = []
        self.said = []
        if self.worker is not None:
            self.worker.forget()
        sound, self._sound = self._sound, None
        if sound is not None:
            sound.unbind(on_stop=self._ended)
            sound.stop()
            sound.unload()
        self.speaking = False

    def _rendered(self, turn: int, part: Part, path: Path | None) -> None:
        if turn != self._turn:
            if path is not None:
                path.unlink(missing_ok=True)
            return
        part.path, part.waiting = path, False
        if self._sound is None:
            self._next()

    def _next(self) -> None:
        from kivy.core.audio import SoundLoader
        while self._parts:
            part = self._parts[0]
            if part.waiting:
                return  # its turn: it plays once the worker has it
            self._parts.pop(0)
            if part.path is None:
                continue  # the worker could not say it
            sound = SoundLoader.load(str(part.path))
            if not part.shipped:
                part.path.unlink(missing_ok=True)  # loaded: the file (maybe a name) goes now
            if sound is None or not sound.length:
                continue
            sound.volume = self.volume
            sound.bind(on_stop=self._ended)
            self._sound = sound
            self.said.append(part.sentence)
            sound.play()
            return
        self.speaking = False

    def _ended(self, sound) -> None:
        sound.unbind(on_stop=self._ended)
        sound.unload()
        if sound is self._sound:
            self._sound = None
            self._next()
