"""training.synth.mix: per-class caps, seeds, class order, refusals and where it writes."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.errors import DatasetError
from core.preprocess import Preprocessing
from training.datasets.npz import load_npz
from training.synth import mix as mixing
from training.synth.mix import Take, main, mix
from training.synth.shards import merge_shards, write_shard

SPEC = Preprocessing(size=8, box=6, stroke_ratio=0.07)


def _dataset(folder: Path, counts: dict[str, int], tag: int, spec: Preprocessing = SPEC,
             order: str | None = None) -> Path:
    """A generated-like set: each picture says its source (``tag``), class and row."""
    labels = np.asarray([c for c, n in counts.items() for _ in range(n)])
    x = np.zeros((len(labels), spec.size, spec.size, 1), np.uint8)
    x[:, 0, 0, 0] = tag
    x[:, 0, 1, 0] = np.arange(len(labels)) % 256
    x[:, 0, 2, 0] = np.arange(len(labels)) // 256
    x[:, 0, 3, 0] = [ord(c) % 256 for c in labels]
    folder.mkdir(parents=True)
    write_shard(folder / "part.npz", x, labels)
    merge_shards([folder / "part.npz"], folder / "synth.npz")
    (folder / "part.npz").unlink()
    manifest = {"classes": order or "".join(counts), "preprocessing": spec.to_json(), "samples": len(labels),
                "attribution": f"source {tag}; shared credit", "fonts": [f"font {tag}"], "seed": tag}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _read(path: Path) -> tuple[np.ndarray, list[str]]:
    data = load_npz(path)
    return data.x, [str(v) for v in data.y]


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    base = _dataset(tmp_path / "base", {"c": 10, "a": 10, "b": 10, "d": 2}, tag=1, order="cabd")
    extra = _dataset(tmp_path / "extra", {"a": 7, "b": 5}, tag=2)
    return base, extra


def test_caps_per_class_and_everything_of_an_uncapped_source(sources: tuple[Path, Path], tmp_path: Path) -> None:
    base, extra = sources
    path = mix([Take(base / "synth.npz", 4), Take(extra / "synth.npz")], tmp_path / "out", seed=1)
    x, y = _read(path)
    assert x.shape == (4 + 4 + 4 + 2 + 7 + 5, 8, 8, 1) and x.dtype == np.uint8
    # Every picture is its own label's, each source row at most once; the base's rows come first.
    assert [chr(v) for v in x[:, 0, 3, 0]] == y
    tags = x[:, 0, 0, 0].tolist()
    assert tags == [1] * 14 + [2] * 12
    rows = [(t, int(lo) + 256 * int(hi)) for t, lo, hi in zip(tags, x[:, 0, 1, 0], x[:, 0, 2, 0])]
    assert len(set(rows)) == len(rows)
    assert sorted(r for t, r in rows if t == 2) == list(range(12))  # all of the uncapped source
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"c": 4, "a": 11, "b": 9, "d": 2} and manifest["samples"] == 26
    assert manifest["classes"] == "cabd"  # the first source's order, not sorted
    assert manifest["preprocessing"] == SPEC.to_json()
    assert manifest["attribution"] == "source 1; shared credit; source 2"
    assert [m["taken"] for m in manifest["mixed_from"]] == [14, 12]
    assert manifest["fonts"] == ["font 1", "font 2"]


def test_the_same_seed_takes_the_same_samples_and_a_class_does_not_depend_on_the_others(
        sources: tuple[Path, Path], tmp_path: Path) -> None:
    base, extra = sources
    one, _ = _read(mix([Take(base / "synth.npz", 3)], tmp_path / "one", seed=5))
    again, _ = _read(mix([Take(base / "synth.npz", 3)], tmp_path / "again", seed=5))
    other, _ = _read(mix([Take(base / "synth.npz", 3)], tmp_path / "other", seed=6))
    assert np.array_equal(one, again) and not np.array_equal(one, other)
    with_extra, y = _read(mix([Take(base / "synth.npz", 3), Take(extra / "synth.npz", 2)], tmp_path / "both", seed=5))
    assert np.array_equal(with_extra[:len(one)], one)
    # Caps draw without replacement, seeded: the rows taken from a class of 10 are not simply its first ones.
    taken = {int(v) for v, label in zip(one[:, 0, 1, 0], y) if label == "a"}
    assert len(taken) == 3 and taken != {10, 11, 12}


def test_the_class_order_is_the_models_when_given(sources: tuple[Path, Path], tmp_path: Path) -> None:
    base, extra = sources
    mix([Take(extra / "synth.npz")], tmp_path / "out", seed=1, classes=("z", "b", "a", "y"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["classes"] == "ba" and manifest["missing"] == "zy"


@pytest.mark.parametrize("change", [{"size": 10, "box": 6}, {"stroke_ratio": 0.1}, {"box": 5}])
def test_other_preprocessing_is_refused_in_one_line(change: dict[str, float], sources: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    base, _ = sources
    spec = Preprocessing(**{**SPEC.to_json(), **change})
    odd = _dataset(tmp_path / "odd", {"a": 3}, tag=3, spec=spec)
    with pytest.raises(DatasetError, match="Cannot mix datasets made with other preprocessing") as caught:
        mix([Take(base / "synth.npz", 2), Take(odd / "synth.npz")], tmp_path / "out", seed=1)
    assert "\n" not in str(caught.value) and "Received: " in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_a_class_outside_the_list_is_refused(sources: tuple[Path, Path], tmp_path: Path) -> None:
    base, _ = sources
    stray = _dataset(tmp_path / "stray", {"a": 2, "Ω": 2}, tag=3)
    with pytest.raises(DatasetError, match=r"must be one of the classes of .*base.* 1 other classes .*'Ω'"):
        mix([Take(base / "synth.npz", 2), Take(stray / "synth.npz")], tmp_path / "out", seed=1)
    with pytest.raises(DatasetError, match=r"one of the model's labels \(--model\)"):
        mix([Take(base / "synth.npz")], tmp_path / "out", seed=1, classes=tuple("abc"))
    assert not (tmp_path / "out").exists()


def test_only_model_classes_leaves_the_others_out(sources: tuple[Path, Path], tmp_path: Path) -> None:
    base, extra = sources
    path = mix([Take(base / "synth.npz", 4), Take(extra / "synth.npz")], tmp_path / "out", seed=1,
               classes=("b", "a", "z"), only_classes=True)
    x, y = _read(path)
    assert sorted(set(y)) == ["a", "b"] and y.count("a") == 4 + 7 and y.count("b") == 4 + 5
    assert [chr(v) for v in x[:, 0, 3, 0]] == y
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["classes"] == "ba" and manifest["missing"] == "z"
    assert [m["taken"] for m in manifest["mixed_from"]] == [8, 12]
    # The same caps draw the same samples of a kept class as without the filter.
    whole, labels = _read(mix([Take(base / "synth.npz", 4)], tmp_path / "whole", seed=1))
    kept, _ = _read(mix([Take(base / "synth.npz", 4)], tmp_path / "kept", seed=1, classes=("a", "b"),
                        only_classes=True))
    assert np.array_equal(kept, whole[[label in "ab" for label in labels]])
    with pytest.raises(DatasetError, match=r"needs that model \(--model\)"):
        mix([Take(base / "synth.npz")], tmp_path / "none", seed=1, only_classes=True)


def test_sources_must_be_generated_sets(tmp_path: Path, sources: tuple[Path, Path]) -> None:
    base, _ = sources
    bare = tmp_path / "bare"
    bare.mkdir()
    np.savez(bare / "synth.npz", x=np.zeros((2, 8, 8, 1), np.uint8), y=np.asarray(["a", "b"]))
    with pytest.raises(DatasetError, match="must be a generated dataset"):
        mix([Take(bare / "synth.npz")], tmp_path / "out", seed=1)
    with pytest.raises(DatasetError, match="must be a generated dataset"):
        mix([Take(tmp_path / "nowhere" / "synth.npz")], tmp_path / "out", seed=1)
    (bare / "manifest.json").write_text(json.dumps({"preprocessing": Preprocessing(size=10, box=6).to_json()}))
    with pytest.raises(DatasetError, match=r"must hold model inputs \(N, 10, 10, 1\) uint8"):
        mix([Take(bare / "synth.npz")], tmp_path / "out", seed=1)
    with pytest.raises(DatasetError, match="must not hold a source"):
        mix([Take(base / "synth.npz", 2)], base, seed=1)
    with pytest.raises(DatasetError, match="at least one source"):
        mix([], tmp_path / "out", seed=1)
    with pytest.raises(DatasetError, match="given once"):
        mix([Take(base / "synth.npz", 2), Take(base / ".." / "base" / "synth.npz", 3)], tmp_path / "out", seed=1)
    assert not (tmp_path / "out").exists()


def test_take_parsing(tmp_path: Path, sources: tuple[Path, Path]) -> None:
    base, _ = sources
    assert Take.parse(f"{base}:40") == Take(base / "synth.npz", 40)
    assert Take.parse(str(base)) == Take(base / "synth.npz", None)
    assert Take.parse(f"{base}/synth.npz") == Take(base / "synth.npz", None)
    assert Take.parse("odd:name/synth.npz") == Take(Path("odd:name/synth.npz"), None)
    for bad in (f"{base}:0", f"{base}:-3"):
        with pytest.raises(DatasetError, match="at least 1"):
            Take.parse(bad)


def test_a_failed_write_leaves_the_old_mix_and_no_temporary(sources: tuple[Path, Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    base, extra = sources
    out = tmp_path / "out"
    mix([Take(base / "synth.npz", 2)], out, seed=1)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(path: Path, parts: object) -> None:
        path.write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(mixing, "_write_npz", broken)
    with pytest.raises(OSError, match="disk full"):
        mix([Take(extra / "synth.npz")], out, seed=1)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_nothing_is_written_outside_the_output_folder(sources: tuple[Path, Path], tmp_path: Path) -> None:
    base, extra = sources

    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    before = snapshot()
    mix([Take(base / "synth.npz", 2), Take(extra / "synth.npz")], tmp_path / "out", seed=1)
    after = snapshot()
    assert {k: v for k, v in after.items() if not k.startswith("out")} == before
    assert sorted(k for k in after if k.startswith("out")) == ["out/manifest.json", "out/synth.npz"]
    # A link where the mix goes is refused, not followed out of the folder.
    outside = tmp_path / "precious.npz"
    outside.write_bytes(b"keep me")
    linked = tmp_path / "linked"
    linked.mkdir()
    os.symlink(outside, linked / "synth.npz")
    with pytest.raises(DatasetError, match="only as a plain file inside its folder"):
        mix([Take(extra / "synth.npz")], linked, seed=1)
    assert outside.read_bytes() == b"keep me" and sorted(p.name for p in linked.iterdir()) == ["synth.npz"]


def test_the_mix_is_stored_uncompressed_and_streams_in_chunks(sources: tuple[Path, Path], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    base, extra = sources
    whole = mix([Take(base / "synth.npz", 3), Take(extra / "synth.npz")], tmp_path / "whole", seed=2)
    monkeypatch.setattr(mixing, "CHUNK_ROWS", 4)  # rows of one class across chunks
    chunked = mix([Take(base / "synth.npz", 3), Take(extra / "synth.npz")], tmp_path / "chunked", seed=2)
    assert whole.read_bytes() == chunked.read_bytes()
    with zipfile.ZipFile(chunked) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}  # memory-mappable


def test_command_line(sources: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, extra = sources
    out = tmp_path / "out"
    assert main(["--take", f"{base}:2", "--take", str(extra), "--seed", "3", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "20 samples of 4 classes" in said and "8 of 32 from" in said
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("python -m training.synth.mix --take") and manifest["seed"] == 3
    odd = _dataset(tmp_path / "odd", {"a": 3}, tag=3, spec=Preprocessing(size=10, box=6, stroke_ratio=0.07))
    assert main(["--take", str(base), "--take", str(odd), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: Cannot mix") and "size=10" in err
    assert main(["--take", str(base), "--model", str(tmp_path / "no-model"), "--out", str(tmp_path / "o3")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["--take", str(base), "--only-model-classes", "--out", str(tmp_path / "o4")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs that model (--model)" in err and not (tmp_path / "o4").exists()
