"""The handwriting recogniser (kiosk/handwriting.py, no Kivy): ink in, characters out."""
import numpy as np
import pytest

from kiosk.handwriting import HEIGHT, Recogniser, RecogniserUnavailable, han, rasterise
from tests.ink import TRACED, WRITTEN, traced, written

BOX = (600.0, 600.0)


@pytest.fixture(scope="module")
def recogniser():
    r = Recogniser()
    r.load()
    return r


def samples():
    return [(c, written(c, BOX)) for c in WRITTEN] + [(c, traced(c, BOX)) for c in TRACED]


def test_characters_drawn_as_strokes_are_read_back(recogniser):
    results = {char: recogniser.recognise(strokes, BOX, keep=han) for char, strokes in samples()}
    first = [char for char, got in results.items() if got[:1] == [char]]
    five = [char for char, got in results.items() if char in got[:5]]
    misses = {char: "".join(got[:5]) for char, got in results.items() if got[:1] != [char]}
    assert len(results) >= 40
    assert len(first) >= 0.9 * len(results), misses
    assert len(five) == len(results), misses


def test_candidates_are_distinct_single_characters_best_first(recogniser):
    got = recogniser.recognise(written("王", BOX), BOX, top=10)
    assert len(got) == 10 and len(set(got)) == 10
    assert all(len(c) == 1 and not c.isspace() for c in got)
    assert got[0] == "王"
    only_han = recogniser.recognise(written("十", BOX), BOX, keep=han)
    assert only_han[0] == "十" and all(han(c) for c in only_han)  # not '+'


def test_where_and_how_large_the_character_is_written_does_not_matter(recogniser):
    wide = (1500.0, 260.0)  # the ink box is wide and low; a small 张 in its corner
    small = [[(x * 0.3 + 1100, y * 0.3 + 40) for x, y in stroke] for stroke in traced("张", BOX)]
    assert np.array_equal(rasterise(small, wide), rasterise(traced("张", BOX), BOX))
    assert recogniser.recognise(small, wide, keep=han)[0] == "张"


def test_the_image_is_the_ink_cropped_with_a_margin_at_the_models_height():
    image = rasterise(traced("国", BOX), BOX)
    assert image.dtype == np.uint8 and image.shape == (HEIGHT, 48)
    assert image.min() == 0 and image.max() == 255  # dark ink on paper
    rows, cols = np.nonzero(image < 128)
    for low, high in ((rows.min(), rows.max()), (cols.min(), cols.max())):
        assert 2 <= low <= 8 and HEIGHT - 9 <= high <= HEIGHT - 3  # a margin on every side, not more

    # 一 is wide and flat: a line across the middle of its square, as in print
    image = rasterise(written("一", BOX), BOX)
    assert image.shape == (HEIGHT, 48)
    rows, cols = np.nonzero(image < 128)
    assert abs((rows.min() + rows.max()) / 2 - HEIGHT / 2) <= 2 and rows.max() - rows.min() <= 6
    assert cols.min() >= 2 and cols.max() <= HEIGHT - 3


def test_y_is_flipped_kivys_origin_is_bottom_left():
    top_line = [[(100, 500), (500, 500)], [(300, 100), (300, 500)]]  # 丁-like: the bar at the top (high y)
    image = rasterise(top_line, BOX)
    bar = (image < 128).sum(axis=1).argmax()  # the row with the most ink
    assert bar < HEIGHT / 4  # the bar is at the image's top, as on the screen


def test_a_dot_stays_a_dot_and_empty_or_bad_ink_gives_nothing(recogniser):
    dot = rasterise([[(300, 300)]], BOX)
    assert dot is not None and (dot < 128).sum() < 0.2 * dot.size  # not blown up to a whole character
    assert rasterise([], BOX) is None
    assert recogniser.recognise([], BOX) == []
    assert recogniser.recognise([[], [(float("nan"), 3)], [(None, None)], ["ab"]], BOX) == []
    # a bad point among good ones is dropped, the rest still read
    strokes = written("十", BOX)
    strokes[0] = [*strokes[0], (float("inf"), 0)]
    assert recogniser.recognise(strokes, BOX, keep=han)[0] == "十"


def test_a_keep_filter_applies_before_the_top_n_is_cut(recogniser):
    got = recogniser.recognise(written("口", BOX), BOX, top=5, keep=lambda c: c != "口" and han(c))
    assert len(got) == 5 and "口" not in got


def test_a_missing_or_broken_model_is_a_clear_error(tmp_path):
    missing = Recogniser(tmp_path / "none.onnx")
    with pytest.raises(RecogniserUnavailable, match="no handwriting model"):
        missing.recognise(written("十", BOX), BOX)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    damaged = Recogniser(broken)
    with pytest.raises(RecogniserUnavailable, match="cannot load"):
        damaged.load()
    with pytest.raises(RecogniserUnavailable):  # remembered: not tried again for every character
        damaged.load()
