"""Render every fixed sentence the kiosk shows to an Ogg clip in
assets/speech/clips (listed in assets/speech/clips.tsv), so that reading a
prompt aloud costs the kiosk nothing at run time. Clips already there are
kept; those no sentence needs any more are removed.

    pip install -e '.[speech,build]'
    python tools/build_speech.py

Run it after changing a prompt or a message: tests/test_speech_clips.py
fails while a fixed sentence has no clip."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import soundfile  # noqa: E402  (build extra)

from kiosk.speech.clips import CLIPS, INDEX, clip_name, fixed_sentences  # noqa: E402
from kiosk.speech.voice import SAMPLE_RATE, Voice  # noqa: E402

# Vorbis at a low quality setting: speech stays clear at about 3 KB a second
QUALITY = 0.6  # libsndfile's compression level, 0 (best) to 1 (smallest)


def main() -> int:
    sentences = sorted(fixed_sentences())
    CLIPS.mkdir(parents=True, exist_ok=True)
    wanted = {clip_name(s): s for s in sentences}
    for stale in CLIPS.glob("*.ogg"):
        if stale.stem not in wanted:
            stale.unlink()
    missing = [s for s in sentences if not (CLIPS / f"{clip_name(s)}.ogg").exists()]
    print(f"{len(sentences)} sentences, {len(missing)} to render", flush=True)
    voice = Voice() if missing else None
    started = time.perf_counter()
    for done, sentence in enumerate(missing, 1):
        audio = voice.render(sentence)
        soundfile.write(CLIPS / f"{clip_name(sentence)}.ogg", audio, SAMPLE_RATE, format="OGG",
                        subtype="VORBIS", compression_level=QUALITY)
        if done % 25 == 0:
            print(f"  {done}/{len(missing)} in {time.perf_counter() - started:.0f} s", flush=True)
    INDEX.write_text("".join(f"{clip_name(s)}\t{s}\n" for s in sentences), encoding="utf-8")
    size = sum(p.stat().st_size for p in CLIPS.glob("*.ogg"))
    print(f"{len(sentences)} clips, {size / 1e6:.1f} MB in {CLIPS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
