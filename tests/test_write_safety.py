"""No write outside the chosen output or the data folder, no user file replaced, and runs that resume."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.bundle import load_bundle
from core.errors import BundleError, SamplesError
from core.paths import user_data_dir, user_models_dir
from core.samples import SampleStore, labelled_inks
from mojiyomi.cli import main
from tests.test_bundle_safety import dead_pid, fake_bundle
from training.config import TrainConfig
from training.events import Event, StageEvent
from training.jobs import personal_bundle_out, unique_bundle_dir
from training.train import OWNER_FILE, TRAINED, abandoned_run, open_run, resume_problem, run_dir_for, train


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("mojiyomi: error: "), err
    return err


def _user_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "thesis.txt").write_text("years of work", "utf-8")
    return path


# --out on something that is not a bundle is refused, before anything is read.

@pytest.mark.parametrize("command", ["train", "finetune"])
def test_out_on_an_ordinary_folder_is_refused_and_nothing_is_deleted(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _user_folder(tmp_path / "Documents")
    args = {"train": ["train", "--data", str(tmp_path / "no-data"), "--epochs", "1"],
            "finetune": ["finetune", "--model", str(fake_bundle(tmp_path / "base")),
                         "--samples", str(tmp_path / "no-samples.jsonl")]}[command]
    assert main([*args, "--out", str(folder)]) == 1
    assert "not a mojiyomi model bundle" in _one_error_line(capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.txt"]
    assert (folder / "thesis.txt").read_text("utf-8") == "years of work"
    assert not run_dir_for(folder).exists()


@pytest.mark.parametrize("command", ["train", "finetune"])
def test_out_on_a_file_is_refused(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep", "utf-8")
    args = {"train": ["train", "--data", str(tmp_path), "--epochs", "1"],
            "finetune": ["finetune", "--model", str(fake_bundle(tmp_path / "base")), "--samples", str(target)]}
    assert main([*args[command], "--out", str(target)]) == 1
    assert "is a file" in _one_error_line(capsys)
    assert target.read_text("utf-8") == "keep"


def test_train_and_finetune_functions_refuse_a_user_folder_too(tmp_path: Path) -> None:
    from training.finetune import finetune

    folder = _user_folder(tmp_path / "mine")
    with pytest.raises(BundleError, match="not a mojiyomi model bundle"):
        train(TrainConfig(data=str(tmp_path), out=str(folder)))
    with pytest.raises(BundleError, match="not a mojiyomi model bundle"):
        finetune(load_bundle(fake_bundle(tmp_path / "base")), [], out=folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "mine"]


def test_a_finetune_never_replaces_its_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = fake_bundle(tmp_path / "base")
    before = {p.name: p.read_bytes() for p in base.iterdir()}
    samples = tmp_path / "s.jsonl"
    samples.write_text("", "utf-8")
    assert main(["finetune", "--model", str(base), "--samples", str(samples), "--out", str(base)]) == 1
    assert "never replaces the model it starts from" in _one_error_line(capsys)
    assert {p.name: p.read_bytes() for p in base.iterdir()} == before


def test_a_foreign_folder_where_the_run_folder_goes_is_left_alone(tmp_path: Path) -> None:
    foreign = _user_folder(run_dir_for(tmp_path / "out"))
    with pytest.raises(BundleError, match="not a mojiyomi run folder"):
        open_run(TrainConfig(data=str(tmp_path), out=str(tmp_path / "out")), resume=False)
    assert (foreign / "thesis.txt").exists()


# Names from metadata never lead out of the models folder.

@pytest.mark.parametrize("name", ["../../escaped", "/etc/evil", "..", ".hidden", "a/../../b", "C:\\x", "", "\x00"])
def test_names_from_metadata_stay_one_folder_inside_the_models_folder(tmp_path: Path, name: str) -> None:
    from training.finetune import base_name

    root = tmp_path / "models"
    for path in (personal_bundle_out(name, root), unique_bundle_dir(root, name)):
        assert path.parent == root and not path.name.startswith(".") and path.name not in ("", "..")
    bundle = load_bundle(fake_bundle(tmp_path / "base", base_name=name))
    assert "/" not in base_name(bundle) and not base_name(bundle).startswith(".")
    assert personal_bundle_out(base_name(bundle), root).parent == root


def test_a_non_string_base_name_falls_back_to_the_bundle_name(tmp_path: Path) -> None:
    from training.finetune import base_name

    assert base_name(load_bundle(fake_bundle(tmp_path / "digits", base_name=["x"]))) == "digits"


@pytest.fixture(scope="module")
def escaping_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny bundle with replay samples whose metadata names ../../escaped as its base."""
    from tests.tinymodel import make_tiny_bundle

    folder = make_tiny_bundle(tmp_path_factory.mktemp("escape") / "deep" / "er" / "tiny")
    rng = np.random.default_rng(0)
    np.savez_compressed(folder / "replay.npz", x=(rng.random((40, 28, 28, 1)) * 255).astype(np.uint8),
                        y=np.arange(40) % 10, val=np.arange(40) % 2 == 1)
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    meta["base_name"] = "../../escaped"
    (folder / "metadata.json").write_text(json.dumps(meta), "utf-8")
    return folder


def test_finetune_of_a_base_named_to_escape_writes_inside_the_models_folder(
        escaping_base: Path, tmp_path: Path) -> None:
    from tests.strokefont import writer_samples
    from training.adapt import AdaptConfig
    from training.finetune import finetune

    before = sorted(p.name for p in escaping_base.parent.parent.parent.iterdir())
    outcome = finetune(load_bundle(escaping_base), writer_samples(2, 1, 0.3, 0.8), config=AdaptConfig(epochs=1))
    assert outcome.bundle.parent == user_models_dir()
    assert not outcome.bundle.name.startswith(".") and "escaped" in outcome.bundle.name
    assert load_bundle(outcome.bundle).metadata["base_name"] == outcome.bundle.name.rsplit("-personal-", 1)[0]
    assert sorted(p.name for p in escaping_base.parent.parent.parent.iterdir()) == before
    assert not (user_data_dir().parent / "escaped-personal-1").exists()


# export never writes into the models that ship with mojiyomi.

def test_export_of_a_bundled_model_goes_to_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.export import export_target

    shipped = tmp_path / "resources" / "models"
    monkeypatch.setattr("core.paths.bundled_models_dir", lambda: shipped)
    bundled, mine = load_bundle(fake_bundle(shipped / "digits")), load_bundle(fake_bundle(tmp_path / "mine"))
    assert export_target(bundled, "tflite-float16") == user_data_dir() / "exports" / "digits" / "model.float16.tflite"
    assert export_target(mine, "tflite-int8") == mine.path / "model.int8.tflite"
    with pytest.raises(BundleError, match="never modified"):
        export_target(mine, "tflite-int8", shipped / "digits" / "x.tflite")
    with pytest.raises(BundleError, match="is a folder"):
        export_target(mine, "tflite-int8", tmp_path)


def test_the_real_bundled_models_are_never_export_targets(digits_bundle: Path) -> None:
    from training.export import export_target

    target = export_target(load_bundle(digits_bundle), "tflite-dynamic")
    assert target.is_relative_to(user_data_dir()) and not target.is_relative_to(digits_bundle.parent)


def test_export_command_without_out_leaves_a_bundled_model_alone(
        escaping_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "resources" / "models"
    shutil.copytree(escaping_base, shipped / "tiny")
    monkeypatch.setattr("core.paths.bundled_models_dir", lambda: shipped)
    before = sorted(p.name for p in (shipped / "tiny").iterdir())
    assert main(["export", "--model", str(shipped / "tiny"), "--format", "tflite-float16"]) == 0
    assert sorted(p.name for p in (shipped / "tiny").iterdir()) == before
    assert (user_data_dir() / "exports" / "tiny" / "model.float16.tflite").stat().st_size > 100


# Reading a samples database never creates or changes it.

@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 40])
def test_reading_samples_never_turns_a_file_into_a_database(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mine.sqlite3"
    path.write_bytes(content)
    with pytest.raises(SamplesError, match="untouched"):
        labelled_inks(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.sqlite3"]


def test_reading_a_missing_samples_database_does_not_create_it(tmp_path: Path) -> None:
    with pytest.raises(SamplesError, match="does not exist"):
        labelled_inks(tmp_path / "no" / "such.sqlite3")
    assert not (tmp_path / "no").exists()


def test_a_samples_database_reads_whole_without_a_write(tmp_path: Path) -> None:
    from tests.strokefont import writer_samples

    path = tmp_path / "s.sqlite3"
    with SampleStore(path) as store:
        for ink in writer_samples(1, 0, 0.0, 1.0)[:3]:
            store.add(ink, str(ink.label))
    stamp = path.stat().st_mtime_ns, path.read_bytes()
    assert [ink.label for ink in labelled_inks(path)] == list("012")
    assert (path.stat().st_mtime_ns, path.read_bytes()) == stamp


def test_evaluate_on_a_zero_byte_database_fails_and_leaves_it_empty(
        digits_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    assert main(["evaluate", "--model", str(digits_bundle), "--data", str(path)]) == 1
    assert "mojiyomi: error:" in capsys.readouterr().err
    assert path.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


# Interrupted runs: resume says why not, or continues; leftovers are cleaned.

def _run_folder(tmp_path: Path, *files: str) -> Path:
    run = tmp_path / ".out.run"
    run.mkdir()
    for name in files:
        (run / name).mkdir() if name.startswith("backup") else (run / name).write_bytes(b"x")
    return run


@pytest.mark.parametrize("files, why", [
    (None, "no run folder"), ((), "no config.json"), (("config.json",), "before its first epoch ended"),
    (("config.json", "data"), "before its first epoch ended"),
    (("config.json", "best.weights.h5"), "before it saved the trained weights"),
])
def test_resume_says_exactly_why_not(tmp_path: Path, files: tuple[str, ...] | None, why: str) -> None:
    run = tmp_path / ".out.run" if files is None else _run_folder(tmp_path, *files)
    assert why in str(resume_problem(run))
    with pytest.raises(ValueError, match=f"There is no interrupted run to resume for .*{why}"):
        open_run(TrainConfig(data=str(tmp_path), out=str(tmp_path / "out")), resume=True)


@pytest.mark.parametrize("files", [("config.json", "backup"), ("config.json", "backup-1"),
                                   ("config.json", "stage1-done.weights.h5"), ("config.json", TRAINED)])
def test_resume_continues_from_any_checkpoint(tmp_path: Path, files: tuple[str, ...]) -> None:
    assert resume_problem(_run_folder(tmp_path, *files)) is None


def test_resume_with_an_unreadable_config_says_so(tmp_path: Path) -> None:
    run = _run_folder(tmp_path, "backup")
    (run / "config.json").write_text("{", "utf-8")
    with pytest.raises(ValueError, match="unreadable"):
        open_run(TrainConfig(data=str(tmp_path), out=str(tmp_path / "out")), resume=True)


def test_a_failed_run_with_nothing_to_resume_leaves_no_run_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception):
        train(TrainConfig(data=str(tmp_path / "empty"), out=str(tmp_path / "out")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_a_new_run_reuses_a_killed_runs_folder(tmp_path: Path) -> None:
    run = _run_folder(tmp_path, "config.json", "backup", "best.weights.h5")
    config, opened = open_run(TrainConfig(data=str(tmp_path), out=str(tmp_path / "out")), resume=False)
    assert opened == run and sorted(p.name for p in run.iterdir()) == ["config.json", OWNER_FILE]


def test_a_killed_writers_staging_folder_is_cleaned_by_the_next_run(tmp_path: Path) -> None:
    from tests.test_bundle_safety import _write

    stale = fake_bundle(tmp_path / f".out.staging-{dead_pid()}-x1y2z3")
    _write(tmp_path / "other")
    assert not stale.exists()


@pytest.mark.parametrize("files, owner, abandoned", [
    (("config.json",), "dead", True), (("config.json", "data"), "dead", True), ((), "dead", True),
    (("config.json", "backup"), "dead", False), (("config.json", TRAINED), "dead", False),
    (("config.json",), "alive", False), (("config.json",), None, False),
])
def test_a_killed_jobs_run_folder_with_nothing_to_resume_is_reused_by_the_next_job(
        tmp_path: Path, files: tuple[str, ...], owner: str | None, abandoned: bool) -> None:
    run = _run_folder(tmp_path, *files)
    if owner is not None:
        (run / OWNER_FILE).write_text(str(dead_pid() if owner == "dead" else os.getpid()), "utf-8")
    assert abandoned_run(run) is abandoned
    assert unique_bundle_dir(tmp_path, "out") == tmp_path / ("out" if abandoned else "out-2")


def test_a_run_folder_names_its_process(tmp_path: Path) -> None:
    _, run = open_run(TrainConfig(data=str(tmp_path), out=str(tmp_path / "out")), resume=False)
    assert (run / OWNER_FILE).read_text("utf-8") == str(os.getpid()) and not abandoned_run(run)


def test_a_replay_file_leading_out_of_the_base_is_not_copied(escaping_base: Path, tmp_path: Path) -> None:
    from tests.strokefont import writer_samples
    from training.adapt import AdaptConfig
    from training.finetune import finetune

    base = shutil.copytree(escaping_base, tmp_path / "base")
    shutil.move(base / "replay.npz", tmp_path / "elsewhere.npz")
    os.symlink(tmp_path / "elsewhere.npz", base / "replay.npz")
    with pytest.raises(BundleError, match="outside"):
        finetune(load_bundle(base), writer_samples(2, 1, 0.3, 0.8), config=AdaptConfig(epochs=1),
                 out=tmp_path / "personal")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "elsewhere.npz"]


@pytest.fixture(scope="module")
def small_digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.datagen import write_mnist_like

    return write_mnist_like(tmp_path_factory.mktemp("data") / "mnist", n_train=240, n_test=60)


def _small_config(data: Path, out: Path, **changes: Any) -> TrainConfig:
    return TrainConfig(data=str(data), out=str(out), epochs=2, batch_size=64, validation_size=60, width=4,
                       learning_rate=3e-3).replace(**changes)


def test_a_run_killed_while_exporting_resumes_at_the_export(
        small_digits: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.train as train_module

    out = tmp_path / "digits"
    real_write = train_module.write_trained_bundle

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("killed while exporting")

    monkeypatch.setattr(train_module, "write_trained_bundle", killed)
    with pytest.raises(KeyboardInterrupt):
        train(_small_config(small_digits, out))
    run = run_dir_for(out)
    assert (run / TRAINED).is_file() and not out.exists()
    assert resume_problem(run) is None

    monkeypatch.setattr(train_module, "write_trained_bundle", real_write)
    events: list[Event] = []
    result = train(_small_config(small_digits, out, epochs=9), events.append, resume=True)
    assert [e for e in events if e.event == "epoch"] == []  # no epoch trained again
    assert any(isinstance(e, StageEvent) and "resuming at the export" in e.text for e in events)
    bundle = load_bundle(result.bundle)
    assert bundle.metadata["training"]["config"]["epochs"] == 2
    assert not run.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits"]


def test_an_atomic_write_never_replaces_a_device_a_fifo_or_a_folder(tmp_path: Path) -> None:
    import stat as stat_module

    from core.atomic import atomic_write_bytes

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "folder").mkdir()
    for target, error in ((Path("/dev/null"), FileExistsError), (fifo, FileExistsError),
                          (tmp_path / "folder", IsADirectoryError)):
        with pytest.raises(error, match="Nothing was written"):
            atomic_write_bytes(target, b"data")
    assert stat_module.S_ISCHR(os.stat("/dev/null").st_mode)  # `export --out /dev/null` once made it a file
    assert stat_module.S_ISFIFO(os.stat(fifo).st_mode)
    # A symlink to a file is written through: the link stays, the file it names changes.
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
