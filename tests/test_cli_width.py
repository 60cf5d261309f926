"""``mojiyomi recognize --width``: labels full-width (Ａ１) or half-width (A1, the default: unchanged output)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.charsets import class_label
from core.ink import Ink, make_stroke, save_ink
from mojiyomi.cli import main
from tests.test_picture import digit_line


def _recognize(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["recognize", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _labels(row: dict) -> list[str]:
    return [c["label"] for c in row["candidates"]] + [k["label"] for c in row.get("chars", []) for k in
                                                      [c, *c["candidates"]]]


def test_width_full_prints_every_label_and_the_text_full_width(tiny_bundle: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import cv2

    save_ink(Ink((make_stroke([(10, 10), (10, 90)]),), 100, 100), tmp_path / "one.json")
    cv2.imwrite(str(tmp_path / "line.png"), digit_line("4712"))
    files = [str(tmp_path / "one.json"), str(tmp_path / "line.png")]
    half = _recognize(["--model", str(tiny_bundle), "--json", *files], capsys)
    full = _recognize(["--model", str(tiny_bundle), "--json", "--width", "full", *files], capsys)
    assert all(label in "0123456789" for row in half for label in _labels(row))  # the default: as before
    for h, f in zip(half, full):
        assert all(0xFF10 <= ord(label) <= 0xFF19 for label in _labels(f))
        assert [class_label(label) for label in _labels(f)] == _labels(h)
        assert class_label(f["text"]) == h["text"] and f["text"] != h["text"]
    assert main(["recognize", "--model", str(tiny_bundle), "--width", "full", *files]) == 0
    lines = capsys.readouterr().out.splitlines()
    ink_labels = lines[0].split(": ", 1)[1].split()[::2]  # "one.json: ７ 0.412  ３ 0.201 ..."
    assert len(ink_labels) == 5 and all(0xFF10 <= ord(label) <= 0xFF19 for label in ink_labels)
    assert lines[1] == f"{files[1]}: {full[1]['text']}"


def test_an_unknown_width_is_refused(tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["recognize", "--model", str(tiny_bundle), "--width", "wide", str(tmp_path / "x.png")])
    assert "invalid choice: 'wide'" in capsys.readouterr().err
