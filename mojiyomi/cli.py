"""The ``mojiyomi`` command: the app by default, and recognize/evaluate/train/export.

Each subcommand imports what it needs when it runs, so ``mojiyomi recognize`` never
loads Qt or TensorFlow, and the app never loads TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from core.errors import MojiyomiError

#: ``training.datasets.readers.FORMATS`` (kept here so parsing flags imports no reader;
#: ``tests/test_cli_recognize.py`` checks they agree).
FORMATS = ("idx", "keras", "folder", "npz", "ink", "tdic", "samples", "etl", "etl8b", "etl9b", "etl8g", "etl9g")

log = logging.getLogger("mojiyomi")

#: Top-level modules of the optional ``train`` extra (TensorFlow and Keras).
TRAINING_MODULES = frozenset({"tensorflow", "keras", "tf_keras"})
#: What to say when a command needs them and they are not installed.
TRAINING_MISSING = ("training, fine-tuning and export need TensorFlow, which is not installed: "
                    "pip install 'mojiyomi[train]'")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status (0 ok, 1 user error, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.command_line = "mojiyomi " + shlex.join(argv)
    if args.data_dir:
        import os

        from core.paths import DATA_DIR_ENV

        os.environ[DATA_DIR_ENV] = str(args.data_dir)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.run in (_run_train, _run_export, _run_finetune) or getattr(args, "backend", None) == "keras":
            _need_training_extra()
        return int(args.run(args) or 0)
    except MojiyomiError as exc:
        print(f"mojiyomi: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        log.debug("error", exc_info=True)
        print(f"mojiyomi: error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        if exc.name not in TRAINING_MODULES:
            raise
        print(f"mojiyomi: error: {TRAINING_MISSING} (missing module: {exc.name})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mojiyomi: interrupted", file=sys.stderr)
        return 130


def _need_training_extra() -> None:
    """Fails at once, before any data is read, when TensorFlow or Keras is not installed."""
    from training import missing_extra

    missing = missing_extra()
    if missing:
        raise ModuleNotFoundError(f"No module named {missing[0]!r}", name=missing[0])


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="mojiyomi", description="Handwriting recognizer for Japanese and digits.")
    parser.set_defaults(run=_run_app, model=None, files=[])
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument("--data-dir", metavar="DIR", help="your samples and models (default: the platform's "
                        "user data folder, or $MOJIYOMI_DATA_DIR)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    app = sub.add_parser("app", help="start the desktop app (the default)")
    app.add_argument("--model", help="model bundle name or folder to open")
    app.add_argument("files", nargs="*", help="pictures or ink files to open")
    app.set_defaults(run=_run_app)

    rec = sub.add_parser("recognize", help="print candidates for pictures or ink JSON files")
    rec.add_argument("--model", default=None, help="model bundle name or folder (default: the app's)")
    rec.add_argument("--top", type=int, default=5, help="candidates per file (default 5)")
    rec.add_argument("--json", action="store_true", help="one JSON object per file")
    rec.add_argument("--backend", choices=("tflite", "keras"), default="tflite")
    rec.add_argument("--layout", choices=("auto", "horizontal", "vertical", "single"), default="auto",
                     help="characters written along lines, down columns (right to left), or one character "
                     "(default: from the ink's shape, or the picture's lines)")
    rec.add_argument("--no-context", dest="use_lm", action="store_false",
                     help="read several characters without the language model")
    rec.add_argument("--width", choices=("full", "half"), default="half",
                     help="Latin letters, digits and marks full-width (Ａ１！) or half-width (A1!, the default: "
                     "the models' labels as they are)")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.set_defaults(run=_run_recognize)

    ev = sub.add_parser("evaluate", help="measure a model on a dataset")
    ev.add_argument("--model", default=None, help="model bundle name or folder")
    ev.add_argument("--data", required=True,
                    help="MNIST IDX folder (its test split), image folder, ink JSONL, .tdic, .npz or ETL files")
    ev.add_argument("--format", dest="data_format", choices=FORMATS, help="the dataset's format when its name does "
                    "not tell (default: detected)")
    ev.add_argument("--reports", metavar="DIR", help="also write the per-class CSV, confusion and mistakes "
                    "pictures there")
    ev.add_argument("--record", metavar="KEY", help="also store the scores in the bundle's metadata.json under "
                    "metrics[KEY]")
    ev.add_argument("--json", action="store_true", help="end with one JSON object")
    ev.add_argument("--limit", type=int, default=None, help="evaluate at most N samples")
    ev.add_argument("--backend", choices=("tflite", "keras"), default="tflite")
    ev.set_defaults(run=_run_evaluate)

    tr = sub.add_parser("train", help="train a model bundle", usage=TRAIN_USAGE,
                        description="Trains a model bundle on a dataset and writes it to --out. Settings left out "
                        "come from --config, then from the defaults; the preprocessing (--input-size, --box, "
                        "--stroke-ratio) left out is taken from --init-from's model or the data's manifest.")
    _add_train_options(tr)
    tr.set_defaults(run=_run_train)
    ex = sub.add_parser("export", help="export a bundle's model to TFLite, ONNX or TensorFlow.js, checked against "
                        "Keras",
                        description="Writes the export atomically and prints its top-1 agreement with Keras and "
                                    "both accuracies. An int8 export that loses more than 0.3 points, or an ONNX "
                                    "export whose top-1 or probabilities (1e-4) differ from Keras', is still "
                                    "written (exit status 0) and the output ends with a WARNING line. onnx needs "
                                    "pip install 'mojiyomi[export]'; tfjs runs tensorflowjs_converter from a "
                                    "separate environment named by MOJIYOMI_TFJS_CONVERTER (see the README).")
    ex.add_argument("--model", required=True, help="bundle name or folder")
    ex.add_argument("--format", required=True, choices=("tflite-float32", "tflite-float16", "tflite-dynamic",
                                                        "tflite-int8", "onnx", "tfjs"))
    ex.add_argument("--out", help="file to write, a folder for tfjs (default: model.<format>.tflite, model.onnx "
                    "(with model.onnx.json) or model.tfjs/ in a user's bundle; for a model that ships with "
                    "mojiyomi, in exports/ of the data folder)")
    ex.add_argument("--data", help="dataset to check (and calibrate int8) on instead of the bundle's samples")
    ex.add_argument("--limit", type=int, help="read at most N samples of --data")
    ex.add_argument("--json", action="store_true", help="end with one JSON object")
    ex.set_defaults(run=_run_export)
    ft = sub.add_parser("finetune", help="adapt a model to your own handwriting samples")
    ft.add_argument("--model", default=None, help="bundle to start from (default: the app's)")
    ft.add_argument("--samples", required=True, help="ink dataset (JSONL) or samples database")
    ft.add_argument("--holdout", help="ink dataset of your writing to measure on (default: 1/4 of the samples)")
    ft.add_argument("--out", help="folder for the new bundle: new, empty, or a bundle to replace (default: a new "
                    "personal bundle)")
    ft.add_argument("--epochs", type=int, default=None)
    ft.add_argument("--json", action="store_true", help="end with one JSON object")
    ft.set_defaults(run=_run_finetune)
    return parser


#: ``mojiyomi train``'s usage lines: --data and --out are required unless --config names them.
TRAIN_USAGE = """mojiyomi train --data PATH --out DIR [options]
       mojiyomi train --config FILE [options]      (FILE names data and out)
       mojiyomi train --resume --out DIR"""


def _add_train_options(tr: argparse.ArgumentParser) -> None:
    """``mojiyomi train``'s options, in groups; the defaults said are ``training.config.TrainConfig``'s."""
    need = tr.add_argument_group("required (unless --config names them; --resume needs --out only)")
    need.add_argument("--data", metavar="PATH", help="the dataset: MNIST IDX folder, image folder, ink JSONL, "
                      ".npz, .tdic or ETL files")
    need.add_argument("--out", metavar="DIR", help="folder to write the bundle to (new, empty, or a bundle to "
                      "replace)")
    run = tr.add_argument_group("run")
    run.add_argument("--config", metavar="FILE", help="JSON training config; flags override it")
    run.add_argument("--resume", action="store_true", help="continue the interrupted run for --out")
    run.add_argument("--json", action="store_true", help="end with one JSON object")
    run.add_argument("--strategy", choices=("default", "mirrored", "multiworker"),
                     help="tf.distribute strategy: all GPUs here, or machines listed in TF_CONFIG (default: default)")
    run.add_argument("--seed", type=int, metavar="N", help="seed for splits, weights and augmentation (default 1)")
    model = tr.add_argument_group("model")
    model.add_argument("--backbone", default=None, help="simple-cnn (default), mobilenet-v3-small, "
                       "mobilenet-v3-large, mobilenet-v2, densenet121, efficientnet-b0, inception-v3 or vgg16")
    model.add_argument("--init-from", metavar="BUNDLE", help="bundle to start from (fine-tuning) instead of fresh "
                       "weights")
    model.add_argument("--only-data-classes", action="store_true", help="with --init-from: keep only the model's "
                       "classes that the data holds (e.g. the Japanese model's classes of a larger model)")
    model.add_argument("--name", help="bundle name (default: the --out folder's name)")
    model.add_argument("--title", help="title shown in the app's Model menu (default: the name)")
    model.add_argument("--width", type=int, metavar="N", help="simple-cnn: filters of the first block (default 32)")
    model.add_argument("--dropout", type=float, metavar="RATE", help="dropout rate of the model head (default 0.4)")
    model.add_argument("--weights", help="ImageNet backbones: none (the default; the whole network trains from "
                       "scratch), imagenet (Keras' cache folder; downloaded only when online) or a .h5 weights file")
    model.add_argument("--adapter", choices=("repeat", "conv1x1"), help="ImageNet backbones: grey to RGB by "
                       "repeating it (default) or a learned 1x1 convolution")
    model.add_argument("--head", choices=("gap", "flatten"), help="ImageNet backbones: global average pooling "
                       "(default) or flatten")
    model.add_argument("--head-batchnorm", action="store_true", help="batch-normalize the pooled features in "
                       "the head")
    data = tr.add_argument_group("data and preprocessing")
    data.add_argument("--format", dest="data_format", choices=FORMATS, help="the dataset's format when its name "
                      "does not tell (default: detected)")
    data.add_argument("--limit", type=int, metavar="N", help="read at most N samples (default: all)")
    data.add_argument("--validation-size", type=float, metavar="N", help="validation samples (a fraction if below "
                      "1; default 5000)")
    data.add_argument("--split-by-writer", action="store_true", help="keep each writer in one split")
    data.add_argument("--input-size", type=int, metavar="PIXELS", help="model input side in pixels (default 28, "
                      "or the data's / --init-from's)")
    data.add_argument("--box", type=int, metavar="PIXELS", help="side of the box the character is fitted into "
                      "(default 20/28 of --input-size)")
    data.add_argument("--stroke-ratio", type=float, metavar="RATIO", help="pen width relative to the character, "
                      "for ink (default 0.1)")
    data.add_argument("--augment", metavar="SPEC", help="default, light, none, or KEY=VALUE,... with rotation_deg, "
                      "zoom, translation, shear")
    fit = tr.add_argument_group("training")
    fit.add_argument("--epochs", type=int, metavar="N", help="epochs of the only stage (simple-cnn) or of stage 1 "
                     "(default 30)")
    fit.add_argument("--stage1-epochs", type=int, metavar="N", help="ImageNet backbones: epochs training the head, "
                     "base frozen (same as --epochs)")
    fit.add_argument("--batch-size", type=int, metavar="N", help="samples per step (default 128)")
    fit.add_argument("--learning-rate", type=float, metavar="LR", help="peak learning rate, cosine-decayed to 1%% "
                     "over the run (default 0.002)")
    fit.add_argument("--optimizer", choices=("adam", "adamax", "sgd"), help="the optimizer (default: adam)")
    fit.add_argument("--early-stopping", type=int, metavar="PATIENCE", help="stop after PATIENCE epochs without "
                     "gain in validation accuracy (default 0: off)")
    fit.add_argument("--bottleneck", action="store_true", help="ImageNet backbones: stage 1 on backbone features "
                     "computed once (no augmentation)")
    stage2 = tr.add_argument_group("stage 2 (ImageNet backbones: the top of the backbone unfrozen)")
    stage2.add_argument("--stage2-epochs", type=int, metavar="N", help="epochs of stage 2 (default 0: none)")
    stage2.add_argument("--unfreeze", dest="unfreeze_layers", type=_layer_count, metavar="N|all",
                        help="how many top backbone layers train (all, or -1: every one; default all)")
    stage2.add_argument("--stage2-learning-rate", type=float, metavar="LR", help="peak learning rate of stage 2 "
                        "(default 0.0001)")


def _run_finetune(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.bundle import check_output, default_model_name, resolve_model
    from training.adapt import AdaptConfig
    from training.finetune import finetune, read_samples

    if args.out:  # before any reading: a folder of the user's that is not a bundle is never replaced
        check_output(args.out, "--out")
    base = resolve_model(args.model or default_model_name())
    config = AdaptConfig(epochs=args.epochs, large_head_epochs=args.epochs) if args.epochs else AdaptConfig()
    holdout = read_samples(args.holdout) if args.holdout else None
    outcome = finetune(base, read_samples(args.samples), holdout, config, Path(args.out) if args.out else None,
                       command="mojiyomi " + shlex.join(sys.argv[1:]))
    r = outcome.result
    print(f"wrote {outcome.bundle}: {r.summary()}. "
          f"{'Switch recommended' if r.recommended else 'Not recommended'}: {r.reason}")
    if args.json:
        print(json.dumps({**r.to_json(), "bundle": str(outcome.bundle)}, ensure_ascii=False, allow_nan=False))
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.bundle import resolve_model
    from training.export import export_bundle

    # An int8 export that loses more than 0.3 points is still written and exits 0; its summary
    # ends with a WARNING line (and "within_budget": false with --json).
    path, check = export_bundle(resolve_model(args.model), args.format, Path(args.out) if args.out else None,
                                args.data, args.limit)
    if check is None:  # tfjs: converted by the outside tool, checked in Node or the browser
        print(f"wrote {path}")
        if args.json:
            print(json.dumps({"file": str(path), "format": args.format}))
        return 0
    print(f"wrote {path}\n{check.summary()}")
    if args.json:
        print(json.dumps({"file": str(path), "format": check.fmt, "bytes": check.bytes, "n": check.n,
                          "agreement": check.agreement, "keras_top1": check.keras_top1,
                          "tflite_top1": check.tflite_top1, "within_budget": check.within_budget,
                          "max_prob_diff": check.max_prob_diff}))
    return 0


def _run_app(args: argparse.Namespace) -> int:
    from desktop.app import run_app

    return run_app(model=args.model, files=list(args.files))


def _run_recognize(args: argparse.Namespace) -> int:
    from core.bundle import default_model_name, resolve_model
    from core.charsets import display_form

    def form(label: str) -> str:
        return display_form(label, args.width)

    if args.top < 1:
        raise ValueError(f"--top must be at least 1. Received: {args.top}")
    recognizer = _open_recognizer(resolve_model(args.model or default_model_name()), args.backend)
    status = 0
    for name in args.files:
        try:
            chars, reading, boxes = _recognize_file(recognizer, name, args.top, args.layout, args.use_lm)
        except MojiyomiError as exc:
            print(f"mojiyomi: error: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            found: dict[str, Any] = {
                "file": name, "text": form(reading.text if reading else "".join(c[0].label for c in chars if c)),
                "candidates": [{"label": form(c.label), "score": round(c.score, 6)} for c in chars[0]],
                "characters": [[{"label": form(c.label), "score": round(c.score, 6)} for c in cands]
                               for cands in chars]}
            if boxes is not None:  # a picture: each character's box in the picture's pixels
                found["chars"] = [{"label": form(c["label"]), "box": dict(zip("xywh", box)),
                                   "candidates": _in_form(c["candidates"][:args.top], form)}
                                  for c, box in zip(reading.to_json()["chars"], boxes)]
            elif reading is not None:
                found["chars"] = [{"label": form(c["label"]), "strokes": c["members"], "box": c["box"],
                                   "candidates": _in_form(c["candidates"][:args.top], form)}
                                  for c in reading.to_json()["chars"]]
            print(json.dumps(found, ensure_ascii=False))
        elif len(chars) == 1:
            print(f"{name}: " + "  ".join(f"{form(c.label)} {c.score:.3f}" for c in chars[0]))
        else:  # lines of a picture are parted by a space
            text = reading.text.replace("\n", " ") if reading is not None else "".join(c[0].label for c in chars)
            print(f"{name}: {form(text)}")
            for i, cands in enumerate(chars, 1):
                print(f"  {i}: " + "  ".join(f"{form(c.label)} {c.score:.3f}" for c in cands))
    return status


def _in_form(candidates: list[dict[str, Any]], form: Any) -> list[dict[str, Any]]:
    """A reading's JSON candidates with their labels in the ``--width`` form."""
    return [{**c, "label": form(c["label"])} for c in candidates]


def _open_recognizer(bundle: Any, backend: str) -> Any:
    """The app's TFLite recognizer, or the Keras one (imports Keras: the ``train`` extra)."""
    if backend == "keras":
        from training.keras_io import KerasRecognizer

        return KerasRecognizer(bundle)
    from core.recognizer import open_recognizer

    return open_recognizer(bundle, backend)


def _recognize_file(recognizer: Any, name: str, top: int, layout: str = "single",
                    use_lm: bool = True) -> tuple[list[Any], Any, list[tuple[int, int, int, int]] | None]:
    """Candidates per character, the decoder's reading (if any), and a picture's character boxes.

    A picture is read by the picture path (``core.page.read_page``: ``layout``, or ``auto``:
    lines, columns or one character), giving each character its box (x, y, w, h in the
    picture's pixels); ink read as one character gives one list; ink of several characters
    (``layout``, or ``auto``: its shape) goes through ``core.decode`` with the language model
    and the ink's ``context`` text.
    """
    from core.decode import ink_layout, read_ink
    from core.ink import Ink
    from core.inputs import load_input
    from core.page import page_characters, read_page

    item = load_input(name)
    if not isinstance(item, Ink):
        picture = read_page(recognizer, item, layout, use_lm)  # type: ignore[arg-type]
        found = page_characters(picture, top)
        return [list(c.candidates) for c in found], picture, [(c.box.x, c.box.y, c.box.w, c.box.h) for c in found]
    chosen = ink_layout(item) if layout == "auto" else layout
    if chosen not in ("horizontal", "vertical"):
        return [recognizer.recognize(item, top)], None, None
    from core.lm import bundled_lm_path, load_lm

    context = item.extra.get("context")
    reading = read_ink(item, recognizer, load_lm(bundled_lm_path()) if use_lm else None,
                       "vertical" if chosen == "vertical" else "horizontal",
                       context=context if isinstance(context, str) else "")
    return [list(c.candidates[:top]) for c in reading.chars], reading, None


def _run_evaluate(args: argparse.Namespace) -> int:
    from core.bundle import default_model_name, resolve_model
    from training.evaluate_data import evaluate_dataset

    bundle = resolve_model(args.model or default_model_name())
    metrics = evaluate_dataset(_open_recognizer(bundle, args.backend), args.data, args.limit, args.data_format)
    summary = {"model": bundle.name, "data": args.data, **metrics.to_json()}
    left_out = "".join(f"  ({count} {why} left out)" for count, why in
                       ((metrics.unknown_label, "with labels the model does not know"),
                        (metrics.unreadable, "unreadable")) if count)
    app = metrics.app
    print(f"{bundle.name} on {args.data}: n={metrics.n}{left_out}\n"
          f"  as the app shows it ({'size cue and ' if app.size_cue else ''}same-shape twins): "
          f"top1={app.top1:.4%}  top5={app.top5:.4%}  top10={app.top10:.4%}\n"
          f"  raw model (probabilities as they are): top1={metrics.top1:.4%}  top5={metrics.top5:.4%}  "
          f"macro_f1={metrics.macro_f1:.4f}  {metrics.ms_per_sample:.3f} ms/sample")
    if args.reports:
        from pathlib import Path

        from training.reports import write_reports

        written = write_reports(Path(args.reports), bundle.labels, metrics.y, metrics.probs, metrics.x)
        print(f"wrote {', '.join(str(p) for p in written)}")
    if args.record:
        record_metrics(bundle, args.record, {"data": args.data, "command": args.command_line,
                                             **metrics.to_json()})
        print(f"recorded as metrics[{args.record!r}] in {bundle.path / 'metadata.json'}")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0


def record_metrics(bundle: Any, key: str, metrics: dict[str, Any]) -> None:
    """Stores an evaluation in the bundle's ``metadata.json`` (atomically) under ``metrics[key]``."""
    from core.bundle import METADATA_FILE, update_metadata

    try:
        update_metadata(bundle.path, {"metrics": {**bundle.metadata.get("metrics", {}), key: metrics}})
    except (OSError, ValueError) as exc:
        raise MojiyomiError(f"Could not record the scores in {bundle.path / METADATA_FILE}: {exc}") from exc


def _run_train(args: argparse.Namespace) -> int:
    from core.bundle import check_output
    from training.cli_train import run_train_command

    if args.out:  # before any reading: a folder of the user's that is not a bundle is never replaced
        check_output(args.out, "--out")

    return run_train_command(args, "mojiyomi " + shlex.join(sys.argv[1:]) if sys.argv else None)


def _layer_count(text: str) -> int:
    """``--unfreeze``: a number of layers, or ``all`` (-1)."""
    return -1 if text.strip().lower() == "all" else int(text)


def _json_default(value: Any) -> Any:
    return str(value)
