"""The run check (``core.runcheck``): is a run of pieces one whole character, in its line?"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from core import runcheck
from core.bundle import resolve_model
from core.decode import DecodeConfig, run_spans
from core.runcheck import ACROSS, ALONG, run_window
from tests.test_decode import pieces_in_a_row, run_decoder


def test_runs_are_labelled_whole_merged_or_part_by_who_owns_their_pieces() -> None:
    from training.runcheck import KINDS, label_runs

    # Member ids 1 and 2 are the first character's (2 a small part of it), 3 the second's,
    # 4 a speck mostly the second's, with a little of the first.
    counts = np.array([[0, 0], [80, 0], [20, 0], [0, 90], [1, 9]], float)
    runs = [(1, 2), (1,), (2,), (3, 4), (2, 3), (1, 2, 3, 4), (3,)]
    kinds = [None if k is None else KINDS[k] for k in label_runs(counts, runs)]
    # (2,) misses 80% of its character: a part. (3,) misses a tenth of its own: left out.
    assert kinds == ["whole", "part", "part", "whole", "merged", "merged", None]


def test_a_window_shows_the_run_alone_and_in_its_line() -> None:
    ink = np.zeros((100, 400), np.uint8)
    labels = np.zeros((100, 400), np.int32)
    for i, x in enumerate((60, 140, 220)):  # three blocks of a line 60 pixels high, 20 apart
        ink[20:80, x:x + 60] = 255
        labels[20:80, x:x + 60] = i + 1
    window = run_window(ink, labels, (2,), (140.0, 20.0, 200.0, 80.0), 50.0, 60.0, 0)
    assert window.shape == (ACROSS, ALONG, 2) and window.dtype == np.uint8
    own, around = window[..., 0] > 127, window[..., 1] > 127
    columns = np.nonzero(own.any(axis=0))[0]
    assert (own <= around).all() and own.any()
    assert around[:, :columns.min() - 2].any() and around[:, columns.max() + 2:].any()  # both neighbours
    assert abs((columns.min() + columns.max()) / 2 - ALONG / 2) <= 1  # centred along the line
    rows = np.nonzero(own.any(axis=1))[0]
    assert abs((rows.max() - rows.min() + 1) - ACROSS * 32 / 40) <= 2  # the line's size is 32 pixels
    # A column is turned to run along the window, as a line does.
    turned = run_window(np.ascontiguousarray(ink.T), np.ascontiguousarray(labels.T), (2,), (20.0, 140.0, 80.0, 200.0),
                        50.0, 60.0, 1)
    assert np.array_equal(turned, window)


def test_a_run_longer_than_the_window_is_squeezed_into_it_whole() -> None:
    ink = np.zeros((100, 600), np.uint8)
    labels = np.zeros((100, 600), np.int32)
    ink[20:80, 50:550] = 255
    labels[20:80, 50:550] = 1
    window = run_window(ink, labels, (1,), (50.0, 20.0, 550.0, 80.0), 50.0, 60.0, 0)
    columns = np.nonzero((window[..., 0] > 127).any(axis=0))[0]
    assert columns.min() > 0 and columns.max() < ALONG - 1


def _line_of_strokes(size: int) -> tuple[np.ndarray, np.ndarray, list]:
    """Ink, piece labels and pieces of a row of five characters of strokes ``size`` pixels high."""
    from core.decode import Piece

    rng = np.random.default_rng(5)
    ink = np.zeros((size * 2, size * 7), np.uint8)
    labels = np.zeros(ink.shape, np.int32)
    pieces = []
    for i in range(5):
        x0, y0 = int(size * (0.5 + 1.2 * i)), size // 2
        part = np.zeros(ink.shape, np.uint8)
        for _ in range(4):
            a = (x0 + int(rng.integers(0, size)), y0 + int(rng.integers(0, size)))
            b = (x0 + int(rng.integers(0, size)), y0 + int(rng.integers(0, size)))
            cv2.line(part, a, b, 255, max(2, size // 15))
        ink = np.maximum(ink, part)
        labels[part > 0] = i + 1
        ys, xs = np.nonzero(part)
        pieces.append(Piece((i + 1,), (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))))
    return ink, labels, pieces


@pytest.mark.parametrize("along", [0, 1])
def test_a_large_line_s_windows_are_drawn_from_it_shrunk_once_as_each_would_be_alone(along: int) -> None:
    from core.runcheck import line_windows

    ink, labels, pieces = _line_of_strokes(120)  # shrunk by 3 first
    if along:
        ink, labels = np.ascontiguousarray(ink.T), np.ascontiguousarray(labels.T)
        pieces = [replace(p, box=(p.box[1], p.box[0], p.box[3], p.box[2])) for p in pieces]
    runs = [((i + 1,), pieces[i].box) for i in range(5)]
    runs += [((i + 1, i + 2), (pieces[i].box[0], min(pieces[i].box[1], pieces[i + 1].box[1]),
                               pieces[i + 1].box[2], max(pieces[i].box[3], pieces[i + 1].box[3])))
             if along == 0 else
             ((i + 1, i + 2), (min(pieces[i].box[0], pieces[i + 1].box[0]), pieces[i].box[1],
                               max(pieces[i].box[2], pieces[i + 1].box[2]), pieces[i + 1].box[3]))
             for i in range(4)]
    drawn = line_windows(ink, labels, pieces, 120.0, along, runs)
    boxes = [p.box for p in pieces]
    centre = (min(b[1 - along] for b in boxes) + max(b[3 - along] for b in boxes)) / 2
    alone = np.stack([run_window(ink, labels, members, box, centre, 120.0, along) for members, box in runs])
    assert drawn.shape == alone.shape == (9, ACROSS, ALONG, 2) and drawn.dtype == np.uint8
    difference = np.abs(drawn.astype(int) - alone.astype(int))
    assert difference.mean() < 3 and np.percentile(difference, 99) < 60
    # Each run's own ink is where it is alone, and nowhere else.
    for got, want in zip(drawn, alone):
        assert abs(int((got[..., 0] > 127).sum()) - int((want[..., 0] > 127).sum())) <= 0.1 * (want[..., 0] > 127).sum()
    # A box of no width (nothing a run holds) gives a window of the line around it, as alone.
    flat = line_windows(ink, labels, pieces, 120.0, along, [((1,), (300.0, 300.0, 300.0, 300.0))])
    assert flat.shape == (1, ACROSS, ALONG, 2)


def test_a_small_line_s_windows_are_each_run_s_own() -> None:
    from core.runcheck import line_windows

    ink, labels, pieces = _line_of_strokes(50)  # under twice the network's line size: not shrunk
    runs = [((i + 1,), pieces[i].box) for i in range(5)]
    centre = (min(p.box[1] for p in pieces) + max(p.box[3] for p in pieces)) / 2
    alone = np.stack([run_window(ink, labels, members, box, centre, 50.0, 0) for members, box in runs])
    assert np.array_equal(line_windows(ink, labels, pieces, 50.0, 0, runs), alone)


def test_the_decoder_weighs_the_check_and_leaves_it_out_at_weight_zero() -> None:
    """日 pressed into 月 reads as one confident 明; a check that calls the pair two characters
    splits it, with the weight the config gives it."""
    pieces = pieces_in_a_row([60, 45], [-20])
    table = {(0,): {"日": 0.9}, (1,): {"月": 0.6}, (0, 1): {"明": 0.97}}
    asked: list[tuple[int, ...]] = []

    def check(runs):  # noqa: ANN001, ANN202
        asked.extend(members for members, _ in runs)
        return np.array([np.log(0.02) if len(members) > 1 else np.log(0.9) for members, _ in runs])

    plain, _ = run_decoder(table, pieces)
    assert plain.text == "明"
    assert run_decoder(table, pieces, check=check)[0].text == "明" and not asked  # weight 0: not asked
    checked, _ = run_decoder(table, pieces, check=check, config=replace(DecodeConfig(), check_weight=1.0))
    assert checked.text == "日月"
    assert sorted(asked) == [(0,), (0, 1), (1,)]


def test_the_runs_given_are_those_the_decoder_considers() -> None:
    pieces = pieces_in_a_row([60, 45, 50], [-20, 10])
    spans = run_spans(pieces, "horizontal", replace(DecodeConfig(), max_width=1.25), 100.0)
    assert [(start, stop) for start, stop, _, _ in spans] == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]
    assert spans[1][2] == (0, 1) and spans[1][3] == (0.0, 0.0, 85.0, 100.0)


def test_the_bundled_network_loads_and_judges_a_batch() -> None:
    runcheck.bundled_model.cache_clear()
    model = runcheck.bundled_model()
    assert model is not None, "resources/runcheck/runcheck.tflite is missing from the package"
    ink = np.zeros((120, 500), np.uint8)
    cv2.putText(ink, "mojiyomi", (10, 85), cv2.FONT_HERSHEY_SIMPLEX, 2.4, 255, 6)
    labels = (ink > 0).astype(np.int32)
    windows = np.stack([run_window(ink, labels, (1,), (10.0 + x, 30.0, 70.0 + x, 90.0), 60.0, 60.0, 0)
                        for x in (0, 100, 200)])
    logp = model.log_prob(windows)
    assert logp.shape == (3,) and np.isfinite(logp).all() and (logp <= 0).all()
    assert model.log_prob(windows[:0]).shape == (0,)


def test_pictures_are_read_without_the_network_when_it_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.picture import PICTURE_CONFIG, _run_check, read_picture, segment_picture
    from core.recognizer import TFLiteRecognizer

    picture = np.full((100, 260), 255, np.uint8)
    for x in (20, 110, 200):
        cv2.rectangle(picture, (x, 20), (x + 30, 60), 0, 6)
    segmented = segment_picture(picture, "horizontal")
    assert PICTURE_CONFIG.check_weight > 0 and _run_check(segmented, segmented.lines[0]) is not None
    monkeypatch.setattr(runcheck, "MODEL_PATH", runcheck.MODEL_PATH.with_name("absent.tflite"))
    runcheck.bundled_model.cache_clear()
    try:
        assert _run_check(segmented, segmented.lines[0]) is None
        recognizer = TFLiteRecognizer(resolve_model("japanese"))
        assert len(read_picture(picture, recognizer, layout="horizontal").chars) == 3
    finally:
        runcheck.bundled_model.cache_clear()


@pytest.mark.slow
def test_the_network_is_made_from_generated_lines(tmp_path: Path) -> None:
    from training import runcheck as training

    data, out = tmp_path / "data", tmp_path / "model"
    assert training.main(["generate", "--lines", "6", "--out", str(data)]) == 0
    assert training.main(["train", "--data", str(data), "--epochs", "1", "--out", str(out)]) == 0
    assert (out / "runcheck.tflite").stat().st_size > 10_000
    windows = np.zeros((2, ACROSS, ALONG, 2), np.uint8)
    assert runcheck.RunCheckModel(out / "runcheck.tflite").log_prob(windows).shape == (2,)


def test_the_network_credits_its_data_and_a_broken_file_credits_nothing(tmp_path: Path) -> None:
    assert "KanjiVG" in runcheck.runcheck_credit() and "CC BY-SA" in runcheck.runcheck_credit()
    # Half its lines are running text, their characters chosen by wordfreq's word frequencies.
    assert "wordfreq" in runcheck.runcheck_credit()
    broken = tmp_path / "metadata.json"
    broken.write_text("{not json", encoding="utf-8")
    assert runcheck.runcheck_credit(broken) == "" and runcheck.runcheck_credit(tmp_path / "absent.json") == ""


def test_a_float_network_is_written_again_in_int8_and_an_int8_one_is_refused(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from training import runcheck as training
    from training.export import to_tflite

    source, out = tmp_path / "float", tmp_path / "int8"
    source.mkdir()
    (source / "runcheck.tflite").write_bytes(to_tflite(training.runcheck_model()))
    (source / "metadata.json").write_text(json.dumps({"kind": "runcheck"}), encoding="utf-8")
    assert training.main(["requantize", "--source", str(source), "--out", str(out)]) == 0
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["kind"] == "runcheck" and metadata["tflite_format"] == "tflite-dynamic"
    assert metadata["requantized"]["kind_agreement"] >= 0.95 and metadata["requantized"]["max_prob_diff"] < 0.1
    assert (out / "runcheck.tflite").stat().st_size < 0.5 * (source / "runcheck.tflite").stat().st_size
    windows = np.zeros((2, ACROSS, ALONG, 2), np.uint8)
    assert runcheck.RunCheckModel(out / "runcheck.tflite").log_prob(windows).shape == (2,)
    with pytest.raises(ValueError, match="does not fit"):  # its weights are int8 now: not this network in float32
        training.requantize(out, tmp_path / "again", "test")
    assert training.main(["requantize", "--source", str(out), "--out", str(tmp_path / "again")]) == 2
    assert "does not fit" in capsys.readouterr().err and not (tmp_path / "again").exists()
    assert training.main(["requantize", "--source", str(tmp_path / "absent"), "--out", str(out)]) == 2
    assert "Need runcheck.tflite and metadata.json" in capsys.readouterr().err
    (source / "metadata.json").write_text("[1, 2", encoding="utf-8")  # broken: refused before any work
    assert training.main(["requantize", "--source", str(source), "--out", str(tmp_path / "again")]) == 2
    (source / "metadata.json").write_text("[1, 2]", encoding="utf-8")  # not an object
    assert training.main(["requantize", "--source", str(source), "--out", str(tmp_path / "again")]) == 2
    assert capsys.readouterr().err.count("Nothing was written.") == 2 and not (tmp_path / "again").exists()
