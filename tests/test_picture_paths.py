"""Every way a picture is read goes through the picture path (issue 12): the recognizer's one
character, core.page, `mojiyomi recognize`, and the ETL reader's contrast."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.bundle import resolve_model
from core.page import recognize_page
from core.recognizer import TFLiteRecognizer
from mojiyomi.cli import main
from tests.test_picture import digit_line, ink_boxes
from training.datasets.etl import FORMATS, encode_record, iter_etl


@pytest.fixture(scope="module")
def digits() -> TFLiteRecognizer:
    return TFLiteRecognizer(resolve_model("digits"))


def vignetted(picture: np.ndarray, strength: float = 0.5) -> np.ndarray:
    h, w = picture.shape
    v, u = np.mgrid[-1:1:complex(0, h), -1:1:complex(0, w)]
    return (picture.astype(np.float32) * (1 - strength * (u * u + v * v) / 2)).astype(np.uint8)


@pytest.mark.parametrize("digit", "0123456789")
def test_one_character_under_uneven_light_is_read(digits: TFLiteRecognizer, digit: str) -> None:
    # The border-based polarity guess read every one of these as 0.
    assert digits.recognize(vignetted(digit_line(digit)), 1)[0].label == digit


def test_page_boxes_are_in_the_original_picture(digits: TFLiteRecognizer) -> None:
    picture = cv2.resize(digit_line("4725"), None, fx=4, fy=4, interpolation=cv2.INTER_LINEAR)  # 3.6 MP
    chars = recognize_page(digits, picture, 3, layout="horizontal", use_lm=False)
    assert "".join(c.candidates[0].label for c in chars) == "4725"
    for char, (x0, y0, x1, y1) in zip(chars, ink_boxes(picture)):
        assert abs(char.box.x - x0) < 12 and abs(char.box.y - y0) < 12
        assert abs(char.box.x1 - x1) < 12 and abs(char.box.y1 - y1) < 12


def test_recognize_json_gives_text_boxes_and_candidates_of_a_picture(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    picture = digit_line("4725")
    cv2.imwrite(str(tmp_path / "line.png"), picture)
    code = main(["recognize", "--model", "digits", "--json", "--top", "3", "--layout", "horizontal",
                 str(tmp_path / "line.png")])
    row = json.loads(capsys.readouterr().out)
    assert code == 0 and row["text"] == "4725"
    assert [c["label"] for c in row["chars"]] == list("4725")
    for char, (x0, y0, x1, y1) in zip(row["chars"], ink_boxes(picture)):
        assert abs(char["box"]["x"] - x0) <= 3 and abs(char["box"]["w"] - (x1 - x0)) <= 6
        assert abs(char["box"]["y"] - y0) <= 3 and abs(char["box"]["h"] - (y1 - y0)) <= 6
        assert len(char["candidates"]) == 3 and char["candidates"][0]["label"] == char["label"]


def test_recognize_finds_the_line_and_says_lines_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cv2.imwrite(str(tmp_path / "line.png"), vignetted(digit_line("4725")))
    lines = [digit_line(text)[70:200] for text in ("472531", "806472", "531806")]  # lines 1.4 characters apart
    cv2.imwrite(str(tmp_path / "page.png"), np.vstack(lines))
    assert main(["recognize", "--model", "digits", str(tmp_path / "line.png"), str(tmp_path / "page.png")]) == 0
    assert [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")] == [f"{tmp_path / 'line.png'}: 4725",
                                                        f"{tmp_path / 'page.png'}: 472531 806472 531806"]


def test_faint_etl_scans_are_stretched_as_pictures_are(tmp_path: Path) -> None:
    levels = np.full((127, 128), 2, np.uint8)  # paper
    levels[40:80, 50:70] = 6  # faint pencil: 4 levels above the paper of 15
    path = tmp_path / "ETL8G_01"
    path.write_bytes(encode_record(FORMATS["ETL8G"], levels * 17, "あ", 1))
    image, _, _ = next(iter_etl(path))
    assert image[levels == 6].min() == 255 and image[levels == 2].max() == 0
