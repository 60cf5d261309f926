"""``mojiyomi train --help``: required options shown as required, every option explained, defaults true."""

from __future__ import annotations

import argparse
import dataclasses
import re

import pytest

from mojiyomi.cli import build_parser
from training.config import TrainConfig

#: Options whose help names a default that is not TrainConfig's field of the same name.
_NOT_A_FIELD_DEFAULT = {"box", "input_size", "backbone", "name", "title", "data_format", "limit", "validation_size"}


def _train_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def test_usage_shows_data_and_out_as_required() -> None:
    usage = _train_parser().format_usage()
    assert "mojiyomi train --data PATH --out DIR" in usage
    assert "[--data" not in usage and "[--out" not in usage
    assert "required" in _train_parser().format_help()


def test_every_train_option_has_help() -> None:
    missing = [a.option_strings for a in _train_parser()._actions if a.option_strings and not a.help]
    assert missing == []


def test_the_defaults_the_help_names_are_the_configs() -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    checked = 0
    for action in _train_parser()._actions:
        if action.dest not in defaults or action.dest in _NOT_A_FIELD_DEFAULT or not action.help:
            continue
        said = re.search(r"\(default:? ([\w.\-]+)", action.help)
        if said is None:
            continue
        value = defaults[action.dest]
        if action.dest == "unfreeze_layers":
            assert (said.group(1), value) == ("all", -1)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(said.group(1)) == pytest.approx(float(value)), action.option_strings
        else:
            assert said.group(1) == str(value), action.option_strings
        checked += 1
    assert checked >= 12
