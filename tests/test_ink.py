"""Ink: JSON form, ink datasets, validation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.ink import MAX_POINTS, MAX_STROKES, Ink, iter_ink_dataset, load_ink, make_stroke, save_ink, write_ink_dataset


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
    assert (Ink.from_json({"strokes": [[[-5, -9]]]}).width, Ink.from_json({"strokes": []}).height) == (1, 1)


def test_unreadable_ink_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe garbage")
    with pytest.raises(InputError):
        load_ink(tmp_path / "bad.json")
    with pytest.raises(InputError, match="does not exist"):
        load_ink(tmp_path / "missing.json")


@pytest.mark.parametrize("field, value, message", [
    ("width", [1, 2], "width must be a number"),
    ("height", {"a": 1}, "height must be a number"),
    ("width", "100", "width must be a number"),
    ("width", True, "width must be a number"),
    ("height", -5, "between 0 and"),
    pytest.param("width", 10 ** 400, "out of range|between", id="width-400-digits"),
    ("width", float("inf"), "finite"),
    ("label", ["a"], "'label' must be a string"),
    ("label", {"a": 1}, "'label' must be a string"),
    ("label", "x" * 5000, "'label' must be a string"),
])
def test_canvas_size_and_label_must_have_the_right_type(field: str, value: object, message: str) -> None:
    obj = {"width": 100, "height": 100, "strokes": [[[1, 2], [3, 4]]], field: value}
    with pytest.raises(InputError, match=message):
        Ink.from_json(obj)


@pytest.mark.parametrize("point, message", [
    pytest.param([10 ** 400, 2], "x of a point in stroke 1", id="x-400-digits"),
    ([1, float("inf")], "y of a point in stroke 1"),
    ([1, float("nan")], "y of a point"),
    (["1", 2], "x of a point"),
    ([True, 2], "x of a point"),
    ([1, None], "y of a point"),
    ([1, 2, 1e300, 0.5], "time of a point"),
    ([1, 2, 0, [0.5]], "pressure of a point"),
    ([[1, 2]], "A point must be"),
    ({"x": 1, "y": 2}, "A point must be"),
])
def test_point_values_must_be_finite_numbers(point: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Ink.from_json({"width": 100, "height": 100, "strokes": [[[0, 0], point]]})


def test_time_and_pressure_may_be_unknown_and_labels_may_be_integers() -> None:
    ink = Ink.from_json({"strokes": [[[1, 2, None, 0.5], [3, 4, 1.7e12, None]]], "label": 7})
    assert ink.label == "7"
    assert np.isnan(ink.strokes[0][0, 2]) and np.isnan(ink.strokes[0][1, 3])


def test_stroke_and_point_counts_are_bounded() -> None:
    with pytest.raises(InputError, match="at most 10,000 strokes"):
        Ink.from_json({"strokes": [[] for _ in range(MAX_STROKES + 1)]})
    point = [1, 2]
    with pytest.raises(InputError, match="at most 1,000,000 points"):
        Ink.from_json({"strokes": [[point] * (MAX_POINTS // 2), [point] * (MAX_POINTS // 2 + 1)]})


@pytest.mark.parametrize("text, message", [
    pytest.param('{"width": 1' + "0" * 400 + ', "height": 10, "strokes": [[[1, 2]]]}', "integer of 401 digits",
                 id="width-401-digits"),
    ('{"width": 10, "height": 10, "strokes": [[[1e400, 2]]]}', "x of a point"),
    pytest.param('{"width": 10, "height": 10, "strokes": [[[1, 2]]], "extra": ' + "[" * 1000 + "]" * 1000 + "}",
                 "nested too deeply", id="nested-1000"),
    ('{"width": 10, "height": 10, "strokes": [[[1, NaN]]]}', "NaN"),
])
def test_ink_files_with_huge_numbers_or_deep_nesting_are_input_errors(tmp_path: Path, text: str,
                                                                      message: str) -> None:
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_ink(tmp_path / "bad.json")
    (tmp_path / "bad.jsonl").write_text('{"strokes": [[[1, 2]]], "label": "a"}\n' + text + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: .*" + message):
        list(iter_ink_dataset(tmp_path / "bad.jsonl"))


def test_an_over_long_dataset_line_is_refused_without_reading_it_whole(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import core.ink

    monkeypatch.setattr(core.ink, "MAX_INK_BYTES", 100)
    path = tmp_path / "long.jsonl"
    path.write_text('{"strokes": [[[1, 2]]], "label": "a"}\n{"strokes": [' + "[[1, 2]], " * 50 + "[]]}\n")
    with pytest.raises(InputError, match="line 2: The line is longer than 100 bytes"):
        list(iter_ink_dataset(path))


def test_a_byte_order_mark_from_an_editor_is_ignored(tmp_path: Path) -> None:
    text = '{"strokes": [[[1, 2], [3, 4]]], "label": "a"}'
    (tmp_path / "bom.json").write_text("\ufeff" + text, encoding="utf-8")
    (tmp_path / "bom.jsonl").write_text("\ufeff" + text + "\n" + text + "\n", encoding="utf-8")
    assert load_ink(tmp_path / "bom.json").label == "a"
    assert [ink.label for ink in iter_ink_dataset(tmp_path / "bom.jsonl")] == ["a", "a"]
