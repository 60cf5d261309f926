"""The installed Qt binding survives many signal emissions (PySide6 6.12.0 did not)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

class Counter(QObject):
    ping = Signal(int, object, str)

    def __init__(self):
        super().__init__()
        self.n = 0

    @Slot(int, object, str)
    def on_ping(self, i, item, name):
        self.n += 1

app = QCoreApplication([])
counter = Counter()
counter.ping.connect(counter.on_ping)
for i in range(20000):
    counter.ping.emit(i, None, "all")
print("emitted", counter.n)
"""


def test_twenty_thousand_signals_do_not_crash_the_interpreter() -> None:
    # A user writing all day emits far more than this; a refcount bug in the binding
    # aborts the whole app. Run in a child so an abort fails this test, not the suite.
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "emitted 20000" in out.stdout
