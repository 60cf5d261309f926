"""Messages that native libraries write straight to the process's stderr, passed to the log.

LiteRT's C++ runtime ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.") and the
codecs inside OpenCV ("libpng error: IDAT: CRC error", "Corrupt JPEG data: 2 extraneous
bytes before marker") print to file descriptor 2 themselves, past Python's logging and past
OpenCV's own log level. In the command line they would come before the one-line message;
around the calls that print them, file descriptor 2 is pointed at a temporary file whose
text then goes to the log (level INFO: shown with ``mojiyomi -v``).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: One capture at a time: file descriptor 2 belongs to the whole process.
_CAPTURE = threading.RLock()
#: Most bytes of captured output passed on to the log.
MAX_CAPTURED = 64 * 1024


@contextmanager
def native_stderr_to_log(log: logging.Logger, source: str) -> Iterator[None]:
    """Passes what is written to the process's stderr meanwhile to ``log`` (level INFO).

    Whatever another thread writes to stderr in that time goes to the log too.

    Args:
        log: Where the captured lines go.
        source: Put before each line, e.g. "LiteRT".
    """
    with _CAPTURE, tempfile.TemporaryFile() as capture:
        try:
            if sys.stderr is not None:
                sys.stderr.flush()
            saved = os.dup(2)
        except OSError:  # no stderr at all (a windowed app): nothing to hide
            saved = -1
        if saved >= 0:
            os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            if saved >= 0:
                os.dup2(saved, 2)
                os.close(saved)
        capture.seek(0)
        text = capture.read(MAX_CAPTURED).decode("utf-8", "replace")
    for line in text.splitlines():
        if line.strip():
            log.info("%s: %s", source, line)
