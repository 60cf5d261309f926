"""Fuzz kinds about models: bundles, ``train`` flags and ``--out``, ``--config``, ``export``, ``finetune``.

Each kind has ``<kind>_cases()`` and ``random_<kind>``, as in ``tests/fuzzkinds_files.py``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.fuzzbase import (RAW, Builder, Plan, Templates, copy_bundle, ink_file, mutate_bytes, mutate_json,
                            npz_file, short, special_file, template_metadata, write_file)


def bundle_cases() -> list[tuple[str, Builder]]:
    def meta(change: Callable[[dict[str, Any]], None], isolate: bool = False) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            m = template_metadata(t)
            change(m)
            copy_bundle(t, u, metadata=m)
            return Plan(["recognize", "--model", "bundle", ink_file(u, t)], isolate=isolate), ""
        return build

    def labels_to(what: str) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            b = copy_bundle(t, u)
            (b / "labels.txt").unlink()
            special_file(b, "labels.txt", what)
            return Plan(["recognize", "--model", "bundle", ink_file(u, t)], isolate=True), ""
        return build

    cases: list[tuple[str, Builder]] = []
    for key in ("format_version", "classes", "files", "input_shape", "preprocessing", "name", "version"):
        for value in (None, "1", [1], {"a": 1}, -1, "@BIGINT@", "@NAN@"):
            cases.append((f"{key} {short(value)}", meta(lambda m, k=key, v=value: m.__setitem__(k, v))))
    for key in ("tflite", "keras", "labels"):
        for value in ("../../escaped", "/etc/passwd", "/dev/zero", "..", "", None, 5, "metadata.json"):
            cases.append((f"files.{key} {value!r}", meta(lambda m, k=key, v=value: m["files"].__setitem__(k, v),
                                                         isolate=True)))
    cases += [("render_size 1000000", meta(lambda m: m["preprocessing"].__setitem__("render_size", 1_000_000),
                                           isolate=True)),
              ("size 100000", meta(lambda m: m.update(preprocessing={**m["preprocessing"], "size": 100000},
                                                      input_shape=[100000, 100000, 1]), isolate=True)),
              ("box -5", meta(lambda m: m["preprocessing"].__setitem__("box", -5))),
              ("stroke_ratio NaN", meta(lambda m: m["preprocessing"].__setitem__("stroke_ratio", "@NAN@"))),
              ("base_name ../../escaped", meta(lambda m: m.__setitem__("base_name", "../../escaped"))),
              ("metadata 1000 deep", lambda r, u, t: (Plan(["recognize", "--model", str(copy_bundle(
                  t, u, raw_metadata=RAW["@DEEP@"]).name), ink_file(u, t)]), "")),
              ("metadata empty", lambda r, u, t: (Plan(["recognize", "--model", str(copy_bundle(
                  t, u, raw_metadata="").name), ink_file(u, t)]), "")),
              ("labels via a symlink out of the bundle", lambda r, u, t: _labels_link(u, t)),
              *[(f"labels.txt -> {w}", labels_to(w)) for w in ("fifo", "/dev/zero", "/etc/passwd", "folder",
                                                               "sparse")]]
    return cases


def _labels_link(user: Path, t: Templates) -> tuple[Plan, str]:
    b = copy_bundle(t, user)
    (user / "outside.txt").write_text((b / "labels.txt").read_text())
    (b / "labels.txt").unlink()
    (b / "labels.txt").symlink_to(user / "outside.txt")
    return Plan(["recognize", "--model", "bundle", ink_file(user, t)]), ""


def random_bundle(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    target = rng.random()
    if target < 0.6:
        text, what = mutate_json(rng, template_metadata(t))
        copy_bundle(t, user, raw_metadata=text)
    else:
        b = copy_bundle(t, user)
        name = "labels.txt" if target < 0.8 else "model.tflite"
        data, what = mutate_bytes(rng, (b / name).read_bytes())
        (b / name).unlink()
        (b / name).write_bytes(data)
        what = f"{name} {what}"
    return Plan(["recognize", "--model", "bundle", ink_file(user, t)], isolate=target >= 0.8), what


TRAIN = ["--epochs", "1", "--limit", "48", "--validation-size", "8", "--batch-size", "16"]


def _train(user: Path, t: Templates, out: str, *extra: str) -> list[str]:
    data = write_file(user, "set.npz", t.npz)
    return ["train", "--data", data, "--backbone", "simple-cnn", "--out", out, *TRAIN, *extra]


def _sentinel_folder(user: Path, name: str = "out") -> str:
    (user / name).mkdir(parents=True)
    (user / name / "thesis.txt").write_text("a user's own file\n")
    return name


def train_cases() -> list[tuple[str, Builder]]:
    def plan(argv: Callable[[Path, Templates], list[str]], outputs: tuple[str, ...] = ("out", "out/**"),
             replaceable: tuple[str, ...] = ()) -> Builder:
        return lambda r, u, t: (Plan(argv(u, t), outputs, replaceable), "")

    return [("--out an existing folder with a user file", plan(lambda u, t: _train(u, t, _sentinel_folder(u)))),
            ("--out an existing file", plan(lambda u, t: _train(u, t, write_file(u, "out", "a user's own file\n")))),
            ("--out an existing bundle", plan(lambda u, t: _train(u, t, copy_bundle(t, u, "out").name),
                                              replaceable=("out/*",))),
            ("--out a nested new folder", plan(lambda u, t: _train(u, t, "a/b/out"), ("a", "a/**"))),
            ("--out ..", plan(lambda u, t: _train(u, t, ".."))),
            ("--out .", plan(lambda u, t: _train(u, t, "."))),
            ("--out /dev/null", plan(lambda u, t: _train(u, t, "/dev/null"))),
            ("--out under a file", plan(lambda u, t: _train(u, t, write_file(u, "afile", "x") + "/out"))),
            ("--init-from a broken bundle", plan(lambda u, t: _train(u, t, "out", "--init-from", copy_bundle(
                t, u, "base", raw_metadata="{}").name))),
            ("--init-from metadata 1000 deep", plan(lambda u, t: _train(u, t, "out", "--init-from", copy_bundle(
                t, u, "base", raw_metadata=RAW["@DEEP@"]).name))),
            ("--data a FIFO", lambda r, u, t: (Plan(["train", "--data", special_file(u, "set.npz", "fifo"), "--out", "out",
                                                     *TRAIN], ("out", "out/**"), isolate=True), "")),
            *[(f"{flag} {value}", plan(lambda u, t, f=flag, v=value: _train(u, t, "out", f, v)))
              for flag, value in (("--input-size", "0"), ("--input-size", "-28"), ("--input-size", "100000"),
                                  ("--box", "1000"), ("--stroke-ratio", "nan"), ("--learning-rate", "inf"),
                                  ("--validation-size", "2.5"), ("--validation-size", "-1"), ("--batch-size", "0"),
                                  ("--width", "0"), ("--dropout", "1.5"), ("--augment", "strong"),
                                  ("--augment", "rotation_deg=1e400"), ("--augment", "zoom=nan"),
                                  ("--name", "../../escaped"), ("--name", "/etc"), ("--name", "x" * 500),
                                  ("--limit", "-5"),
                                  ("--early-stopping", "-1"), ("--stage2-epochs", "-3"), ("--unfreeze", "x"),
                                  ("--weights", "/dev/zero"), ("--backbone", "nonsense"), ("--format", "ink"))]]


FLAG_VALUES = {"--epochs": ("0", "-1", "x"), "--input-size": ("0", "1", "3", "-28", "100000", "29"),
               "--box": ("0", "-1", "1000", "28"), "--stroke-ratio": ("0", "-1", "nan", "inf", "1e9"),
               "--learning-rate": ("0", "-1", "nan", "inf", "1e9"), "--validation-size": ("0", "-1", "0.999", "1e9"),
               "--batch-size": ("0", "-1", "1000000"), "--width": ("0", "-4", "1"), "--dropout": ("-1", "1", "nan"),
               "--augment": ("", "x=1", "rotation_deg", "rotation_deg=x", "zoom=-5", "shear=nan", ",,,"),
               "--name": ("", "..", "a/b", "\x01", "x" * 500), "--title": ("", "x" * 5000),
               "--seed": ("-1", "99999999999999999999"), "--format": ("idx", "tdic", "samples", "keras", "folder"),
               "--early-stopping": ("-1", "0"), "--limit": ("0", "-1", "1")}


def random_train(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    flags = rng.sample(sorted(FLAG_VALUES), rng.randint(1, 2))
    extra = [x for f in flags for x in (f, rng.choice(FLAG_VALUES[f]))]
    argv = _train(user, t, "out", *extra)
    if rng.random() < 0.3:
        data, what = mutate_bytes(rng, t.npz)
        write_file(user, "set.npz", data)
        extra.append(f"npz {what}")
    return Plan(argv, ("out", "out/**")), " ".join(extra)


def _config(user: Path, text: str, with_flags: bool = True) -> list[str]:
    cfg = write_file(user, "cfg.json", text)
    return ["train", "--config", cfg, *(("--data", "set.npz", "--out", "out", *TRAIN) if with_flags else ())]


def config_cases() -> list[tuple[str, Builder]]:
    def cfg(text: str, with_flags: bool = True) -> Builder:
        def build(r: random.Random, u: Path, t: Templates) -> tuple[Plan, str]:
            write_file(u, "set.npz", t.npz)
            return Plan(_config(u, text, with_flags), ("out", "out/**")), ""
        return build

    texts = ['{"epochs": 1}', '{"epochs": "ten"}', "null", '{"augment": "strong"}', RAW["@DEEP@"], RAW["@DEEPDICT@"],
             "[]", '"x"', "", "{", '{"epochs": 1e400}', '{"epochs": ' + RAW["@BIGINT@"] + "}", '{"epochs": NaN}',
             '{"nonsense": 1}', '{"input_size": 100000}', '{"batch_size": 0}', '{"out": "../../escaped"}',
             '{"data": "/dev/zero"}', '{"augment": {"rotation_deg": "x"}}', '{"backbone": null}',
             '{"learning_rate": -1}', '{"limit": -1}', '{"validation_size": [1]}']
    cases = [(f"config {text[:30]!r}", cfg(text)) for text in texts]
    cases += [(f"config {text[:30]!r}, no --data/--out flags", cfg(text, False))
              for text in ('{"epochs": 1}', '{"data": "set.npz", "out": "out", "epochs": 1, "limit": 48}', "null")]
    cases += [("config not UTF-8", lambda r, u, t: (Plan(["train", "--config", write_file(u, "cfg.json", b"\xff\xfe{"),
                                                          "--data", write_file(u, "set.npz", t.npz), "--out", "out",
                                                          *TRAIN]), "")),
              ("config a FIFO", lambda r, u, t: (Plan(["train", "--config", special_file(u, "cfg.json", "fifo"),
                                                       "--data", write_file(u, "set.npz", t.npz), "--out", "out", *TRAIN],
                                                      isolate=True), "")),
              ("config /dev/zero", lambda r, u, t: (Plan(["train", "--config", special_file(u, "cfg.json", "/dev/zero"),
                                                          "--data", write_file(u, "set.npz", t.npz), "--out", "out",
                                                          *TRAIN], isolate=True), ""))]
    return cases


CONFIG_SEED = {"data": "set.npz", "out": "out", "backbone": "simple-cnn", "epochs": 1, "limit": 48,
               "validation_size": 8, "batch_size": 16, "input_size": 28, "box": 20, "stroke_ratio": 0.1,
               "augment": {"rotation_deg": 1.0, "zoom": 0.1, "translation": 0.05, "shear": 0.1}, "seed": 1,
               "learning_rate": 0.002, "optimizer": "adam", "dropout": 0.4, "early_stopping": 0}


def random_config(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    """A config with one to three mutations (one alone repeats itself: about 600 distinct configs)."""
    write_file(user, "set.npz", t.npz)
    text, what = mutate_json(rng, CONFIG_SEED)
    for _ in range(rng.choice((0, 1, 2))):
        try:
            config = json.loads(text)
        except (ValueError, RecursionError):
            break  # text JSON cannot write (RAW markers): mutated no further
        if not isinstance(config, (dict, list)):
            break
        text, more = mutate_json(rng, config)
        what += f"; {more}"
    with_flags = rng.random() < 0.5 or _names_an_outside_out(text)
    return Plan(_config(user, text, with_flags), ("out", "out/**")), f"{what}{'' if with_flags else ', no flags'}"


def _names_an_outside_out(text: str) -> bool:
    """Whether a config's own ``out`` is a path out of the case's folder (``../../x``, ``/tmp/x``).

    Without ``--out`` such a config is a user asking for their model there, as ``--out
    ../../x`` would: a write the case's folder cannot account for, not a fault. The flags
    then give ``out`` (a config and its flags together are still fuzzed).
    """
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        return False
    out = config.get("out") if isinstance(config, dict) else None
    return isinstance(out, str) and (Path(out).is_absolute() or ".." in Path(out).parts)


def export_cases() -> list[tuple[str, Builder]]:
    def exp(argv: Callable[[Path, Templates], list[str]], outputs: tuple[str, ...] = ("out*",)) -> Builder:
        return lambda r, u, t: (Plan(["export", "--format", "tflite-float16", *argv(u, t)], outputs), "")

    return [("bundled digits without --out", exp(lambda u, t: ["--model", "digits"])),
            ("user bundle without --out", exp(lambda u, t: ["--model", copy_bundle(t, u).name], ("bundle/*",))),
            ("--out an existing user file", exp(lambda u, t: ["--model", "digits", "--out", write_file(u, "out", "x\n")])),
            ("--out a folder with a user file", exp(lambda u, t: ["--model", "digits", "--out", _sentinel_folder(u)])),
            ("--out ..", exp(lambda u, t: ["--model", "digits", "--out", ".."])),
            ("--out /dev/null", exp(lambda u, t: ["--model", "digits", "--out", "/dev/null"])),
            ("--out under a file", exp(lambda u, t: ["--model", "digits", "--out", write_file(u, "afile", "x") + "/o"])),
            ("--data a FIFO", lambda r, u, t: (Plan(["export", "--format", "tflite-float16", "--model", "digits",
                                                     "--out", "out.tflite", "--data", special_file(u, "set.npz", "fifo")],
                                                    ("out*",), isolate=True), "")),
            ("--data an NPZ without y", exp(lambda u, t: ["--model", "digits", "--out", "out.tflite", "--data",
                                                          npz_file(u, x=np.zeros((4, 28, 28), np.uint8))])),
            ("--limit -1", exp(lambda u, t: ["--model", "digits", "--out", "out.tflite", "--limit", "-1"])),
            ("--model a bundle with a corrupt model.keras", exp(lambda u, t: ["--model", _corrupt_keras(u, t),
                                                                              "--out", "out.tflite"])),
            ("--model a bundle whose model.keras fails its CRC", exp(lambda u, t: [
                "--model", _corrupt_keras(u, t, flip=True), "--out", "out.tflite"])),
            ("--model a bundle whose keras file is ../", exp(lambda u, t: ["--model", copy_bundle(t, u, metadata={
                **template_metadata(t), "files": {"keras": "../model.keras"}}).name, "--out", "out.tflite"]))]


def _corrupt_keras(user: Path, t: Templates, flip: bool = False) -> str:
    """A bundle whose model.keras is cut in half, or has one byte of its weights flipped."""
    b = copy_bundle(t, user)
    data = bytearray((b / "model.keras").read_bytes())
    (b / "model.keras").unlink()
    if flip:
        data[len(data) // 2] ^= 0xFF
    (b / "model.keras").write_bytes(bytes(data if flip else data[: len(data) // 2]))
    return b.name


def random_export(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    b = copy_bundle(t, user)
    if rng.random() < 0.5:
        text, what = mutate_json(rng, template_metadata(t))
        (b / "metadata.json").write_text(text)
    else:
        data, what = mutate_bytes(rng, (b / "model.keras").read_bytes())
        (b / "model.keras").unlink()
        (b / "model.keras").write_bytes(data)
        what = f"model.keras {what}"
    fmt = rng.choice(("tflite-float32", "tflite-float16", "tflite-dynamic", "tflite-int8"))
    return Plan(["export", "--model", "bundle", "--format", fmt, "--out", "out.tflite", "--limit", "64"],
                ("out.tflite*",)), what


def _finetune(user: Path, t: Templates, *extra: str, model: str = "bundle", samples: str | None = None) -> list[str]:
    samples = samples or write_file(user, "mine.jsonl", t.jsonl)
    return ["finetune", "--model", model, "--samples", samples, "--epochs", "1", *extra]


def finetune_cases() -> list[tuple[str, Builder]]:
    def ft(argv: Callable[[Path, Templates], list[str]], outputs: tuple[str, ...] = ("out", "out/**")) -> Builder:
        return lambda r, u, t: (Plan(argv(u, t), outputs), "")

    def base(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, Templates], list[str]]:
        def argv(u: Path, t: Templates) -> list[str]:
            m = template_metadata(t)
            change(m)
            copy_bundle(t, u, metadata=m)
            return _finetune(u, t)
        return argv

    return [("base_name ../../escaped", ft(base(lambda m: m.__setitem__("base_name", "../../escaped")))),
            ("base_name /tmp/abs", ft(base(lambda m: m.__setitem__("base_name", "/tmp/mojiyomi-fuzz-abs")))),
            ("base_name a list", ft(base(lambda m: m.__setitem__("base_name", ["a"])))),
            ("name ../../escaped", ft(base(lambda m: m.__setitem__("name", "../../escaped")))),
            ("version ../x", ft(base(lambda m: m.__setitem__("version", "../../x")))),
            ("--out an existing folder with a user file", ft(lambda u, t: _own(u, t, "--out", _sentinel_folder(u)))),
            ("--out an existing file", ft(lambda u, t: _own(u, t, "--out", write_file(u, "out", "a user's own file\n")))),
            ("--out ..", ft(lambda u, t: _own(u, t, "--out", ".."))),
            ("--model digits, default output", ft(lambda u, t: _finetune(u, t, model="digits"), ())),
            ("samples a zero-byte .sqlite3", ft(lambda u, t: _own(u, t, samples=write_file(u, "mine.sqlite3", b"")))),
            ("samples with labels the model lacks", ft(lambda u, t: _own(u, t, samples=write_file(
                u, "mine.jsonl", t.jsonl.replace('"label": "', '"label": "zz'))))),
            ("samples: one line nested 1000 deep", ft(lambda u, t: _own(u, t, samples=write_file(
                u, "mine.jsonl", t.jsonl + RAW["@DEEP@"] + "\n")))),
            ("--holdout /dev/zero", lambda r, u, t: (Plan(_own(u, t, "--holdout", special_file(u, "h.jsonl", "/dev/zero")),
                                                          isolate=True), "")),
            ("--epochs -1", ft(lambda u, t: _own(u, t, "--epochs", "-1"))),
            ("replay.npz corrupt", ft(lambda u, t: _replay_corrupt(u, t)))]


def _own(user: Path, t: Templates, *extra: str, samples: str | None = None) -> list[str]:
    """``finetune`` of a copy of the template bundle."""
    copy_bundle(t, user)
    return _finetune(user, t, *extra, samples=samples)


def _replay_corrupt(user: Path, t: Templates) -> list[str]:
    b = copy_bundle(t, user)
    if (b / "replay.npz").exists():
        (b / "replay.npz").unlink()
        (b / "replay.npz").write_bytes(t.npz[:100])
    return _finetune(user, t)


def random_finetune(rng: random.Random, user: Path, t: Templates) -> tuple[Plan, str]:
    b = copy_bundle(t, user)
    if rng.random() < 0.5:
        text, what = mutate_json(rng, template_metadata(t))
        (b / "metadata.json").write_text(text)
        argv = _finetune(user, t)
    else:
        rows = t.jsonl.splitlines()
        n = rng.randrange(len(rows))
        rows[n], what = mutate_json(rng, json.loads(rows[n]))
        argv = _finetune(user, t, samples=write_file(user, "mine.jsonl", "\n".join(rows) + "\n"))
        what = f"samples line {n + 1}: {what}"
    return Plan(argv, ()), what
