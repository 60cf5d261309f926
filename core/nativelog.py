"""Messages that native libraries write straight to the process's stderr, passed to the log.

LiteRT's C++ runtime ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.") and the
codecs inside OpenCV ("libpng error: IDAT: CRC error") print to file descriptor 2
themselves, past Python's logging and past OpenCV's own log level. In the command line they
would come before the one-line message; around the calls that print them, file descriptor 2
is pointed at a temporary file whose text then goes to the log (level INFO: shown with
``mojiyomi -v``).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

#: Most bytes of captured output passed on to the log.
MAX_CAPTURED = 64 * 1024


class _Capture:
    """The process's one capture: file descriptor 2 belongs to the whole process.

    Its temporary file is made on first use and kept: making one takes about 40 µs, more
    than decoding a small picture. A forked child makes its own (it would share the offset).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.file: IO[bytes] | None = None
        self.pid = 0
        self.depth = 0


_CAPTURE = _Capture()


@contextmanager
def native_stderr_to_log(log: logging.Logger, source: str) -> Iterator[None]:
    """Passes what is written to the process's stderr meanwhile to ``log`` (level INFO).

    Whatever another thread writes to stderr in that time goes to the log too. Inside another
    capture, the outer one takes it.

    Args:
        log: Where the captured lines go.
        source: Put before each line, e.g. "LiteRT".
    """
    with _CAPTURE.lock:
        if _CAPTURE.depth:
            yield
            return
        if _CAPTURE.file is None or _CAPTURE.pid != os.getpid():
            _CAPTURE.file, _CAPTURE.pid = tempfile.TemporaryFile(), os.getpid()
        capture = _CAPTURE.file
        try:
            if sys.stderr is not None:
                sys.stderr.flush()
            saved = os.dup(2)
        except OSError:  # no stderr at all (a windowed app): nothing to hide
            yield
            return
        os.dup2(capture.fileno(), 2)
        _CAPTURE.depth += 1
        try:
            yield
        finally:
            _CAPTURE.depth -= 1
            os.dup2(saved, 2)
            os.close(saved)
            if capture.seek(0, os.SEEK_END):  # also when the call failed: its complaint is worth keeping
                capture.seek(0)
                text = capture.read(MAX_CAPTURED)
                capture.seek(0)
                capture.truncate()
                for line in text.decode("utf-8", "replace").splitlines():
                    if line.strip():
                        log.info("%s: %s", source, line)
