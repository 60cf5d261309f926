"""Ink: JSON form, ink datasets, validation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.ink import Ink, iter_ink_dataset, load_ink, make_stroke, save_ink, write_ink_dataset


def test_json_round_trip_keeps_time_pressure_and_label(tmp_path: Path) -> None:
    ink = Ink((make_stroke([(1, 2, 0, 0.5), (3, 4, 16, 0.75)]), make_stroke([(5, 6)])), 320, 240, "字")
    save_ink(ink, tmp_path / "a.json")
    back = load_ink(tmp_path / "a.json")
    assert (back.width, back.height, back.label) == (320, 240, "字")
    np.testing.assert_allclose(back.strokes[0], ink.strokes[0])
    assert np.isnan(back.strokes[1][0, 2]) and np.isnan(back.strokes[1][0, 3])
    assert json.loads((tmp_path / "a.json").read_text("utf-8"))["strokes"][1] == [[5, 6]]


def test_ink_dataset_streams_lines_and_names_the_bad_one(tmp_path: Path) -> None:
    inks = [Ink((make_stroke([(i, i), (i + 1, i + 2)]),), 10, 10, str(i)) for i in range(3)]
    path = tmp_path / "set.jsonl"
    assert write_ink_dataset(inks, path) == 3
    assert [ink.label for ink in iter_ink_dataset(path)] == ["0", "1", "2"]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json}\n")
    with pytest.raises(InputError, match="line 4"):
        list(iter_ink_dataset(path))


@pytest.mark.parametrize("obj, message", [
    ({"width": 10}, "strokes"),
    ({"strokes": "abc"}, "list of lists"),
    ({"strokes": [[[1, 2, 3, 4, 5]]]}, "point"),
    ([1, 2], "strokes"),
])
def test_malformed_ink_objects_are_refused_clearly(obj: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Ink.from_json(obj)


def test_validate_refuses_empty_and_nan_ink() -> None:
    with pytest.raises(InputError, match="no strokes"):
        Ink((), 10, 10).validate()
    with pytest.raises(InputError, match="NaN"):
        Ink((make_stroke([(1, 2), (math.nan, 3)]),), 10, 10).validate()


def test_missing_canvas_size_is_taken_from_the_points() -> None:
    ink = Ink.from_json({"strokes": [[[0, 0], [99, 49]]]})
    assert (ink.width, ink.height) == (100, 50)


def test_unreadable_ink_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe garbage")
    with pytest.raises(InputError):
        load_ink(tmp_path / "bad.json")
    with pytest.raises(InputError, match="Cannot read"):
        load_ink(tmp_path / "missing.json")
