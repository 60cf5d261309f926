"""The training-data generator: KanjiVG strokes, perturbations, fonts, and the NPZ it writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from core.errors import DatasetError, InputError
from core.ink import Ink
from core.preprocess import Preprocessing, preprocess_ink

# svg.path and kanjivg are declared test dependencies: their absence fails the run.
from training.synth import kanjivg
from training.synth.perturb import CLEAN, Perturbation, perturb

SPEC = Preprocessing(size=32, box=23)
#: Folders likely to hold one Japanese font each; scanning all of /usr/share/fonts takes ~20 s.
FONT_CANDIDATES = ("/usr/share/fonts/opentype/ipaexfont-gothic", "/usr/share/fonts/truetype/klee",
                   "/usr/share/fonts/truetype/droid", "/usr/share/fonts/opentype/noto")


@pytest.fixture(scope="module")
def strokes_available() -> None:
    assert kanjivg.has_strokes("字"), "the kanjivg package holds no strokes for 字"


@pytest.fixture(scope="module")
def font_dirs() -> tuple[str, ...]:
    from training.synth.fonts import find_fonts

    for folder in FONT_CANDIDATES:
        if os.path.isdir(folder) and find_fonts((folder,)):
            return (folder,)
    pytest.skip("no Japanese font installed (apt-get install fonts-ipaexfont-gothic)")


def test_kanjivg_strokes_in_order(strokes_available: None) -> None:
    assert len(kanjivg.load_strokes("字")) == 6 and len(kanjivg.load_strokes("あ")) == 3
    assert len(kanjivg.load_strokes("1")) == 1 and len(kanjivg.load_strokes("書")) == 10
    first, last = kanjivg.load_strokes("字")[0], kanjivg.load_strokes("字")[-1]
    # 宀's first stroke is the short dot on top; 子's last the long horizontal bar.
    assert np.ptp(first[:, 1]) > np.ptp(first[:, 0]) and first[:, 1].max() < 30
    assert np.ptp(last[:, 0]) > 60 and np.ptp(last[:, 1]) < 10
    for stroke in kanjivg.load_strokes("字"):
        assert stroke.shape[1] == 2 and 0 <= stroke.min() and stroke.max() <= kanjivg.BOX
        steps = np.hypot(*np.diff(stroke, axis=0).T)
        assert steps.max() < 2.2 and steps.min() > 1.0  # evenly spaced along the path


def test_kanjivg_forms_and_missing(strokes_available: None) -> None:
    assert kanjivg.forms("字") == (None, "Kaisho") and kanjivg.forms("あ") == (None,)
    assert len(kanjivg.load_strokes("字", "Kaisho")) == 6
    assert not kanjivg.has_strokes("\U0001F600")
    with pytest.raises(DatasetError, match="U\\+1F600"):
        kanjivg.load_strokes("\U0001F600")


def test_perturbation_is_seeded_and_varies(strokes_available: None) -> None:
    strokes = kanjivg.load_strokes("書")
    a = perturb(strokes, np.random.default_rng(3))
    b = perturb(strokes, np.random.default_rng(3))
    c = perturb(strokes, np.random.default_rng(4))
    assert all(np.array_equal(x, y) for x, y in zip(a.strokes, b.strokes)) and len(a.strokes) == len(b.strokes)
    pictures = [preprocess_ink(ink, SPEC) for ink in (a, c)]
    assert np.abs(pictures[0] - pictures[1]).mean() > 5
    assert a.has_pressure and not a.is_empty and 1 <= len(a.strokes) <= 10


def test_perturbed_ink_stays_close_to_the_character(strokes_available: None) -> None:
    strokes = kanjivg.load_strokes("字")
    clean = perturb(strokes, np.random.default_rng(0), CLEAN)
    raw = Ink(tuple(np.column_stack([s, np.full((len(s), 2), np.nan)]) for s in strokes), 109, 109)

    def correlation(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.corrcoef(x.ravel(), y.ravel())[0, 1])

    # Without perturbation only the pen pressure profile differs from the plain strokes.
    assert correlation(preprocess_ink(clean, SPEC), preprocess_ink(raw, SPEC)) > 0.9
    reference = preprocess_ink(clean, SPEC)
    other = preprocess_ink(perturb(kanjivg.load_strokes("あ"), np.random.default_rng(0), CLEAN), SPEC)
    rng = np.random.default_rng(1)
    samples = [preprocess_ink(perturb(strokes, rng), SPEC) for _ in range(20)]
    # A perturbed 字 looks more like a clean 字 than a clean あ does, on average.
    assert np.mean([correlation(s, reference) for s in samples]) > correlation(other, reference)


def test_perturbation_rejects_impossible_settings() -> None:
    with pytest.raises(ValueError, match="join"):
        Perturbation(join=1.5)


def test_generate_writes_a_dataset_training_reads(tmp_path: Path, strokes_available: None) -> None:
    from training.datasets import read_samples
    from training.synth.generate import generate

    path = generate(list("あ字\U0001F600"), 5, SPEC, seed=1, out=tmp_path, sources=("kanjivg",), workers=1)
    assert path == tmp_path / "synth.npz"
    with np.load(path) as data:
        assert data["x"].shape == (10, 32, 32, 1) and data["x"].dtype == np.uint8
        assert data["y"].tolist() == ["あ"] * 5 + ["字"] * 5
    samples = read_samples(path, SPEC)
    assert len(samples) == 10 and sorted(set(samples.y.tolist())) == ["あ", "字"]
    assert samples.x.max() > 200 and (samples.x[:, :, :, 0] > 8).mean() > 0.05
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing"] == "\U0001F600" and manifest["classes"] == "あ字" and "KanjiVG" in manifest["attribution"]


def test_generate_is_deterministic_across_workers_and_shards(tmp_path: Path, strokes_available: None) -> None:
    from training.synth.generate import SynthOptions, generate

    one = generate(list("一二三"), 4, SPEC, seed=7, out=tmp_path / "a", sources=("kanjivg",), workers=1)
    options = SynthOptions(shard_samples=4)
    two = generate(list("一二三"), 4, SPEC, seed=7, out=tmp_path / "b", sources=("kanjivg",), workers=2,
                   options=options)
    assert len(list((tmp_path / "b" / "shards").glob("part-*.npz"))) == 3
    with np.load(one) as a, np.load(two) as b:
        assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["y"], b["y"])
    other = generate(list("一二三"), 4, SPEC, seed=8, out=tmp_path / "c", sources=("kanjivg",), workers=1)
    with np.load(one) as a, np.load(other) as c:
        assert not np.array_equal(a["x"], c["x"])


def test_generate_rejects_bad_requests(tmp_path: Path, strokes_available: None) -> None:
    from training.synth.generate import generate

    with pytest.raises(DatasetError, match="per_class=0"):
        generate(["字"], 0, SPEC, seed=1, out=tmp_path, sources=("kanjivg",), workers=1)
    with pytest.raises(DatasetError, match="None of the 1 classes"):
        generate(["\U0001F600"], 3, SPEC, seed=1, out=tmp_path, sources=("kanjivg",), workers=1)
    with pytest.raises(ValueError, match="sources"):
        generate(["字"], 3, SPEC, seed=1, out=tmp_path, sources=("photos",), workers=1)


def test_font_glyphs_become_normalized_samples(font_dirs: tuple[str, ...]) -> None:
    from training.synth.fonts import covers, find_fonts, font_sample

    face = find_fonts(font_dirs)[0]
    assert covers(face, "字") and not covers(face, "\U0001F600")
    rng = np.random.default_rng(0)
    a, b = font_sample(face, "字", rng, SPEC), font_sample(face, "字", rng, SPEC)
    assert a is not None and b is not None and a.shape == (32, 32, 1) and a.max() > 200
    assert np.abs(a - b).mean() > 2  # augmented differently each time
    assert font_sample(face, "字", np.random.default_rng(5), SPEC).tolist() == \
        font_sample(face, "字", np.random.default_rng(5), SPEC).tolist()
    with pytest.raises(DatasetError, match="no glyph"):
        font_sample(face, "\U0001F600", rng, SPEC)


def test_generate_mixes_fonts_and_strokes(tmp_path: Path, font_dirs: tuple[str, ...],
                                          strokes_available: None) -> None:
    from training.synth.generate import SynthOptions, generate

    options = SynthOptions(font_share=0.5, font_dirs=font_dirs)
    # 〒 is in the fonts but not in KanjiVG: it can only come from a font.
    path = generate(list("字〒"), 6, SPEC, seed=1, out=tmp_path / "mix", workers=1, options=options)
    strokes_only = generate(list("字〒"), 6, SPEC, seed=1, out=tmp_path / "ink", sources=("kanjivg",), workers=1)
    with np.load(path) as mixed, np.load(strokes_only) as ink:
        assert mixed["y"].tolist() == ["字"] * 6 + ["〒"] * 6 and ink["y"].tolist() == ["字"] * 6
        assert mixed["x"].shape == (12, 32, 32, 1) and all(x.max() > 200 for x in mixed["x"])
    manifest = json.loads((tmp_path / "mix" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fonts"] and manifest["missing"] == ""


def test_merge_streams_shards_into_one_npz(tmp_path: Path) -> None:
    from training.synth.shards import merge_shards, write_shard

    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 255, (n, 8, 8, 1), dtype=np.uint8) for n in (3, 2))
    write_shard(tmp_path / "a.npz", a, np.array(list("あいう")))
    write_shard(tmp_path / "b.npz", b, np.array(list("字字")))
    merged = merge_shards([tmp_path / "a.npz", tmp_path / "b.npz"], tmp_path / "all.npz")
    with np.load(merged) as data:
        assert np.array_equal(data["x"], np.concatenate([a, b])) and data["y"].tolist() == list("あいう字字")
    write_shard(tmp_path / "c.npz", rng.integers(0, 255, (1, 9, 9, 1), dtype=np.uint8), np.array(["x"]))
    with pytest.raises(DatasetError, match="different sizes"):
        merge_shards([tmp_path / "a.npz", tmp_path / "c.npz"], tmp_path / "bad.npz")
    with pytest.raises(DatasetError, match="uint8"):
        write_shard(tmp_path / "d.npz", a.astype(np.float32), np.array(list("あいう")))


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], strokes_available: None) -> None:
    from training.synth.generate import main

    assert main(["--classes", "あい", "--per-class", "3", "--size", "28", "--sources", "kanjivg",
                 "--workers", "1", "--out", str(tmp_path)]) == 0
    assert "6 samples of 2 classes" in capsys.readouterr().out
    with np.load(tmp_path / "synth.npz") as data:
        assert data["x"].shape == (6, 28, 28, 1)
    assert main(["--classes", "あ", "--sources", "photos", "--out", str(tmp_path)]) == 2
    assert "sources" in capsys.readouterr().err


# --- issue 15: the coverage classes' sources --------------------------------------------

MNIST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
SPEC40 = Preprocessing(size=40, box=32, stroke_ratio=0.07)


def _ink_box(sample: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(sample[:, :, 0] > 8)
    return int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())


def test_every_coverage_class_has_strokes_without_fonts(strokes_available: None) -> None:
    from core.charsets import coverage_classes
    from training.synth.sources import STROKE_SOURCES, stroke_sources

    assert [c for c in coverage_classes() if not stroke_sources(c, STROKE_SOURCES)] == []
    # Level-2 and the jōyō/jinmeiyō kanji outside JIS come from KanjiVG; marks it lacks from the templates.
    assert stroke_sources("嶋", STROKE_SOURCES) == ("kanjivg",) and stroke_sources("𠮟", STROKE_SOURCES) == ("kanjivg",)
    assert stroke_sources("〒", STROKE_SOURCES) == ("symbols",) and stroke_sources("「", STROKE_SOURCES) == ("symbols",)
    assert stroke_sources("a", STROKE_SOURCES) == ("kanjivg", "hershey")
    assert stroke_sources("%", STROKE_SOURCES) == ("hershey", "symbols")


def test_hershey_glyphs_are_strokes_in_the_kanjivg_box() -> None:
    from training.synth import hershey

    assert hershey.faces_for("A") == ("futural",)  # the script capitals are too ornate
    assert hershey.faces_for("a") == ("futural", "scripts") and hershey.faces_for("〜") == ("futural", "scripts")
    assert hershey.faces_for("あ") == () and not hershey.has_glyph("「")
    strokes = hershey.load_glyph("A", "futural")
    assert len(strokes) == 3  # two slants and the bar
    every = np.concatenate(strokes)
    assert np.ptp(every, axis=0).max() == pytest.approx(hershey.EXTENT, abs=0.5)
    assert every.min() > 0 and every.max() < hershey.BOX
    apex = strokes[0][np.argmin(strokes[0][:, 1])]
    assert abs(apex[0] - hershey.BOX / 2) < 3  # y grows downwards: the apex is on top, in the middle
    with pytest.raises(DatasetError, match="No Hershey glyph"):
        hershey.load_glyph("あ", "futural")


def test_symbol_templates_are_classes_and_look_like_their_marks() -> None:
    from core.charsets import coverage_classes
    from training.synth.symbols import TEMPLATES, load_template

    assert set(TEMPLATES) <= set(coverage_classes())
    picture = preprocess_ink(perturb(load_template("□"), np.random.default_rng(0), CLEAN), SPEC40)[:, :, 0]
    top, bottom, left, right = _ink_box(picture[:, :, None])
    assert picture[(top + bottom) // 2, (left + right) // 2] < 8  # a square is hollow
    minus = preprocess_ink(perturb(load_template("-"), np.random.default_rng(0), CLEAN), SPEC40)
    top, bottom, left, right = _ink_box(minus)
    assert right - left >= 30 and bottom - top <= 6


def test_generate_makes_each_new_kind_of_class(tmp_path: Path, strokes_available: None) -> None:
    from training.synth.generate import SynthOptions, generate

    chars = "嶋𠮟Ag〒「%〜"  # level 2, outside JIS, Latin (KanjiVG + Hershey), templates, Hershey + templates
    options = SynthOptions(picture_share=0.5)
    path = generate(list(chars), 4, SPEC40, seed=3, out=tmp_path, sources=("kanjivg", "hershey", "symbols"),
                    workers=1, options=options)
    with np.load(path) as data:
        assert data["y"].tolist() == [c for c in chars for _ in range(4)]
        assert data["x"].shape == (32, 40, 40, 1) and all(x.max() > 200 for x in data["x"])
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing"] == "" and "Hershey" in manifest["attribution"] and "KanjiVG" in manifest["attribution"]


def test_picture_samples_are_read_through_the_apps_path_and_never_blobs(strokes_available: None) -> None:
    from training.synth.sources import picture_sample, solid_share, stroke_sample

    rng = np.random.default_rng(1)
    samples = [stroke_sample("字", ("kanjivg",), rng, SPEC40, 0.3, Perturbation(), 1.0) for _ in range(12)]
    assert all(s.shape == (40, 40, 1) and s.max() > 200 for s in samples)
    assert max(solid_share(s) for s in samples) <= 0.1
    blob = np.zeros((40, 40, 1), np.float32)
    blob[8:32, 8:32] = 255
    assert solid_share(blob) > 0.2
    ink = perturb(kanjivg.load_strokes("字"), np.random.default_rng(2))
    read = []
    for seed in range(8):  # some pictures the app's cleaning cannot read (InputError): those are skipped
        try:
            read.append((seed, picture_sample(ink, "字", np.random.default_rng(seed), SPEC40)))
        except InputError:
            pass
    assert len(read) >= 4
    seed, first = read[0]
    assert np.array_equal(first, picture_sample(ink, "字", np.random.default_rng(seed), SPEC40))


@pytest.fixture(scope="module")
def mnist_dir() -> str:
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("../shared/data/mnist is not here")
    return str(MNIST_DIR)


def test_mnist_digits_are_normalized_like_canvas_ink(mnist_dir: str, strokes_available: None) -> None:
    from core.inputs import to_model_input
    from training.synth.mnist import digits_by_class, mnist_sample

    pool = digits_by_class(mnist_dir)
    assert sorted(pool) == list("0123456789") and sum(len(v) for v in pool.values()) == 60000  # the train split
    as_picture = mnist_sample(mnist_dir, "7", np.random.default_rng(0), SPEC40, canvas_like=False)
    digit = pool["7"][np.random.default_rng(0).integers(len(pool["7"]))]
    assert np.array_equal(as_picture, to_model_input(digit, SPEC40))  # exactly what the app reads
    ink = preprocess_ink(perturb(kanjivg.load_strokes("7"), np.random.default_rng(0)), SPEC40)
    for canvas_like in (False, True):
        sample = mnist_sample(mnist_dir, "7", np.random.default_rng(4), SPEC40, canvas_like)
        top, bottom, left, right = _ink_box(sample)
        assert max(bottom - top, right - left) + 1 in (SPEC40.box, SPEC40.box + 1)  # fills the box like ink
        assert abs((top + bottom) / 2 - 19.5) <= 1 and abs((left + right) / 2 - 19.5) <= 1  # centred
    # Brought to the canvas's pen, a digit has about as much ink as a canvas-drawn 7.
    thick = np.mean([(mnist_sample(mnist_dir, "1", np.random.default_rng(i), SPEC40, False) > 64).mean()
                     for i in range(20)])
    thin = np.mean([(mnist_sample(mnist_dir, "1", np.random.default_rng(i), SPEC40, True) > 64).mean()
                    for i in range(20)])
    assert thin < 0.8 * thick and (ink > 64).mean() < 2 * thin


def test_generate_takes_digits_from_mnist(tmp_path: Path, mnist_dir: str, strokes_available: None) -> None:
    from training.synth.generate import SynthOptions, generate
    from training.synth.mnist import digits_by_class

    options = SynthOptions(mnist_share=1.0, mnist_dir=mnist_dir)
    path = generate(["3"], 6, SPEC40, seed=1, out=tmp_path, sources=("mnist", "hershey"), workers=1, options=options)
    with np.load(path) as data:
        assert data["y"].tolist() == ["3"] * 6
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert "MNIST" in manifest["attribution"]
    assert len(digits_by_class(mnist_dir)["3"]) > 5000
    with pytest.raises(DatasetError, match="does not exist"):
        generate(["3"], 2, SPEC40, seed=1, out=tmp_path / "x", sources=("mnist",), workers=1,
                 options=SynthOptions(mnist_dir=str(tmp_path / "nowhere")))


def test_command_line_coverage_classes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       strokes_available: None) -> None:
    from training.synth.generate import class_set, main

    assert len(class_set("coverage")) == 6636
    assert main(["--classes", "A〒嶋", "--per-class", "2", "--size", "40", "--box", "32", "--sources",
                 "kanjivg,hershey,symbols", "--picture-share", "0.5", "--workers", "1", "--out", str(tmp_path)]) == 0
    assert "6 samples of 3 classes" in capsys.readouterr().out
    assert main(["--classes", "A", "--picture-share", "2", "--out", str(tmp_path)]) == 2
    assert "picture_share=2" in capsys.readouterr().err


def test_generate_resumes_an_interrupted_run(tmp_path: Path, strokes_available: None) -> None:
    """A run killed after some shards resumes with the rest; the result equals an uninterrupted run's."""
    from training.synth.generate import SynthOptions, generate

    options = SynthOptions(shard_samples=4)
    chars = list("一二三四五")
    whole = generate(chars, 4, SPEC, seed=7, out=tmp_path / "whole", sources=("kanjivg",), workers=1, options=options, merge=True)
    shards = generate(chars, 4, SPEC, seed=7, out=tmp_path / "cut", sources=("kanjivg",), workers=1, options=options, merge=False)
    parts = sorted(shards.glob("part-*.npz"))
    assert len(parts) == 5
    for part in parts[2:]:  # killed after two shards
        part.unlink()
    resumed = generate(chars, 4, SPEC, seed=7, out=tmp_path / "cut", sources=("kanjivg",), workers=1, options=options, resume=True)
    with np.load(whole) as a, np.load(resumed) as b:
        assert a["y"].tolist() == b["y"].tolist()
        assert np.array_equal(a["x"], b["x"])
    with pytest.raises(DatasetError, match="other arguments"):
        generate(chars, 4, SPEC, seed=8, out=tmp_path / "cut", sources=("kanjivg",), workers=1, options=options, resume=True)


def test_coverage_japanese_is_the_coverage_set_less_digits_latin_and_marks() -> None:
    """The class set the picture and cut-out sets of stage 2 are drawn for, named in their commands."""
    from core.charsets import DIGITS, LATIN, PUNCTUATION, coverage_classes
    from training.synth.generate import class_set

    japanese = class_set("coverage-japanese")
    rest = [c for c in coverage_classes() if c not in japanese]
    assert len(japanese) == 6549 and japanese == [c for c in coverage_classes() if c in set(japanese)]
    # 〆 and 〇 are kanji and ・ katakana to char_kind, though core.charsets lists them with the marks.
    assert set(rest) == (set(DIGITS) | set(LATIN) | set(PUNCTUATION)) - set("〆〇・")
    assert {"ー", "々", "〆", "〇", "・"} <= set(japanese)


def test_picture_samples_take_every_look_of_the_paper() -> None:
    """Training pictures are drawn in every style the benchmark and users' photos have (ruled
    paper and a sheet on a desk included), and the cut-outs' pixel owners are only read from the
    laid-out strokes on looks without a turn or a camera."""
    from training.synth import paper
    from training.synth.cutouts import Line, _flat
    from training.synth.sources import PICTURE_STYLES

    assert set(PICTURE_STYLES) == set(paper.STYLES)
    assert abs(sum(PICTURE_STYLES.values()) - 1.0) < 1e-9
    flat = {style for style in paper.STYLES
            if _flat(Line((), None, None, "horizontal", style, "touching", None))}  # type: ignore[arg-type]
    assert flat == {"clean", "uneven", "jpeg", "ruled"}
