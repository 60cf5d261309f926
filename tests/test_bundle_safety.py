"""Bundle metadata from anywhere: every field type-checked, every file kept inside its folder."""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from core.atomic import clean_stale, make_staging_dir
from core.bundle import (METADATA_FILE, bundle_writer, check_output, list_bundles, load_bundle, resolve_model,
                         update_metadata)
from core.errors import BundleError
from core.preprocess import Preprocessing

LABELS = list("0123456789")


def fake_bundle(folder: Path, **changes: Any) -> Path:
    """A bundle whose model files only carry their magic bytes: enough for ``load_bundle``."""
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"format": "mojiyomi-bundle", "format_version": 1, "name": folder.name, "version": "1.0",
                "input_shape": [28, 28, 1], "preprocessing": Preprocessing().to_json(), "classes": len(LABELS),
                "files": {"keras": "model.keras", "tflite": "model.tflite", "labels": "labels.txt"}}
    metadata.update(changes)
    (folder / METADATA_FILE).write_text(json.dumps(metadata), "utf-8")
    (folder / "labels.txt").write_text("\n".join(LABELS) + "\n", "utf-8")
    (folder / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "model.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3 not really a model")
    return folder


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_fake_bundle_loads(tmp_path: Path) -> None:
    assert load_bundle(fake_bundle(tmp_path / "ok")).labels == tuple(LABELS)


@pytest.mark.parametrize("key, value", [
    ("format_version", None), ("format_version", "1"), ("format_version", [1]), ("format_version", True),
    ("classes", None), ("classes", "10"), ("classes", [10]), ("classes", True), ("classes", 0), ("classes", 10.5),
    ("files", None), ("files", []), ("files", "labels.txt"), ("files", {"labels": 5}),
    ("name", None), ("name", []), ("name", {}), ("name", ""), ("version", None), ("version", [1, 0]),
    ("input_shape", None), ("input_shape", "28x28"), ("input_shape", [28, 28]), ("input_shape", [28, "28", 1]),
    ("input_shape", {"h": 28}), ("preprocessing", None), ("preprocessing", []), ("preprocessing", "fit-v1"),
    ("preprocessing", {"size": "28"}), ("preprocessing", {"bogus": 1}), ("preprocessing", {"stroke_ratio": None}),
    ("preprocessing", {"box": [20]}), ("preprocessing", {"size": 10**6, "box": 20}),
])
def test_metadata_of_the_wrong_type_is_a_bundle_error(tmp_path: Path, key: str, value: Any) -> None:
    with pytest.raises(BundleError, match=key if key != "files" else "files|labels"):
        load_bundle(fake_bundle(tmp_path / "b", **{key: value}))


def test_a_huge_render_size_is_refused_before_anything_is_drawn(tmp_path: Path) -> None:
    spec = {**Preprocessing().to_json(), "render_size": 1_000_000}
    with pytest.raises(BundleError, match="render_size"):
        load_bundle(fake_bundle(tmp_path / "b", preprocessing=spec))
    with pytest.raises(ValueError, match="render_size"):
        Preprocessing(render_size=1_000_000)


@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000,
                                  '{"format": "mojiyomi-bundle", "classes": 1' + "0" * 400 + "}", "\xff\xfe"])
def test_metadata_that_is_deep_huge_or_not_json_is_a_bundle_error(tmp_path: Path, text: str) -> None:
    folder = fake_bundle(tmp_path / "b")
    (folder / METADATA_FILE).write_text(text, "latin-1")
    with pytest.raises(BundleError, match="metadata"):
        load_bundle(folder)


DEFAULT_FILES = {"keras": "model.keras", "tflite": "model.tflite", "labels": "labels.txt"}


@pytest.mark.parametrize("key", ["labels", "keras", "tflite"])
@pytest.mark.parametrize("how", ["relative", "absolute", "climbing", "empty"])
def test_files_named_in_metadata_stay_inside_the_bundle(tmp_path: Path, key: str, how: str) -> None:
    outside = fake_bundle(tmp_path / "outside")  # valid files the names could reach
    name = {"relative": f"../outside/{DEFAULT_FILES[key]}", "absolute": str(outside / DEFAULT_FILES[key]),
            "climbing": f"sub/../../outside/{DEFAULT_FILES[key]}", "empty": ""}[how]
    folder = fake_bundle(tmp_path / "b", files={**DEFAULT_FILES, key: name})
    (folder / DEFAULT_FILES[key]).unlink()
    with pytest.raises(BundleError, match="inside|string"):
        load_bundle(folder)


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd", "../outside/labels.txt"])
def test_a_symlink_leading_out_of_the_bundle_is_refused(tmp_path: Path, target: str) -> None:
    fake_bundle(tmp_path / "outside")
    folder = fake_bundle(tmp_path / "b")
    (folder / "labels.txt").unlink()
    os.symlink(target, folder / "labels.txt")
    with pytest.raises(BundleError, match="outside"):
        load_bundle(folder)


def test_metadata_symlinked_from_outside_is_refused(tmp_path: Path) -> None:
    outside = fake_bundle(tmp_path / "outside")
    folder = fake_bundle(tmp_path / "b")
    (folder / METADATA_FILE).unlink()
    os.symlink(outside / METADATA_FILE, folder / METADATA_FILE)
    with pytest.raises(BundleError, match="outside"):
        load_bundle(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("name", ["labels.txt", "model.tflite", "model.keras", METADATA_FILE])
def test_a_fifo_in_a_bundle_is_refused_without_blocking(tmp_path: Path, name: str) -> None:
    folder = fake_bundle(tmp_path / "b")
    (folder / name).unlink()
    os.mkfifo(folder / name)
    start = time.monotonic()
    with pytest.raises(BundleError, match="regular file"):
        load_bundle(folder)
    assert time.monotonic() - start < 5


def test_a_device_inside_the_folder_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    folder = fake_bundle(tmp_path / "b")
    (folder / "labels.txt").unlink()
    os.symlink("/dev/zero", folder / "labels.txt")
    with pytest.raises(BundleError):
        load_bundle(folder)


def test_huge_labels_are_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.bundle.MAX_LABELS_BYTES", 100)
    folder = fake_bundle(tmp_path / "b")
    (folder / "labels.txt").write_text("x\n" * 200, "utf-8")
    with pytest.raises(BundleError, match="too large"):
        load_bundle(folder)


def test_broken_bundles_leave_the_list_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake_bundle(tmp_path / "models" / "good")
    fake_bundle(tmp_path / "models" / "bad", classes="ten")
    with caplog.at_level(logging.WARNING, logger="core.bundle"):
        found = list_bundles([tmp_path / "models"])
    assert [b.name for b in found] == ["good"]
    assert any("bad" in r.getMessage() and "classes" in r.getMessage() for r in caplog.records)


def test_staging_run_and_old_folders_are_never_listed(tmp_path: Path) -> None:
    models = tmp_path / "models"
    for name in ("good", ".good.staging-123-abcd", ".good.run", ".good.old-123", ".hidden"):
        fake_bundle(models / name)
    assert [b.path.name for b in list_bundles([models])] == ["good"]
    with pytest.raises(BundleError):
        resolve_model("anything-else", [models])


def test_update_metadata_refuses_a_broken_bundle(tmp_path: Path) -> None:
    folder = fake_bundle(tmp_path / "b", classes=[10])
    before = (folder / METADATA_FILE).read_bytes()
    with pytest.raises(BundleError):
        update_metadata(folder, {"metrics": {}})
    assert (folder / METADATA_FILE).read_bytes() == before


def test_nan_metrics_written_by_older_fine_tunes_still_load(tmp_path: Path) -> None:
    folder = fake_bundle(tmp_path / "b")
    text = (folder / METADATA_FILE).read_text("utf-8")
    (folder / METADATA_FILE).write_text(text[:-1] + ', "metrics": {"finetune": {"user_top1_before": NaN}}}', "utf-8")
    assert math.isnan(load_bundle(folder).metrics["finetune"]["user_top1_before"])


def test_metrics_of_the_wrong_type_read_as_none(tmp_path: Path) -> None:
    assert load_bundle(fake_bundle(tmp_path / "b", metrics=[1, 2])).metrics == {}


# Writing: an output that is not a bundle is never replaced.

def _write(target: Path) -> None:
    source = fake_bundle(target.parent / f"source-{target.name}")
    with bundle_writer(target, {k: v for k, v in json.loads((source / METADATA_FILE).read_text()).items()
                                if k not in ("files", "format", "format_version")}, LABELS) as staging:
        for name in ("model.keras", "model.tflite"):
            (staging / name).write_bytes((source / name).read_bytes())


def test_an_ordinary_folder_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "Documents"
    target.mkdir()
    (target / "thesis.txt").write_text("years of work", "utf-8")
    with pytest.raises(BundleError, match="not a mojiyomi model bundle"):
        _write(target)
    assert (target / "thesis.txt").read_text("utf-8") == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Documents", "source-Documents"]


def test_a_file_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep", "utf-8")
    with pytest.raises(BundleError, match="is a file"):
        _write(target)
    assert target.read_text("utf-8") == "keep"


def test_a_symlink_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(BundleError, match="symbolic link"):
        check_output(tmp_path / "link")


def test_new_empty_and_bundle_folders_may_be_written(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    fake_bundle(tmp_path / "old")
    for name in ("new", "empty", "old"):
        _write(tmp_path / name)
        assert load_bundle(tmp_path / name).name == f"source-{name}"


def test_a_bundle_being_replaced_stays_until_the_new_one_is_complete(tmp_path: Path) -> None:
    target = fake_bundle(tmp_path / "mine")
    with bundle_writer(target, {"name": "new", "version": "2", "input_shape": [28, 28, 1],
                                "preprocessing": Preprocessing().to_json()}, LABELS) as staging:
        assert load_bundle(target).version == "1.0"  # the old one is still whole while the new is written
        assert staging.parent == target.parent and staging.name.startswith(".mine.staging-")
        for name in ("model.keras", "model.tflite"):
            (staging / name).write_bytes((target / name).read_bytes())
    assert load_bundle(target).version == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


# Leftovers of killed writers.

def test_leftovers_of_killed_writers_are_cleaned_by_the_next_write(tmp_path: Path) -> None:
    pid = dead_pid()
    mine = fake_bundle(tmp_path / "mine")
    killed = fake_bundle(tmp_path / f".mine.staging-{pid}-abc123")
    legacy = fake_bundle(tmp_path / ".other.staging-k2j4_x9q")
    old_replaced = fake_bundle(tmp_path / f".mine.old-{pid}")
    running = make_staging_dir(tmp_path / "busy")  # this process is alive: not touched
    _write(tmp_path / "next")
    assert not killed.exists() and not legacy.exists() and not old_replaced.exists()
    assert running.exists() and mine.exists() and load_bundle(tmp_path / "next")


def test_a_writer_killed_between_its_two_moves_gets_the_old_bundle_back(tmp_path: Path) -> None:
    pid = dead_pid()
    fake_bundle(tmp_path / f".mine.old-{pid}")
    assert clean_stale(tmp_path) == [tmp_path / f".mine.old-{pid}"]
    assert load_bundle(tmp_path / "mine").name == f".mine.old-{pid}"
