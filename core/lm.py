"""A character n-gram model of Japanese text: how likely a character is after the text before it.

The model is interpolated Kneser-Ney over characters (order 3), built from word
frequencies by ``training/lm_build.py``. Words are modelled with an end-of-word symbol;
text is a sequence of words, so the probability of a character after ``context`` is

    P(c | ab) = P_w(c | ab) + P_w(</w> | ab) * P_w(c | <w>)

the chance that the current word goes on with ``c``, plus the chance that it ends there and
a new word starts with ``c``. Digits are one token (multi-digit numbers are counted without
their digit values, as the word-frequency source stores them), each digit a tenth of it.

The file is an uncompressed ``.npz`` of sorted key arrays searched with ``numpy``: it loads
in milliseconds and never imports TensorFlow.
"""

from __future__ import annotations

import io
import json
import math
import os
import unicodedata
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from core.safeio import read_bytes

FORMAT = "mojiyomi-char-lm"
FORMAT_VERSION = 1
#: Largest model file accepted (the bundled one is a few MB).
MAX_BYTES = 64 * 1024 * 1024
#: Symbols: beginning of a word, end of a word, any digit, any character not in the vocabulary.
BOW, EOW, DIGIT, UNKNOWN = "\x02", "\x03", "\x04", "\x05"
#: Ids of the symbols in every vocabulary (the builder puts them first).
BOW_ID, EOW_ID, DIGIT_ID, UNKNOWN_ID = 0, 1, 2, 3
#: log P of a character the model has never seen.
UNKNOWN_LOG_PROB = math.log(1e-7)
#: Contexts whose distributions are kept (a line of text needs a few dozen).
CACHE_SIZE = 512
_BITS = 16


def normalize_char(char: str) -> str:
    """The token a character is counted as: NFKC (full-width to ASCII), every digit one token."""
    char = unicodedata.normalize("NFKC", char)
    if len(char) == 1 and char.isdigit() and unicodedata.decimal(char, -1) >= 0:
        return DIGIT
    return char


@dataclass(frozen=True)
class CharLM:
    """A loaded character n-gram model (see the module docstring).

    Attributes:
        vocab: The tokens, by id.
        unigram: log P(token) of the lowest order, by id.
        gamma1: Back-off weight of each one-token context, by id.
        keys2, alpha2: Sorted two-token keys and their discounted probabilities.
        keys3, alpha3: Sorted three-token keys and their discounted probabilities.
        ctx2, gamma2: Sorted two-token contexts and their back-off weights.
        metadata: Source, licence, counts and the build command.
    """

    vocab: tuple[str, ...]
    unigram: np.ndarray
    gamma1: np.ndarray
    keys2: np.ndarray
    alpha2: np.ndarray
    keys3: np.ndarray
    alpha3: np.ndarray
    ctx2: np.ndarray
    gamma2: np.ndarray
    metadata: dict[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {token: i for i, token in enumerate(self.vocab)})
        object.__setattr__(self, "_cache", OrderedDict())
        object.__setattr__(self, "_log_cache", OrderedDict())
        object.__setattr__(self, "_word_cache", OrderedDict())
        # exp of the lowest order, which every word distribution starts from.
        object.__setattr__(self, "_p1", np.exp(self.unigram.astype(np.float64)))

    @property
    def order(self) -> int:
        """The longest n-gram the model knows."""
        return 3

    def token_id(self, char: str) -> int:
        """The id of a character's token (``UNKNOWN_ID`` when the model has not seen it)."""
        ids: dict[str, int] = self.__dict__["_ids"]
        found = ids.get(char)
        if found is None:
            found = ids.get(normalize_char(char), UNKNOWN_ID)
            if len(ids) < len(self.vocab) + 65536:  # remember spellings seen (full-width, digits)
                ids[char] = found
        return found

    def log_prob(self, context: str, char: str) -> float:
        """log P(char | the text before it), natural log.

        Args:
            context: The text before ``char`` (only its last three characters count); empty
                at the start of a text.
            char: One character.
        """
        return float(self.log_probs(context, (char,))[0])

    def log_probs(self, context: str, chars: Sequence[str]) -> np.ndarray:
        """``log_prob(context, c)`` for each of ``chars`` at once (one distribution lookup)."""
        return self.log_distribution(context)[self.token_ids(chars)]

    def token_ids(self, chars: Sequence[str]) -> np.ndarray:
        """``token_id`` of each of ``chars``, to index ``log_distribution`` (a decoder asks of the
        same candidates in many contexts)."""
        return np.fromiter((self.token_id(c) for c in chars), np.intp, len(chars))

    def log_distribution(self, context: str) -> np.ndarray:
        """log P(token | context) of every token id, each digit a tenth of the digits' token and
        ``UNKNOWN_LOG_PROB`` for what the model has not seen; cached per context. Read only."""
        return _remembered(self.__dict__["_log_cache"], self._context_key(context),
                           lambda: _logs(self.distribution(context)))

    def score(self, text: str, context: str = "", final: bool = False) -> float:
        """log P of ``text`` following ``context``: the sum of each character's ``log_prob``.

        Args:
            text: The characters to score.
            context: The text before them.
            final: Whether the text ends after ``text`` (a lone 口 is a word, a lone ロ rarely is).
        """
        total, seen = 0.0, context
        for char in text:
            total += self.log_prob(seen, char)
            seen += char
        return total + (self.end_log_prob(seen) if final else 0.0)

    def end_log_prob(self, context: str) -> float:
        """log P that a word ends after ``context`` (so that the text may end there)."""
        (a, b), (cont, new) = self._states(context)
        p = (cont * float(self._word_distribution(a, b)[EOW_ID])
             + new * float(self._word_distribution(BOW_ID, b)[EOW_ID])) / (cont + new)
        return math.log(p) if p > 0 else UNKNOWN_LOG_PROB

    def distribution(self, context: str) -> np.ndarray:
        """P(token | context) for every token id (digits as one token); cached per context.

        The last character of the context either continues the word of the one before it or
        begins a new word; both are weighed by how likely the model finds them.
        """
        return _remembered(self.__dict__["_cache"], self._context_key(context),
                           lambda: self._compute_distribution(context))

    def _context_key(self, context: str) -> tuple[int, ...]:
        """What a distribution depends on: the tokens of the context's last three characters."""
        return tuple(self.token_id(c) for c in context[-3:])

    def _compute_distribution(self, context: str) -> np.ndarray:
        (a, b), (cont, new) = self._states(context)
        p = cont * self._text_distribution(a, b)
        if new:
            p = p + new * self._text_distribution(BOW_ID, b)
        p[EOW_ID] = p[BOW_ID] = 0.0
        p /= p.sum()
        return p

    def _states(self, context: str) -> tuple[tuple[int, int], tuple[float, float]]:
        """The last two tokens, and the weights of "the last one continues a word" and "it begins one"."""
        ids = [self.token_id(c) for c in context[-3:]]
        x, a, b = [BOW_ID] * (3 - len(ids)) + ids
        if b == BOW_ID or a == BOW_ID:  # at most one character: it begins the word
            return (a, b), (1.0, 0.0)
        cont = float(self._word_distribution(x, a)[b])
        new = float(self._word_distribution(x, a)[EOW_ID]) * float(self._word_distribution(BOW_ID, BOW_ID)[b])
        if cont + new <= 0:
            return (a, b), (1.0, 0.0)
        return (a, b), (cont, new)

    def _text_distribution(self, a: int, b: int) -> np.ndarray:
        """P(token | a b): the word goes on, or it ends after b and the next one begins."""
        p = self._word_distribution(a, b)
        if b == BOW_ID:
            return p.copy()
        return p + p[EOW_ID] * self._word_distribution(BOW_ID, BOW_ID)

    def _word_distribution(self, a: int, b: int) -> np.ndarray:
        """P_w(token | a b) inside a word, interpolated down to the unigram (cached)."""
        return _remembered(self.__dict__["_word_cache"], (a, b), lambda: self._compute_word_distribution(a, b))

    def _compute_word_distribution(self, a: int, b: int) -> np.ndarray:
        p1 = self.__dict__["_p1"]
        p2 = float(self.gamma1[b]) * p1
        _scatter(p2, self.keys2, self.alpha2, _key(b), 1)
        gamma = _lookup(self.ctx2, self.gamma2, _key(a, b), default=1.0)
        p3 = gamma * p2
        _scatter(p3, self.keys3, self.alpha3, _key(a, b), 1)
        return p3


def _remembered(cache: OrderedDict[tuple[int, ...], np.ndarray], key: tuple[int, ...],
                make: Callable[[], np.ndarray]) -> np.ndarray:
    """``cache[key]``, made by ``make`` the first time; the least recently used of more than
    ``CACHE_SIZE`` entries is forgotten."""
    found = cache.get(key)
    if found is None:
        found = cache[key] = make()
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return found


def _logs(p: np.ndarray) -> np.ndarray:
    """A distribution's log-probabilities as ``log_distribution`` gives them (read only)."""
    p = p.copy()
    p[DIGIT_ID] /= 10.0  # each digit a tenth of the token
    p[UNKNOWN_ID] = 0.0
    with np.errstate(divide="ignore"):
        out = np.where(p > 0, np.log(p), UNKNOWN_LOG_PROB)
    out.flags.writeable = False
    return out


def _key(*ids: int) -> int:
    key = 0
    for i in ids:
        key = (key << _BITS) | i
    return key


def _lookup(keys: np.ndarray, values: np.ndarray, key: int, default: float = 0.0) -> float:
    i = int(np.searchsorted(keys, keys.dtype.type(key)))
    if i < len(keys) and int(keys[i]) == key:
        return float(values[i])
    return default


def _scatter(out: np.ndarray, keys: np.ndarray, values: np.ndarray, prefix: int, width: int) -> None:
    """Adds to ``out[last id]`` the values of every key that starts with ``prefix``."""
    low = keys.dtype.type(prefix << (_BITS * width))
    high = keys.dtype.type((prefix + 1) << (_BITS * width))
    start, stop = np.searchsorted(keys, [low, high])
    if stop > start:
        last = (keys[start:stop] & keys.dtype.type((1 << _BITS) - 1)).astype(np.intp)
        out[last] += values[start:stop]


def load_lm(path: str | os.PathLike[str]) -> CharLM:
    """Loads a model written by ``training.lm_build``.

    Raises:
        InputError: if the file is missing, too large, not such a model or inconsistent.
    """
    data = read_bytes(path, MAX_BYTES, "language model")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            parts = {name: arrays[name] for name in arrays.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"The language model {path} is unreadable: {exc}") from exc
    needed = ("vocab", "unigram", "gamma1", "keys2", "alpha2", "keys3", "alpha3", "ctx2", "gamma2", "metadata")
    missing = [name for name in needed if name not in parts]
    if missing:
        raise InputError(f"The language model {path} lacks {', '.join(missing)}.")
    try:
        metadata = json.loads(bytes(parts["metadata"]).decode("utf-8"))
        vocab = tuple(json.loads(bytes(parts["vocab"]).decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise InputError(f"The language model {path} has unreadable metadata: {exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise InputError(f"{path} is not a mojiyomi language model (format={FORMAT!r} expected).")
    if len(vocab) != len(parts["unigram"]) or len(vocab) != len(parts["gamma1"]) or len(vocab) >= 1 << _BITS:
        raise InputError(f"The language model {path} is inconsistent: {len(vocab)} tokens, "
                         f"{len(parts['unigram'])} unigram entries.")
    return CharLM(vocab, parts["unigram"], parts["gamma1"], parts["keys2"], parts["alpha2"],
                  parts["keys3"], parts["alpha3"], parts["ctx2"], parts["gamma2"], metadata)


def lm_credit(path: str | os.PathLike[str] | None = None) -> str:
    """One line crediting the language model's source and licence ("" if it cannot be read).

    Reads only the file's metadata member, not the model.
    """
    try:
        with np.load(path or bundled_lm_path(), allow_pickle=False) as arrays:
            metadata = json.loads(bytes(arrays["metadata"]).decode("utf-8"))
        return f"{metadata['source']}: {metadata['licence']}"
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        return ""


def bundled_lm_path() -> Path:
    """The language model that ships with mojiyomi."""
    from core.paths import resources_dir

    return resources_dir() / "lm" / "japanese-char3.npz"
