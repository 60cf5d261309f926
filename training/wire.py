"""Field checks of what crosses a process boundary: job events, job results, job configs.

Each check takes a value read from JSON and its field's name, and returns it typed or raises
``EventError`` naming the field and quoting the value (shortened). ``check_fields`` refuses
unknown keys and missing required ones of a dataclass's dict form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, NoReturn, TypeVar

__all__ = ["EventError", "check_bool", "check_fields", "check_int", "check_logs", "check_num", "check_str",
           "check_strs", "opt_int", "opt_num", "opt_str", "parse_tagged", "preview"]

T = TypeVar("T")

#: Longest repr of a bad value quoted in an error message.
_PREVIEW_CHARS = 120


class EventError(ValueError):
    """An event or job config that does not have the fields and types its kind needs."""


def preview(value: Any) -> str:
    """``repr(value)``, shortened for an error message."""
    text = repr(value)
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "…"


def _fail(name: str, value: Any, what: str, nullable: bool) -> NoReturn:
    raise EventError(f"{name} must be {what}{' or null' if nullable else ''}. Received: {name}={preview(value)}")


def check_int(value: Any, name: str, nullable: bool = False) -> int:
    """An integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(name, value, "an integer", nullable)
    return value


def check_num(value: Any, name: str, nullable: bool = False) -> float:
    """A number as float (not a bool; NaN allowed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(name, value, "a number", nullable)
    return float(value)


def check_str(value: Any, name: str, nullable: bool = False) -> str:
    """A string."""
    if not isinstance(value, str):
        _fail(name, value, "a string", nullable)
    return value


def check_bool(value: Any, name: str) -> bool:
    """True or false."""
    if not isinstance(value, bool):
        raise EventError(f"{name} must be true or false. Received: {name}={preview(value)}")
    return value


def check_strs(value: Any, name: str) -> tuple[str, ...]:
    """A list of strings, as a tuple."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise EventError(f"{name} must be a list of strings. Received: {name}={preview(value)}")
    return tuple(value)


def opt_int(value: Any, name: str) -> int | None:
    """``check_int``, or None."""
    return None if value is None else check_int(value, name, nullable=True)


def opt_num(value: Any, name: str) -> float | None:
    """``check_num``, or None."""
    return None if value is None else check_num(value, name, nullable=True)


def opt_str(value: Any, name: str) -> str | None:
    """``check_str``, or None."""
    return None if value is None else check_str(value, name, nullable=True)


def check_logs(value: Any, name: str = "logs") -> dict[str, float]:
    """Keras logs: metric name -> number (NaN allowed: a diverging run reports it)."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise EventError(f"{name} must be an object of metric names. Received: {name}={preview(value)}")
    return {k: check_num(v, f"{name}[{k!r}]") for k, v in value.items()}


def check_fields(cls: type, obj: Mapping[str, Any], required: tuple[str, ...], what: str = "") -> dict[str, Any]:
    """``obj``'s fields of ``cls``: unknown keys and missing required ones are refused."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(obj) - known - ({"event"} if hasattr(cls, "event") else set()))
    missing = [key for key in required if key not in obj]
    if unknown or missing:
        what = what or f"A {getattr(cls, 'event', '')!r} event"
        raise EventError(f"{what} needs the keys {sorted(required)} and knows only {sorted(known)}. "
                         f"Received keys {sorted(obj)}")
    return dict(obj)


def parse_tagged(obj: Any, key: str, parsers: Mapping[str, Callable[[Mapping[str, Any]], T]], subject: str,
                 kind: str, name: str = "") -> T:
    """What a dict tagged with its kind describes (``{"event": "batch", ...}``), read by its kind's parser.

    Args:
        obj: The dict, as it crossed the boundary.
        key: The key that names its kind.
        parsers: The parser of each kind.
        subject: What the dict is, for the message ("An event"; not a ``what``: these errors are not
            the catalogue's, ``resources/i18n/errors.py``).
        kind: What its kind is called, for the message ("event kind").
        name: The name the dict is quoted under in the message ("" when none).

    Raises:
        EventError: if ``obj`` is not an object with string keys, or its kind is not one of ``parsers``.
    """
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        article = "an" if key[:1] in tuple("aeiou") else "a"
        raise EventError(f"{subject} must be an object with {article} {key!r} key. Received: {name}{preview(obj)}")
    tag = obj.get(key)
    parse = parsers.get(tag) if isinstance(tag, str) else None
    if parse is None:
        raise EventError(f"Unknown {kind}. Received: {key}={preview(tag)}, expected one of {sorted(parsers)}")
    return parse(obj)
