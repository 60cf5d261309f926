"""Stage 2 of the coverage model: the digits and Latin sets it is made from, and the whole flow.

The flow of docs/COVERAGE_MODEL.md ("Stage 2: digits, Latin and marks") on a tiny case:
generate a base set and train a model on it, generate a digits set from (an MNIST-like)
MNIST and a Latin set, mix them with a share of the base set for that model, and train
from it (``--init-from``): the model keeps its classes in their order, and a set with a
class the model does not know is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.bundle import load_bundle
from core.inputs import to_model_input
from core.preprocess import Preprocessing
from tests.datagen import write_mnist_like
from training.synth import generate as gen
from training.synth import kanjivg, mnist, samples
from training.synth.generate import SynthOptions, class_set, generate

SPEC = Preprocessing(size=16, box=12, stroke_ratio=0.07)


@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_mnist_like(tmp_path_factory.mktemp("mnist"), n_train=300, n_test=20, seed=3))


def test_digit_order_takes_every_digit_once_before_any_again() -> None:
    order = mnist.digit_order(5421, 6000, np.random.default_rng(0))
    assert len(order) == 6000 and sorted(order[:5421].tolist()) == list(range(5421))
    assert len(set(order[5421:].tolist())) == 579  # the second pass is a fresh draw without repeats
    assert order[:20].tolist() != list(range(20))  # shuffled, not the file's order
    assert len(set(mnist.digit_order(10, 10, np.random.default_rng(1)).tolist())) == 10
    assert len(mnist.digit_order(5, 0, np.random.default_rng(0))) == 0


def test_a_digit_set_takes_each_mnist_digit_once_and_bends_the_ones_taken_again(fake_mnist: str) -> None:
    pool = mnist.digits_by_class(fake_mnist)["4"]
    options = SynthOptions(sources=("mnist",), mnist_share=1.0, mnist_dir=fake_mnist)
    # As many samples as digits: those read as pictures (half) are each a different digit.
    once = samples.render_class("4", len(pool), 1, SPEC, options)
    readings = {to_model_input(d, SPEC).round().clip(0, 255).astype(np.uint8).tobytes(): i
                for i, d in enumerate(pool)}
    matched = [readings[s.tobytes()] for s in once if s.tobytes() in readings]
    assert len(matched) >= len(pool) // 4 and len(set(matched)) == len(matched)
    # Twice as many: every digit is taken again, bent, so no two samples are the same picture.
    twice = samples.render_class("4", 2 * len(pool), 1, SPEC, options)
    assert len({s.tobytes() for s in twice}) == 2 * len(pool)
    bent = mnist.bend(pool[0], np.random.default_rng(0), mnist.REUSE_BEND)
    assert bent.shape == pool[0].shape and not np.array_equal(bent, pool[0])
    assert abs(int(bent.sum()) - int(pool[0].sum())) < 0.2 * int(pool[0].sum())  # turned, not cut off


def test_the_manifest_and_the_command_say_how_many_digits_were_taken_again(
        fake_mnist: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    available = len(mnist.digits_by_class(fake_mnist)["7"])
    assert gen.main(["--classes", "7", "--sources", "mnist", "--mnist-share", "1.0", "--mnist-dir", fake_mnist,
                     "--per-class", str(available + 3), "--size", "16", "--box", "12", "--workers", "1",
                     "--out", str(tmp_path / "d")]) == 0
    assert f"3 of the {available + 3} samples taken from it reuse a digit" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["mnist"] == {"7": {"available": available, "taken": available + 3, "reused": 3}}


def test_mnist_share_without_mnist_among_the_sources_is_refused(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # The stage-2 digits command once read --classes 0123456789 --mnist-share 1.0: the default
    # sources (kanjivg, fonts) would have made digits without a single MNIST one.
    with pytest.raises(SystemExit) as exited:
        gen.main(["--classes", "0123456789", "--mnist-share", "1.0", "--out", str(tmp_path / "d")])
    assert exited.value.code == 2 and "only when mnist is one of --sources" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_the_latin_set_is_the_coverage_latin_letters_and_marks_from_every_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.charsets import LATIN, PUNCTUATION, coverage_classes

    latin = class_set("latin")
    assert latin == [c for c in coverage_classes() if c in set(LATIN + PUNCTUATION)] and len(latin) == 80
    seen: dict[str, object] = {}

    def fake(classes: list[str], per_class: int, spec: Preprocessing, seed: int, out: Path,
             sources: tuple[str, ...], workers: int, merge: bool, options: SynthOptions, resume: bool) -> Path:
        seen.update(classes=classes, sources=sources, pictures=options.picture_share)
        raise gen.DatasetError("stop here")

    monkeypatch.setattr(gen, "generate", fake)
    assert gen.main(["--classes", "latin", "--out", str(tmp_path)]) == 2
    assert seen == {"classes": latin, "sources": gen.SOURCES, "pictures": gen.COVERAGE_PICTURE_SHARE}


@pytest.mark.slow  # trains two tiny models: about a minute on 2 shared cores
def test_stage2_end_to_end(fake_mnist: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mojiyomi.cli import main as cli
    from training.synth.mix import main as mix_main

    assert kanjivg.has_strokes("字"), "the kanjivg package holds no strokes for 字"
    size = ["--size", "16", "--box", "12", "--stroke-ratio", "0.07", "--workers", "1"]
    base, digits, latin = tmp_path / "base", tmp_path / "digits", tmp_path / "latin"
    assert gen.main(["--classes", "あいう12AB", "--sources", "kanjivg,hershey", "--per-class", "16",
                     "--seed", "1", *size, "--out", str(base)]) == 0
    common = ["--epochs", "1", "--batch-size", "16", "--validation-size", "12", "--seed", "1"]
    assert cli(["train", "--data", str(base / "synth.npz"), "--out", str(tmp_path / "coverage"), "--width", "8",
                "--input-size", "16", "--box", "12", "--stroke-ratio", "0.07", *common]) == 0
    assert gen.main(["--classes", "12", "--sources", "mnist", "--mnist-share", "1.0", "--mnist-dir", fake_mnist,
                     "--per-class", "40", "--seed", "2", *size, "--out", str(digits)]) == 0
    assert gen.main(["--classes", "AB", "--sources", "kanjivg,hershey", "--per-class", "30", "--seed", "2",
                     *size, "--out", str(latin)]) == 0
    capsys.readouterr()
    assert mix_main(["--take", f"{base}:6", "--take", str(digits), "--take", str(latin), "--model",
                     str(tmp_path / "coverage"), "--seed", "1", "--out", str(tmp_path / "stage2")]) == 0
    parent = load_bundle(tmp_path / "coverage")
    assert cli(["train", "--data", str(tmp_path / "stage2" / "synth.npz"), "--init-from", str(tmp_path / "coverage"),
                "--out", str(tmp_path / "coverage-stage2"), "--learning-rate", "5e-4", *common]) == 0
    child = load_bundle(tmp_path / "coverage-stage2")
    assert child.labels == parent.labels and child.preprocessing == parent.preprocessing
    made = child.metadata["training"]
    assert made["init_from"]["name"] == parent.name and made["train_samples"] > 0
    assert "MNIST" in made["data"]["attribution"] and "KanjiVG" in made["data"]["attribution"]
    # A set with a class the model does not know is refused before anything is written.
    stray = tmp_path / "stray"
    assert gen.main(["--classes", "え", "--sources", "kanjivg", "--per-class", "4", *size, "--out", str(stray)]) == 0
    capsys.readouterr()
    assert mix_main(["--take", f"{base}:6", "--take", str(stray), "--model", str(tmp_path / "coverage"),
                     "--out", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "one of the model's labels (--model)" in err and "'え'" in err
    assert not (tmp_path / "refused").exists()
