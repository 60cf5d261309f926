"""core.contacts: the frame a line is read in, and seams (core.picture_cut) run where characters meet."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from core import contacts
from core.contacts import FRAME, FRAME_ACROSS, Contacts, line_frame, members_mask, to_working
from core.picture_cut import _seams


@pytest.mark.parametrize("members", [(3,), (1, 4), (2, 5, 9), (7, 40), (41,)])
def test_a_runs_pixels_are_those_of_its_members(members: tuple[int, ...]) -> None:
    ids = np.random.default_rng(sum(members)).integers(0, 10, (30, 50)).astype(np.int32)
    assert np.array_equal(members_mask(ids, members), np.isin(ids, members))
    assert not members_mask(np.zeros((0, 4), np.int32), members).size


def test_a_line_comes_back_from_its_frame_where_it_was() -> None:
    ink = np.zeros((200, 400), np.uint8)
    cv2.line(ink, (50, 100), (350, 100), 255, 5)
    frame = line_frame(ink, (40.0, 70.0, 360.0, 130.0), 60.0, 0)
    assert frame.patch.shape == (FRAME_ACROSS, round(320 * FRAME / 60))
    assert frame.patch.max() == pytest.approx(1.0, abs=0.05)
    back = to_working(frame, frame.patch)
    x0, y0, x1, y1 = frame.box
    assert back.shape == (y1 - y0, x1 - x0)
    row = int(np.argmax(back.sum(axis=1)))
    assert abs(y0 + row - 100) <= 2


def test_a_column_is_turned_to_run_along_the_frame() -> None:
    ink = np.zeros((400, 200), np.uint8)
    cv2.line(ink, (100, 50), (100, 350), 255, 5)
    frame = line_frame(ink, (70.0, 40.0, 130.0, 360.0), 60.0, 1)
    assert frame.patch.shape[0] == FRAME_ACROSS and frame.patch.shape[1] > FRAME_ACROSS
    back = to_working(frame, frame.patch)
    assert back.shape == (frame.box[3] - frame.box[1], frame.box[2] - frame.box[0])
    assert abs(frame.box[0] + int(np.argmax(back.sum(axis=0))) - 100) <= 2


def test_a_frame_reaching_past_the_picture_is_padded_with_paper() -> None:
    ink = np.full((30, 100), 255, np.uint8)
    frame = line_frame(ink, (0.0, 0.0, 100.0, 30.0), 60.0, 0)  # 60 across: past both edges
    assert frame.patch.shape[0] == FRAME_ACROSS
    assert frame.patch[0].max() == 0.0 and frame.patch[-1].max() == 0.0


def _slanted_meeting() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A block of ink, a slanted line marked as a meeting across it, and that line's column per row."""
    own = np.ones((30, 60), bool)
    marked = np.zeros((30, 60), np.uint8)
    cv2.line(marked, (20, 0), (35, 29), 1, 2)
    middle = np.array([np.nonzero(row)[0].mean() for row in marked])
    return own, marked.astype(np.float32) * 0.9, middle


def test_a_seam_follows_the_ink_marked_as_a_meeting() -> None:
    own, meet, middle = _slanted_meeting()
    guided = _seams(own, 60.0, meet)
    assert any(np.abs(seam - middle).max() <= 4 for seam in guided)
    assert not any(np.abs(seam - middle).max() <= 4 for seam in _seams(own, 60.0))


def test_seams_are_the_same_when_nothing_is_marked() -> None:
    own, meet, _ = _slanted_meeting()
    plain = _seams(own, 60.0)
    unmarked = _seams(own, 60.0, np.zeros_like(meet))
    assert len(plain) == len(unmarked) and all((a == b).all() for a, b in zip(plain, unmarked))


def test_contacts_outside_the_lines_window_are_false() -> None:
    mask = np.ones((10, 20), bool)
    found = Contacts(mask, (100, 50)).at((95, 45, 10, 10))
    assert found.shape == (10, 10)
    assert not found[:5].any() and not found[:, :5].any() and found[5:, 5:].all()


def test_the_picture_path_reads_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.picture import segment_picture

    picture = np.full((80, 300), 255, np.uint8)
    for x in (20, 110, 200):
        cv2.rectangle(picture, (x, 20), (x + 30, 60), 0, -1)
    monkeypatch.setattr(contacts, "MODEL_PATH", contacts.MODEL_PATH.with_name("absent.tflite"))
    contacts.bundled_model.cache_clear()
    try:
        segmented = segment_picture(picture, "horizontal")
    finally:
        contacts.bundled_model.cache_clear()
    assert len(segmented.lines) == 1 and len(segmented.lines[0].pieces) == 3


def test_the_bundled_network_loads_and_reads_a_frame_of_any_length() -> None:
    contacts.bundled_model.cache_clear()
    model = contacts.bundled_model()
    assert model is not None, "resources/contacts/contacts.tflite is missing from the package"
    ink = np.zeros((120, 500), np.uint8)
    cv2.putText(ink, "mojiyomi", (10, 85), cv2.FONT_HERSHEY_SIMPLEX, 2.4, 255, 6)
    for length in (500, 333):
        frame = line_frame(ink[:, :length], (0.0, 20.0, float(length), 100.0), 80.0, 0)
        prob = model.predict(frame)
        assert prob.shape == frame.patch.shape
        assert np.isfinite(prob).all() and prob.min() >= 0.0 and prob.max() <= 1.0


def test_where_two_characters_meet_is_the_ink_between_their_owners() -> None:
    from training.contacts import meetings
    from training.synth import paper

    image = np.full((60, 120), 255, np.uint8)
    left = [np.array([[10.0, 30.0], [60.0, 30.0]])]  # a stroke of the first character
    right = [np.array([[60.0, 30.0], [110.0, 30.0]])]  # the next one's, continuing it
    picture = paper.Picture(image, (), "一一", (tuple(left), tuple(right)))
    ink = np.zeros((60, 120), bool)
    ink[28:33, 10:111] = True
    inverse = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    meet = meetings(picture, inverse, ink)
    assert meet is not None and meet.shape == ink.shape
    columns = np.nonzero(meet.any(axis=0))[0]
    assert columns.min() >= 57 and columns.max() <= 63  # at the join only
    assert not meet[~ink].any()


@pytest.mark.slow
def test_the_network_is_made_from_generated_lines(tmp_path: Path) -> None:
    from training import contacts as training

    data, out = tmp_path / "data", tmp_path / "model"
    assert training.main(["generate", "--lines", "6", "--out", str(data)]) == 0
    assert training.main(["train", "--data", str(data), "--epochs", "1", "--out", str(out)]) == 0
    assert (out / "contacts.tflite").stat().st_size > 10_000
    # Half the lines not of digits are running text: wordfreq is credited beside KanjiVG.
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["data_manifest"]["text_share"] == training.TEXT_SHARE > 0
    assert "KanjiVG" in metadata["attribution"] and "wordfreq" in metadata["attribution"]
    frame = line_frame(np.zeros((40, 200), np.uint8), (0.0, 0.0, 200.0, 40.0), 40.0, 0)
    assert contacts.ContactModel(out / "contacts.tflite").predict(frame).shape == frame.patch.shape


def test_the_network_credits_its_data_and_a_broken_file_credits_nothing(tmp_path: Path) -> None:
    assert "KanjiVG" in contacts.contacts_credit() and "CC BY-SA" in contacts.contacts_credit()
    # Half its lines not of digits are running text, their characters chosen by wordfreq's word frequencies.
    assert "wordfreq" in contacts.contacts_credit()
    broken = tmp_path / "metadata.json"
    broken.write_text("{not json", encoding="utf-8")
    assert contacts.contacts_credit(broken) == "" and contacts.contacts_credit(tmp_path / "absent.json") == ""


def test_the_training_commands_refuse_bad_input_in_one_line_and_write_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from training import contacts as training

    out = tmp_path / "out"
    assert training.main(["generate", "--lines", "0", "--out", str(out)]) == 2
    assert training.main(["train", "--data", str(tmp_path / "absent"), "--out", str(out)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: need") for line in errors)
    assert not out.exists()


@pytest.mark.parametrize("module", ["contacts", "runcheck"])
def test_generating_without_wordfreq_is_refused_in_one_line_and_writes_nothing(
        module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    from core.errors import DatasetError
    from training import contacts as training_contacts

    def missing(classes: frozenset[str]) -> None:
        raise DatasetError("Lines of running text need wordfreq: pip install 'mojiyomi[lm]'.")

    # Both networks draw half their lines not of digits as running text, from wordfreq's list.
    monkeypatch.setattr(training_contacts, "_word_table", missing)
    out = tmp_path / "out"
    assert importlib.import_module(f"training.{module}").main(["generate", "--lines", "4", "--out", str(out)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: Lines of running text need wordfreq")
    assert not out.exists()


def test_lines_of_running_text_draw_words_by_how_often_they_are_written() -> None:
    pytest.importorskip("wordfreq")
    from training.contacts import line_jobs, text_chars

    classes = frozenset("のにてはがをしたでとなかもるいうこれすまあ日本人時間")
    rng = np.random.default_rng(3)
    lines = ["".join(text_chars(8, classes, rng)) for _ in range(300)]
    assert all(len(line) == 8 and set(line) <= classes for line in lines)
    written = "".join(lines)
    # Particles are most of running text; 間 (in few of wordfreq's words of these classes) is rare.
    assert written.count("の") > 5 * max(1, written.count("間"))
    assert any("して" in line or "これ" in line or "ます" in line for line in lines)
    # Drawn alike from the classes, two hiragana seldom stand side by side; in running text, often.
    from core.charclass import char_kind

    def hiragana_pairs(text_share: float) -> float:
        lines = [job.chars(np.random.default_rng(job.seed)) for job in line_jobs(300, 1, text_share)]
        assert all(3 <= len(chars) <= 8 for chars in lines)
        pairs = [(a, b) for chars in lines for a, b in zip(chars, chars[1:])]
        return sum(char_kind(a) == char_kind(b) == "hiragana" for a, b in pairs) / len(pairs)

    assert hiragana_pairs(1.0) > 3 * hiragana_pairs(0.0)
    assert line_jobs(3, 1)[0].text_share == 0.0
