"""The character n-gram language model: built from weighted words, loaded without TensorFlow."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

from core.errors import InputError
from core.lm import UNKNOWN_LOG_PROB, bundled_lm_path, load_lm
from training.lm_build import build, keep_word, write_lm

WORDS = [("カメラ", 50.0), ("カメ", 20.0), ("ニュース", 40.0), ("二月", 30.0), ("月", 60.0),
         ("ロボット", 10.0), ("口", 25.0), ("0000", 80.0), ("年", 70.0), ("の", 300.0)]


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - CharLM
    path = tmp_path_factory.mktemp("lm") / "tiny.npz"
    write_lm(build(WORDS), {"format": "mojiyomi-char-lm", "format_version": 1}, path)
    return load_lm(path)


@pytest.mark.parametrize("context", ["", "カ", "カメ", "ニュ", "二", "20", "の月", "知らない"])
def test_every_context_gives_a_distribution(tiny_lm, context: str) -> None:  # noqa: ANN001
    dist = tiny_lm.distribution(context)
    assert dist.sum() == pytest.approx(1.0, abs=1e-6)
    assert (dist >= 0).all()


@pytest.mark.parametrize("context", ["", "カ", "カメ", "二", "20", "の月", "知らない"])
def test_the_decoders_rows_are_the_characters_log_probabilities(tiny_lm, context: str) -> None:  # noqa: ANN001
    """The decoder reads whole rows (``log_distribution``) by token id: each digit a tenth of the
    digits' token, full-width as ASCII, a character never seen at ``UNKNOWN_LOG_PROB``."""
    chars = list("カメラ月の口0７鷗") + ["\u9fff"]
    dist = tiny_lm.distribution(context)
    expected = []
    for char in chars:
        token = tiny_lm.token_id(char)
        p = dist[token] / (10.0 if char in "0７" else 1.0)
        expected.append(math.log(p) if char not in "鷗\u9fff" else UNKNOWN_LOG_PROB)
    assert tiny_lm.log_distribution(context)[tiny_lm.token_ids(chars)] == pytest.approx(expected)
    assert [tiny_lm.log_prob(context, c) for c in chars] == pytest.approx(expected)
    row = tiny_lm.log_distribution(context)
    assert not row.flags.writeable  # cached and shared: a caller cannot change it


def test_seen_continuations_win_and_unseen_characters_still_have_a_chance(tiny_lm) -> None:  # noqa: ANN001
    assert tiny_lm.log_prob("カメ", "ラ") > tiny_lm.log_prob("カメ", "ス") > UNKNOWN_LOG_PROB
    assert tiny_lm.log_prob("ニュ", "ー") > tiny_lm.log_prob("ニュ", "一")
    assert tiny_lm.log_prob("", "鷗") == UNKNOWN_LOG_PROB


def test_digits_are_one_token_worth_a_tenth_each(tiny_lm) -> None:  # noqa: ANN001
    # The source smashes numbers to 0000: every digit of a number is as likely as another.
    assert tiny_lm.log_prob("201", "7") == pytest.approx(tiny_lm.log_prob("201", "3"))
    assert tiny_lm.log_prob("201", "7") == pytest.approx(tiny_lm.log_prob("２０１", "７"))
    assert tiny_lm.log_prob("201", "7") > tiny_lm.log_prob("201", "フ")


def test_a_text_may_end_only_where_a_word_can(tiny_lm) -> None:  # noqa: ANN001
    assert tiny_lm.score("口", final=True) > tiny_lm.score("ロ", final=True)
    assert tiny_lm.score("カメラ") == pytest.approx(sum(tiny_lm.log_prob("カメラ"[:i], c) for i, c in enumerate("カメラ")))


def test_words_of_other_scripts_are_left_out() -> None:
    assert keep_word("カメラ") and keep_word("2017年") and keep_word("ABC")
    assert not keep_word("사진") and not keep_word("๑") and not keep_word("Ωmega")
    # Pieces a tokenizer cut from longer words (すご|ー|い) begin with marks no word begins with.
    assert not keep_word("ー") and not keep_word("ーー") and not keep_word("ッス") and not keep_word("")


def test_files_that_are_not_a_model_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    for path, words in [(junk, "unreadable"), (other, "lacks"), (fifo, "not a regular file"),
                        (tmp_path / "missing.npz", "does not exist")]:
        with pytest.raises(InputError, match=words):
            load_lm(path)


def test_the_bundled_model_loads_fast_and_is_small() -> None:
    path = bundled_lm_path()
    assert path.stat().st_size <= 10 * 1024 * 1024
    started = time.perf_counter()
    lm = load_lm(path)
    assert time.perf_counter() - started < 0.5  # the goal is 100 ms on an idle machine (bench)
    assert {"source", "licence", "command"} <= set(lm.metadata)
    assert "CC BY-SA" in lm.metadata["licence"]


@pytest.mark.parametrize("right, twin", [
    ("ニュース", "ニュ一ス"), ("カメラ", "力メラ"), ("二月", "ニ月"), ("口", "ロ"), ("ロボット", "口ボット"),
    ("2017", "201フ"), ("2017", "20l7"), ("工場", "エ場"), ("タクシー", "夕クシー"), ("へん", "ヘん"),
    ("一度", "ー度"), ("千分の一", "千分のー"), ("それより", "それよリ"),
])
def test_the_bundled_model_tells_twins_apart_by_their_neighbours(right: str, twin: str) -> None:
    lm = load_lm(bundled_lm_path())
    assert lm.score(right, final=True) > lm.score(twin, final=True) + math.log(2)


def test_the_about_box_credits_the_language_models_source_and_licence() -> None:
    from desktop.about import about_text

    assert "wordfreq" in about_text(None) and "CC BY-SA 4.0" in about_text(None)
