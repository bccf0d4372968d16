"""The shipped clips cover every fixed sentence the kiosk shows (rebuild them
with tools/build_speech.py after changing a prompt), and nothing else."""
import wave  # noqa: F401  (the clips are Ogg; the header is checked by hand)

from kiosk.speech.clips import CLIPS, Clips, clip_name, fixed_sentences
from kiosk.speech.words import clauses, spoken


def test_every_fixed_sentence_has_its_clip():
    clips = Clips()
    missing = sorted(s for s in fixed_sentences() if s not in clips or not clips.find(s).exists())
    assert not missing, f"{len(missing)} sentences have no clip: run tools/build_speech.py ({missing[:5]})"


def test_no_clip_is_shipped_that_nothing_says():
    wanted = {clip_name(s) for s in fixed_sentences()}
    stale = sorted(p.name for p in CLIPS.glob("*.ogg") if p.stem not in wanted)
    assert not stale, f"clips no sentence needs: run tools/build_speech.py ({stale[:5]})"


def test_clips_are_ogg_audio():
    for path in sorted(CLIPS.glob("*.ogg"))[:50]:
        head = path.read_bytes()[:64]
        assert head.startswith(b"OggS") and b"vorbis" in head, path


def test_the_kiosks_prompts_and_messages_are_fixed_sentences():
    fixed = fixed_sentences()
    # a step's title, a button, a field's error, a receipt's rule: all shipped
    for shown in ("放弃填写？", "请写下您的心愿", "请填写 11 位手机号，以 1 开头", "签到 / 取消预约"):
        assert set(clauses(spoken(shown))) <= fixed, shown
    # what a visitor chose, and f-strings' pieces, are not
    assert "张伟" not in fixed and not any("{" in s for s in fixed)
    # docstrings are not shown
    assert not any("朗读" in s and "reads" in s for s in fixed)
