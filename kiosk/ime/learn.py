"""What this kiosk's visitors pick, so their words rise in the candidates.

Bounded (the least recently used words are forgotten beyond ``cap``) and fed
only from fields that hold no personal data: the text entry never calls
``record`` for names, phones or wishes (see kiosk.ui.textentry).
"""
from __future__ import annotations

from kiosk.store import Store

DEFAULT_CAP = 500


class LearnedWords:
    def __init__(self, store: Store, cap: int = DEFAULT_CAP):
        self.store = store
        self.cap = cap
        self._picks = {r["word"]: r["picks"] for r in store.db["ime_learned"].rows}

    def picks(self) -> dict[str, int]:
        return self._picks

    def record(self, word: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO ime_learned (word, picks, last_used) VALUES (?, 1, ?) "
                "ON CONFLICT(word) DO UPDATE SET picks = picks + 1, last_used = excluded.last_used",
                [word, self.store.clock.stamp()])
            db.execute(
                "DELETE FROM ime_learned WHERE word NOT IN "
                "(SELECT word FROM ime_learned ORDER BY last_used DESC LIMIT ?)", [self.cap])
        self._picks = {r["word"]: r["picks"] for r in self.store.db["ime_learned"].rows}
