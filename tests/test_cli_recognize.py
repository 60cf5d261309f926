"""``mojiyomi recognize``: candidates for files, and one clear line for every bad input."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.ink import Ink, make_stroke, save_ink
from mojiyomi.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _picture(path: Path) -> Path:
    img = np.full((120, 100), 255, np.uint8)
    cv2.line(img, (50, 10), (50, 110), 0, 8)
    cv2.imwrite(str(path), img)
    return path


def test_prints_ranked_candidates_for_pictures_and_ink(tiny_bundle: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    save_ink(Ink((make_stroke([(10, 10), (10, 90)]),), 100, 100), tmp_path / "one.json")
    code, out, err = _run(["recognize", "--model", str(tiny_bundle), "--top", "3", "--json",
                           str(_picture(tmp_path / "one.png")), str(tmp_path / "one.json")], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [len(r["candidates"]) for r in rows] == [3, 3]
    # A picture is read by the decoder: the character it chose comes first (its context and
    # size may pick it over the model's favourite), then the model's ranking; ink of one
    # character is the model's ranking alone.
    picture, ink = rows
    assert picture["candidates"][0]["label"] == picture["text"]
    rest = [c["score"] for c in picture["candidates"][1:]]
    assert rest == sorted(rest, reverse=True)
    scores = [c["score"] for c in ink["candidates"]]
    assert scores == sorted(scores, reverse=True)


def _huge_png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(64))))
    return path


@pytest.mark.parametrize("name, content, words", [
    ("corrupt.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a picture"),
    ("empty.png", b"", "empty"),
    ("notes.txt", b"just some text", "not a picture"),
    ("blank.json", json.dumps({"width": 10, "height": 10, "strokes": []}).encode(), "no strokes"),
    ("nan.json", b'{"width": 10, "height": 10, "strokes": [[[1, 2], [NaN, 3]]]}', "NaN"),
    ("broken.json", b'{"strokes": [[[1, 2]', "not valid JSON"),
])
def test_bad_files_give_one_clear_line_and_status_1(tiny_bundle: Path, tmp_path: Path, name: str, content: bytes,
                                                   words: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / name).write_bytes(content)
    code, out, err = _run(["recognize", "--model", str(tiny_bundle), str(tmp_path / name)], capsys)
    assert code == 1 and words in err and "Traceback" not in err


def test_huge_picture_is_refused(tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["recognize", "--model", str(tiny_bundle), str(_huge_png(tmp_path / "h.png"))], capsys)
    assert code == 1 and "too large" in err


def test_good_files_still_print_when_one_is_bad(tiny_bundle: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.png").write_bytes(b"nope")
    code, out, err = _run(["recognize", "--model", str(tiny_bundle), str(tmp_path / "bad.png"),
                           str(_picture(tmp_path / "good.png"))], capsys)
    assert code == 1 and "good.png:" in out and "bad.png" in err


def test_unknown_model_lists_the_installed_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["recognize", "--model", "no-such-model", str(_picture(tmp_path / "a.png"))], capsys)
    assert code == 1 and "No model named 'no-such-model'" in err


def test_recognize_never_imports_qt_or_tensorflow(tiny_bundle: Path, tmp_path: Path) -> None:
    code = ("import sys; from mojiyomi.cli import main; "
            f"rc = main(['recognize', '--model', {str(tiny_bundle)!r}, {str(_picture(tmp_path / 'a.png'))!r}]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'tensorflow', 'keras'))); "
            "sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_photo_of_several_digits_prints_each(tiny_bundle: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    img = np.full((140, 420), 235, np.uint8)
    for i, text in enumerate("2024"):
        cv2.putText(img, text, (20 + 95 * i, 100), cv2.FONT_HERSHEY_SIMPLEX, 2.5, 40, 8)
    cv2.imwrite(str(tmp_path / "year.jpg"), img)
    code, out, err = _run(["recognize", "--model", str(tiny_bundle), "--json", str(tmp_path / "year.jpg")], capsys)
    row = json.loads(out)
    assert code == 0 and len(row["characters"]) == 4 and len(row["text"]) == 4


def test_format_choices_match_the_readers() -> None:
    from mojiyomi.cli import FORMATS
    from training.datasets.readers import FORMATS as READERS

    assert FORMATS == READERS
