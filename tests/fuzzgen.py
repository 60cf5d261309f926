"""Bad inputs of every kind issue 10 lists, generated for the fuzz (``bench/fuzz_cli.py``).

A *kind* is a family of inputs with the command that reads them (pictures are recognized,
datasets evaluated, bundles loaded, ``--out`` and ``--config`` given to ``train``...). Case
``i`` of a kind is a named hand-made case from the kind's catalogue while ``i`` is below its
length, then a seeded random mutation (truncation, bit flips, a JSON node replaced by a
nasty value...) of a valid input. ``build_case`` writes the case's files into ``user/`` of
its folder and returns the command line to run there, with the paths the command may write.

The seed inputs, mutations and file helpers are in ``tests/fuzzbase.py``; the kinds in
``tests/fuzzkinds_files.py`` and ``tests/fuzzkinds_models.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from tests.fuzzbase import RAW, Builder, Plan, Templates, copy_bundle, make_templates
from tests.fuzzkinds_files import (etl_cases, idx_cases, ink_cases, jsonl_cases, npz_cases, picture_cases,
                                   random_etl, random_idx, random_ink, random_jsonl, random_npz, random_picture,
                                   random_samples, random_tdic, samples_cases, tdic_cases)
from tests.fuzzkinds_models import (bundle_cases, config_cases, export_cases, finetune_cases, random_bundle,
                                    random_config, random_export, random_finetune, random_train, train_cases)

__all__ = ["KINDS", "RAW", "TF_KINDS", "Plan", "Templates", "build_case", "catalogue_size", "copy_bundle",
           "make_templates", "samples_cases"]
#: Kinds whose command imports TensorFlow (train, export, finetune): seconds per case.
TF_KINDS = ("train", "config", "export", "finetune")
KINDS = ("picture", "ink", "inkjsonl", "samples", "npz", "idx", "tdic", "etl", "bundle", *TF_KINDS)

KIND_BUILDERS: dict[str, tuple[Callable[[], list[tuple[str, Builder]]], Builder]] = {
    "picture": (picture_cases, random_picture), "ink": (ink_cases, random_ink),
    "inkjsonl": (jsonl_cases, random_jsonl), "samples": (samples_cases, random_samples),
    "npz": (npz_cases, random_npz), "idx": (idx_cases, random_idx), "tdic": (tdic_cases, random_tdic),
    "etl": (etl_cases, random_etl), "bundle": (bundle_cases, random_bundle), "train": (train_cases, random_train),
    "config": (config_cases, random_config), "export": (export_cases, random_export),
    "finetune": (finetune_cases, random_finetune)}


def catalogue_size(kind: str) -> int:
    """How many hand-made cases a kind has (they come first)."""
    return len(KIND_BUILDERS[kind][0]())


def build_case(kind: str, index: int, seed: int, user: Path, t: Templates) -> tuple[Plan, str]:
    """Writes case ``index`` of ``kind`` into ``user`` (which must exist); its plan and description."""
    catalogue, random_case = KIND_BUILDERS[kind]
    cases = catalogue()
    rng = random.Random(f"{seed}:{kind}:{index}")
    if index < len(cases):
        name, build = cases[index]
        plan, _ = build(rng, user, t)
        return plan, name[:80]
    plan, what = random_case(rng, user, t)
    return plan, f"random: {what}"[:120]
