"""The stroke-order file: strokes in KanjiVG's order, every model character there, reading bounded."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core import strokeorder
from core.errors import InputError
from core.strokeorder import load_stroke_data

REPO = Path(__file__).resolve().parent.parent


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _write(path: Path, arrays: dict[str, Any]) -> Path:
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def test_ri_has_four_strokes_in_order_the_left_vertical_first() -> None:
    strokes = strokeorder.strokes("日")
    assert strokes is not None and len(strokes) == 4
    left, frame, middle, bottom = strokes
    # 1: the left side, written downwards: x stays put, y runs most of the box.
    assert np.ptp(left[:, 0]) < 0.05 and left[-1, 1] - left[0, 1] > 0.5 and left[0, 0] < 0.35
    # 2: across the top, then down the right side (ends low on the right).
    assert frame[0, 0] < 0.35 and frame[:, 0].max() > 0.65 and frame[-1, 1] > 0.75
    # 3 and 4: the horizontals, the middle one before the bottom one, written left to right.
    for line in (middle, bottom):
        assert np.ptp(line[:, 1]) < 0.05 and line[-1, 0] - line[0, 0] > 0.3
    assert middle[:, 1].mean() < bottom[:, 1].mean()


def test_kana_and_a_dense_kanji() -> None:
    assert len(strokeorder.strokes("あ") or ()) == 3
    assert len(strokeorder.strokes("ア") or ()) == 2
    assert len(strokeorder.strokes("鬱") or ()) == 29
    found = strokeorder.character("あ")
    assert found is not None and found.numbers.shape == (3, 2)
    assert all(s.min() >= 0.0 and s.max() <= 1.0 and not s.flags.writeable for s in found.strokes)


@pytest.mark.parametrize("char", ["%", "〒", "ab", "", "\U0010ffff"])
def test_characters_kanjivg_does_not_draw_give_none(char: str) -> None:
    assert strokeorder.strokes(char) is None


#: Classes of the coverage model that KanjiVG has no drawing of (marks; 〇 is a kanji it lacks).
NOT_IN_KANJIVG = frozenset("%()+-/=×※□△○〇「」『』〒〜")


def test_every_character_of_the_bundled_models_is_there() -> None:
    data = strokeorder.bundled()
    for labels in (REPO / "resources" / "models").glob("*/labels.txt"):
        chars = [c for c in labels.read_text(encoding="utf-8").split() if len(c) == 1]
        assert [c for c in chars if c not in data and c not in NOT_IN_KANJIVG] == [], labels
    assert len(data) > 6500
    assert "CC BY-SA 3.0" in data.metadata["licence"] and data.metadata["source"].startswith("KanjiVG")


def test_the_file_is_what_the_build_script_makes_from_kanjivg() -> None:
    pytest.importorskip("svg.path")
    kanjivg = pytest.importorskip("training.synth.kanjivg")
    try:
        kanjivg.svg_folder()
    except Exception:  # noqa: BLE001 - the kanjivg package is the synth extra
        pytest.skip("the kanjivg package is not installed")
    step = strokeorder.bundled().metadata["step"]
    for char in "日あ鬱0A":
        expected = kanjivg.load_strokes(char, None, step)
        found = strokeorder.strokes(char)
        assert found is not None and len(found) == len(expected)
        for got, want in zip(found, expected):
            assert got.shape == want.shape
            assert np.abs(got - want / kanjivg.BOX).max() <= 0.5 / strokeorder.GRID + 1e-9


def test_the_file_is_small_and_loads_fast() -> None:
    import time

    assert strokeorder.bundled_path().stat().st_size < 3_000_000
    started = time.perf_counter()
    load_stroke_data(strokeorder.bundled_path())
    assert time.perf_counter() - started < 1.0


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strokeorder, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="too large"):
        load_stroke_data(strokeorder.bundled_path())


def test_members_that_inflate_past_the_limit_are_refused_before_reading(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strokeorder, "MAX_ARRAY_BYTES", 1_000_000)
    with pytest.raises(InputError, match="inflates"):
        load_stroke_data(strokeorder.bundled_path())


@pytest.mark.parametrize("damage", ["offset past the end", "unsorted codes", "missing member", "wrong format",
                                    "float points", "pickled codes"])
def test_inconsistent_files_are_refused(tmp_path: Path, damage: str) -> None:
    arrays = _arrays(strokeorder.bundled_path())
    if damage == "offset past the end":
        arrays["stroke_points"][-1] += 5
    elif damage == "unsorted codes":
        arrays["codes"] = arrays["codes"][::-1].copy()
    elif damage == "missing member":
        del arrays["numbers"]
    elif damage == "wrong format":
        arrays["metadata"] = np.frombuffer(b'{"format": "something-else", "version": 1}', np.uint8)
    elif damage == "float points":
        arrays["deltas"] = arrays["deltas"].astype(np.float32)
    else:
        arrays["codes"] = np.array(list(arrays["codes"]), dtype=object)
    with pytest.raises(InputError):
        load_stroke_data(_write(tmp_path / "bad.npz", arrays))


def test_files_that_are_not_a_stroke_file_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    with pytest.raises(InputError, match="unreadable"):
        load_stroke_data(text)
    with zipfile.ZipFile(tmp_path / "empty.npz", "w"):
        pass
    with pytest.raises(InputError, match="lacks"):
        load_stroke_data(tmp_path / "empty.npz")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.npz"
        os.mkfifo(fifo)
        with pytest.raises(InputError, match="not a regular file"):
            load_stroke_data(fifo)
