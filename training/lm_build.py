"""Builds the character n-gram model of ``core.lm`` from Japanese word frequencies.

The source is the ``wordfreq`` package's Japanese "large" list (about 215,000 words with
their frequencies in Wikipedia, subtitles, web text, Twitter and Reddit; data CC BY-SA 4.0,
code Apache-2.0). Each word counts as often as it would in a corpus of ``--tokens`` words;
characters are counted inside words, with a beginning- and an end-of-word symbol, and
smoothed by interpolated Kneser-Ney. Only the words' characters are used, never a text that
a benchmark reads (the words benchmark takes its phrases from another source).

    python -m training.lm_build --out resources/lm/japanese-char3.npz

Needs ``pip install wordfreq`` (the ``lm`` extra); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import shlex
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.atomic import atomic_write_bytes
from core.charclass import char_kind
from core.errors import DatasetError
from core.lm import BOW, DIGIT, EOW, FORMAT, FORMAT_VERSION, UNKNOWN, _key, normalize_char

#: Kneser-Ney discounts of the trigram and bigram orders.
DISCOUNT3 = 0.8
DISCOUNT2 = 0.8
#: Share of the lowest order given to every token alike, so none has probability 0.
UNIFORM_SHARE = 0.01
#: Characters no Japanese word begins with.
NO_WORD_START = frozenset("ーッっャュョゃゅょァィゥェォぁぃぅぇぉヮゎヵヶ々")
#: Marks written in Japanese text that are kept besides kana, kanji, digits and Latin.
JAPANESE_MARKS = frozenset("々〆ヶー・、。「」『』（）！？～〜※○×△□〒+-=/%:.,()!?")


def keep_word(word: str) -> bool:
    """True for words of Japanese text: kana, kanji, digits, Latin and common marks only.

    Words that begin with a mark no word begins with (ー, っ, ゃ...) are left out: they are the
    tokenizer's pieces of longer words (すご|ー|い), and would make ー as likely as 一 to begin a
    word.
    """
    if not word or word[0] in NO_WORD_START:
        return False
    for char in unicodedata.normalize("NFKC", word):
        if char_kind(char) == "symbol" and char not in JAPANESE_MARKS:
            return False
        if char_kind(char) in ("latin", "digit") and not char.isascii():  # Greek, Thai digits...
            return False
    return bool(word)


def word_tokens(word: str) -> list[str]:
    """A word as the model's tokens: two beginning symbols, its characters, the end symbol."""
    return [BOW, BOW] + [normalize_char(c) for c in unicodedata.normalize("NFKC", word)] + [EOW]


def build(words: Iterable[tuple[str, float]], min_count: float = 0.0) -> dict[str, np.ndarray]:
    """Counts and smooths the n-grams of weighted words; returns the arrays ``core.lm`` loads.

    Args:
        words: (word, count) pairs; a count may be fractional.
        min_count: Trigrams counted less than this are left to the lower orders (pruning).
    """
    tri: dict[tuple[str, str, str], float] = defaultdict(float)
    for word, count in words:
        tokens = word_tokens(word)
        for i in range(2, len(tokens)):
            tri[(tokens[i - 2], tokens[i - 1], tokens[i])] += count
    if not tri:
        raise DatasetError("No words to build a language model from. Received: 0 words")
    vocab = [BOW, EOW, DIGIT, UNKNOWN] + sorted({t for gram in tri for t in gram} - {BOW, EOW, DIGIT, UNKNOWN})
    ids = {token: i for i, token in enumerate(vocab)}

    # Trigram order: discounted counts over the two-token context.
    context_total: dict[tuple[str, str], float] = defaultdict(float)
    context_types: dict[tuple[str, str], int] = defaultdict(int)
    for (a, b, _), n in tri.items():
        context_total[(a, b)] += n
        context_types[(a, b)] += 1
    alpha3 = {gram: max(n - DISCOUNT3, 0.0) / context_total[gram[:2]]
              for gram, n in tri.items() if n >= min_count}
    kept_mass: dict[tuple[str, str], float] = defaultdict(float)
    for gram, value in alpha3.items():
        kept_mass[gram[:2]] += value
    gamma2 = {ctx: 1.0 - kept_mass[ctx] for ctx in context_total}

    # Bigram order: continuation counts (how many different tokens come before b c).
    cont2: dict[tuple[str, str], int] = defaultdict(int)
    for (_, b, c) in tri:
        cont2[(b, c)] += 1
    b_total: dict[str, float] = defaultdict(float)
    b_types: dict[str, int] = defaultdict(int)
    for (b, _), n in cont2.items():
        b_total[b] += n
        b_types[b] += 1
    alpha2 = {gram: max(n - DISCOUNT2, 0.0) / b_total[gram[0]] for gram, n in cont2.items()}
    gamma1 = np.ones(len(vocab), np.float64)
    for b, total in b_total.items():
        gamma1[ids[b]] = DISCOUNT2 * b_types[b] / total

    # Lowest order: how many different tokens come before c, with a little uniform mass.
    cont1 = np.zeros(len(vocab), np.float64)
    for (_, c) in cont2:
        cont1[ids[c]] += 1
    unigram = (1 - UNIFORM_SHARE) * cont1 / cont1.sum() + UNIFORM_SHARE / len(vocab)
    unigram[ids[BOW]] = unigram[ids[UNKNOWN]] = 1e-12

    keys2, values2 = _sorted({_key(ids[b], ids[c]): v for (b, c), v in alpha2.items()})
    keys3, values3 = _sorted({_key(ids[a], ids[b], ids[c]): v for (a, b, c), v in alpha3.items()})
    ctx2, gammas = _sorted({_key(ids[a], ids[b]): v for (a, b), v in gamma2.items()})
    return {"vocab": np.frombuffer(json.dumps(vocab, ensure_ascii=False).encode("utf-8"), np.uint8),
            "unigram": np.log(unigram).astype(np.float32), "gamma1": gamma1.astype(np.float32),
            "keys2": keys2.astype(np.uint32), "alpha2": values2,
            "keys3": keys3.astype(np.uint64), "alpha3": values3,
            "ctx2": ctx2.astype(np.uint32), "gamma2": gammas}


def _sorted(table: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.fromiter(table.keys(), np.uint64, len(table))
    values = np.fromiter(table.values(), np.float64, len(table))
    order = np.argsort(keys)
    return keys[order], values[order].astype(np.float32)


def wordfreq_words(tokens: float, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
    """The wordfreq Japanese "large" list as (word, expected count in ``tokens`` words).

    Raises:
        DatasetError: if the ``wordfreq`` package is not installed.
    """
    try:
        import wordfreq  # the optional ``lm`` extra: only this script needs it
    except ImportError:
        raise DatasetError("Building the language model needs wordfreq: pip install 'mojiyomi[lm]'.") from None
    skip = set(exclude)
    frequencies = wordfreq.get_frequency_dict("ja", wordlist="large")
    return [(word, freq * tokens) for word, freq in frequencies.items() if keep_word(word) and word not in skip]


def write_lm(arrays: dict[str, np.ndarray], metadata: dict[str, object], out: Path) -> int:
    """Writes the model as an uncompressed ``.npz`` atomically; returns its size in bytes."""
    buffer = io.BytesIO()
    meta = np.frombuffer(json.dumps(metadata, ensure_ascii=False).encode("utf-8"), np.uint8)
    payload: dict[str, Any] = {"metadata": meta, **arrays}
    np.savez(buffer, **payload)
    atomic_write_bytes(out, buffer.getvalue())
    return len(buffer.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: builds the model and prints its size and counts."""
    parser = argparse.ArgumentParser(prog="python -m training.lm_build", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the .npz file to write")
    parser.add_argument("--tokens", type=float, default=1e8,
                        help="corpus size the word frequencies are scaled to (default 1e8)")
    parser.add_argument("--min-count", type=float, default=2.0,
                        help="trigrams counted less are left to the lower orders (default 2)")
    args = parser.parse_args(argv)
    started = time.time()
    words = wordfreq_words(args.tokens)
    arrays = build(words, args.min_count)
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "order": 3,
                "smoothing": f"interpolated Kneser-Ney, discounts {DISCOUNT3}/{DISCOUNT2}, "
                             f"trigrams counted under {args.min_count:g} pruned",
                "source": f"wordfreq {importlib.metadata.version('wordfreq')} Japanese 'large' word list "
                          "(Wikipedia, subtitles, web text, Twitter, Reddit)",
                "licence": "data CC BY-SA 4.0 (wordfreq by Robyn Speer and contributors); wordfreq code Apache-2.0",
                "words": len(words), "tokens": len(json.loads(bytes(arrays["vocab"]).decode("utf-8"))),
                "bigrams": int(len(arrays["keys2"])), "trigrams": int(len(arrays["keys3"])),
                "command": "python -m training.lm_build " + shlex.join(sys.argv[1:] if argv is None else list(argv))}
    size = write_lm(arrays, metadata, args.out)
    print(f"{args.out}: {size / 1e6:.2f} MB, {metadata['words']:,} words, {metadata['tokens']:,} tokens, "
          f"{metadata['bigrams']:,} bigrams, {metadata['trigrams']:,} trigrams, {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
