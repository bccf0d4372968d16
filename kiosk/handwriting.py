"""Reading one handwritten character (the 手写 page of the pinyin keyboard).

No Kivy: strokes come in as lists of (x, y) points in the ink box's own
coordinates (origin bottom-left, as Kivy's), with the box's size. They are
drawn here with numpy as thick anti-aliased lines, straight at the size the
recogniser reads (a 48-pixel-high line of text), and read by PaddleOCR's
PP-OCRv4 recognition model under onnxruntime (assets/handwriting/README.md).

The model reads lines of print: it is given the character as a printed
character looks in a line, dark on light, square, with a margin around it.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kiosk.paths import HANDWRITING

MODEL = HANDWRITING / "ch_PP-OCRv4_rec_infer.onnx"
HEIGHT = 48  # the model's input height (PP-OCR rec: 3 x 48 x W)
MARGIN = 0.12  # of the character's side, blank on each side of it, as around printed text
PEN = 0.075  # line width as a fraction of the image height (a Regular CJK face's stroke)
SMALLEST = 0.08  # of the box's larger side: a dot or a tick is not blown up to a whole character
TOP = 10

Point = tuple[float, float]
Stroke = Sequence[Point]


class RecogniserUnavailable(RuntimeError):
    """The model file is missing or unreadable, or onnxruntime cannot run it."""


def han(char: str) -> bool:
    """A 汉字 (CJK Unified Ideographs and Extension A, the font's blocks): what the
    手写 page writes; digits and punctuation have their own page, and the model
    takes a lone 十 for + or 口 for a square when they are let in."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _clean(strokes: Sequence[Stroke]) -> list[np.ndarray]:
    """Each stroke as an (n, 2) float array of its finite points; bad points and
    empty strokes dropped (whatever a touch sends, nothing here raises)."""
    kept = []
    for stroke in strokes:
        try:
            points = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            continue
        points = points[np.isfinite(points).all(axis=1)]
        if len(points):
            kept.append(points)
    return kept


def rasterise(strokes: Sequence[Stroke], box_size: tuple[float, float]) -> np.ndarray | None:
    """The ink as a square grey image HEIGHT pixels a side, ink 0 on 255, or
    None without ink.

    The crop is the square around the ink's bounding box (a character is
    square: 一 is a line across the middle of its square, as in print) with a
    margin on each side, scaled to HEIGHT in one step: the ink is drawn at that
    scale, not drawn large and resized. A square of 48 is already a width the
    model takes (at least 48, a multiple of its stride 8)."""
    lines = _clean(strokes)
    if not lines:
        return None
    box_h = float(box_size[1]) if len(box_size) > 1 and math.isfinite(box_size[1]) else 0.0
    # image rows run downwards, Kivy's y upwards
    lines = [np.column_stack((p[:, 0], box_h - p[:, 1])) for p in lines]
    every = np.concatenate(lines)
    low, high = every.min(axis=0), every.max(axis=0)
    smallest = SMALLEST * max((float(s) for s in box_size if math.isfinite(s)), default=0.0)
    side = max(*(high - low), smallest, 1e-6) * (1 + 2 * MARGIN)
    scale = HEIGHT / side
    origin = (low + high) / 2 - side / 2  # the crop's top-left corner, in box units
    ink = np.zeros((HEIGHT, HEIGHT), dtype=np.float32)
    radius = PEN * HEIGHT / 2
    for points in lines:
        _draw(ink, (points - origin) * scale, radius)
    return np.rint(255 * (1 - ink)).astype(np.uint8)


def _draw(ink: np.ndarray, points: np.ndarray, radius: float) -> None:
    """A polyline of thick round-capped segments (discs swept along them),
    anti-aliased by the distance from each pixel's centre; ink is 0..1, kept at its max."""
    if len(points) == 1:
        points = np.vstack((points, points))
    rows, cols = ink.shape
    for a, b in zip(points[:-1], points[1:]):
        x0 = max(0, int(math.floor(min(a[0], b[0]) - radius - 1)))
        x1 = min(cols, int(math.ceil(max(a[0], b[0]) + radius + 1)))
        y0 = max(0, int(math.floor(min(a[1], b[1]) - radius - 1)))
        y1 = min(rows, int(math.ceil(max(a[1], b[1]) + radius + 1)))
        if x0 >= x1 or y0 >= y1:
            continue
        ys, xs = np.mgrid[y0:y1, x0:x1]
        px, py = xs + 0.5 - a[0], ys + 0.5 - a[1]
        dx, dy = b - a
        length2 = dx * dx + dy * dy
        t = np.clip((px * dx + py * dy) / length2, 0, 1) if length2 > 0 else 0.0
        distance = np.hypot(px - t * dx, py - t * dy)
        cover = np.clip(radius + 0.5 - distance, 0, 1)
        np.maximum(ink[y0:y1, x0:x1], cover, out=ink[y0:y1, x0:x1])


def model_input(image: np.ndarray) -> np.ndarray:
    """PP-OCR's normalisation: 1 x 3 x 48 x W floats in -1..1, the grey in all three channels."""
    x = (image.astype(np.float32) / 255 - 0.5) / 0.5
    return np.ascontiguousarray(np.broadcast_to(x, (1, 3, *image.shape)))


class Recogniser:
    """The model, loaded once on first use (10.8 MB, about 0.2 s). Made to be
    called from one worker thread; loading is locked all the same."""

    def __init__(self, model: Path = MODEL, threads: int = 1):
        self.model = Path(model)
        self.threads = threads
        self._session = None
        self._failure: RecogniserUnavailable | None = None  # tried once: not again for every character
        self._classes: list[str] = []
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now; RecogniserUnavailable says why it cannot be."""
        with self._lock:
            if self._session is not None:
                return
            if self._failure is not None:
                raise self._failure
            try:
                self._load()
            except RecogniserUnavailable as failure:
                self._failure = failure
                raise

    def _load(self) -> None:
        if not self.model.is_file():
            raise RecogniserUnavailable(f"no handwriting model at {self.model}")
        try:
            import onnxruntime as ort
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # errors only
            session = ort.InferenceSession(str(self.model), options, providers=["CPUExecutionProvider"])
            characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
        except Exception as exc:  # ImportError, a damaged file, no dictionary: all mean the same here
            raise RecogniserUnavailable(f"cannot load the handwriting model {self.model}: "
                                        f"{type(exc).__name__}: {exc}") from exc
        # class 0 is CTC's blank, class i + 1 the dictionary's line i, the last a space
        self._classes = ["", *characters, " "]
        self._session = session

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """The model's output for one image: T x classes, each row a softmax."""
        self.load()
        session = self._session
        output = session.run(None, {session.get_inputs()[0].name: model_input(image)})[0]
        return output[0]

    def recognise(self, strokes: Sequence[Stroke], box_size: tuple[float, float], top: int = TOP,
                  keep: Callable[[str], bool] | None = None) -> list[str]:
        """The likeliest characters for the ink, best first, at most ``top``,
        only those ``keep`` accepts (a name field's characters); [] without ink."""
        image = rasterise(strokes, box_size)
        if image is None:
            return []
        return self.rank(self.probabilities(image), top, keep)

    def rank(self, probabilities: np.ndarray, top: int = TOP,
             keep: Callable[[str], bool] | None = None) -> list[str]:
        """One character is written, so it is read where it sits, not as a line:
        each class scores its probability at its best time step (the step where
        the blank is least likely holds the character; CTC's decoding of a line
        would offer one reading, not the neighbours a resident picks from)."""
        scores = probabilities[:, 1:].max(axis=0)  # blank (class 0) left out
        chosen: list[str] = []
        for index in np.argsort(-scores, kind="stable"):
            char = self._classes[index + 1]
            if len(char) != 1 or char.isspace() or char in chosen:
                continue
            if keep is not None and not keep(char):
                continue
            chosen.append(char)
            if len(chosen) >= top:
                break
        return chosen
