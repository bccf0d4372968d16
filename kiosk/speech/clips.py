"""The prompts' clips: every fixed sentence the kiosk can show, rendered to
Ogg when the assets are built (tools/build_speech.py), so reading it costs
nothing at run time. A sentence is fixed when it is written out whole in the
kiosk's code or kv files; what a visitor chose, a ticket or a date is not, and
the speech worker says it.

``fixed_sentences`` finds them (the build renders them, a test checks the
shipped clips cover them); ``Clips`` looks one up."""
from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

from kiosk.paths import ROOT, SPEECH
from kiosk.speech.words import clauses, spoken

CLIPS = SPEECH / "clips"
INDEX = SPEECH / "clips.tsv"  # clip name, tab, the sentence it says
# where the kiosk's shown words are written: the resident and staff screens
SOURCES = ("kiosk", "screens")
# code whose Chinese is never on a screen as written: the terminal, the keyboard's
# dictionary tools, the demo data and the screenshot tour's made-up visitors
_NOT_SHOWN = ("kiosk/cli.py", "kiosk/ime/", "kiosk/demo.py", "kiosk/speech/", "kiosk/ui/views.py",
              "kiosk/ui/tour.py")
_HAN = re.compile(r"[\u3400-\u9fff]")
# a log line or a developer's note, or a pattern (a character range): not words on a screen
_ENGLISH = re.compile(r"[A-Za-z]{4,}|[\u3400-\u9fff]-")
_KV_TEXT = re.compile(r"""(?:text|words|hint|label|title)\s*:\s*(['"])(.*?)\1""")


def clip_name(sentence: str) -> str:
    return hashlib.sha1(sentence.encode()).hexdigest()[:16]


def _literals(path: Path) -> list[str]:
    """The string constants of a module, less docstrings and f-strings' pieces
    (not whole sentences: an f-string's sentences are said at run time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node.body[0].value) for node in ast.walk(tree)
               if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
               and node.body and isinstance(node.body[0], ast.Expr)}
    skipped |= {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped]


def fixed_sentences(root: Path = ROOT) -> set[str]:
    """Every whole sentence, as said, of the Chinese written out in the kiosk's screens."""
    texts: list[str] = []
    for folder in SOURCES:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if relative.startswith(_NOT_SHOWN):
                continue
            if path.suffix == ".py":
                texts += _literals(path)
            elif path.suffix == ".kv":
                texts += [m[2] for m in _KV_TEXT.finditer(path.read_text(encoding="utf-8"))]
    return {sentence for text in texts if _HAN.search(text) and "{" not in text and not _ENGLISH.search(text)
            for sentence in clauses(spoken(text))}


class Clips:
    """The shipped clips, by the sentence they say."""

    def __init__(self, index: Path = INDEX, folder: Path = CLIPS):
        self._folder = folder
        self._names: dict[str, str] = {}
        if index.exists():
            for line in index.read_text(encoding="utf-8").splitlines():
                name, _, sentence = line.partition("\t")
                self._names[sentence] = name

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, sentence: str) -> bool:
        return sentence in self._names

    def first(self) -> Path | None:
        """Any one clip (to see whether sound plays here)."""
        return self.find(next(iter(self._names))) if self._names else None

    def find(self, sentence: str) -> Path | None:
        name = self._names.get(sentence)
        return self._folder / f"{name}.ogg" if name else None
