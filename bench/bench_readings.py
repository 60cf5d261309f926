"""How long the readings dock takes to show a selected kanji, and the app's memory with it open.

An offscreen main window with the bundled Japanese model opens View > Readings and meanings,
then selects each of the model's kanji in turn as a chosen candidate does
(``ReadingsController.select``: the readings, the words and the stroke-order view follow),
timing each selection until the window has laid out and painted it. The first selection
right after the dock opens is timed apart (the kanji file may still be loading in its worker).
Goal (issue 14): <= 50 ms after selection; memory <= 400 MB. On a busy machine the wall time
includes waiting for a core; the process's CPU time per selection is printed beside it.

Usage: python bench/bench_readings.py [--every 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _rss_mb() -> tuple[float, float]:
    """The process's resident memory now and at its peak, in MB (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="time every Nth kanji of the model (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    os.environ["MOJIYOMI_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-readings-")
    from core.charclass import char_kind
    from desktop.app import make_application
    from desktop.main_window import MainWindow

    app = make_application()  # settings in the temporary data folder, as the app keeps them
    window = MainWindow("japanese")
    window.resize(900, 560)
    window.show()
    while window.current_bundle() is None:
        app.processEvents()
        time.sleep(0.01)
    bundle = window.current_bundle()
    assert bundle is not None
    kanji = [label for label in bundle.labels if char_kind(label) == "kanji"][::args.every]

    cpu: list[float] = []

    def select(char: str) -> float:
        started, used = time.perf_counter(), time.process_time()
        window.readings.select(char)
        app.processEvents()  # layout and paint of the dock
        cpu.append((time.process_time() - used) * 1000.0)
        return (time.perf_counter() - started) * 1000.0

    started = time.perf_counter()
    assert not window.readings.action.isChecked()
    window.readings.action.trigger()
    app.processEvents()
    opened = (time.perf_counter() - started) * 1000.0
    first = select(kanji[0])
    times = sorted(select(char) for char in kanji[1:])
    cpu = sorted(cpu[1:])  # the CPU time the process spent: what a machine with a free core would take
    rss, peak = _rss_mb()
    result = {"kanji": len(times), "open_ms": round(opened, 1), "first_ms": round(first, 1),
              "p50_ms": round(times[len(times) // 2], 2), "p95_ms": round(times[int(len(times) * 0.95)], 2),
              "max_ms": round(times[-1], 2), "cpu_p50_ms": round(cpu[len(cpu) // 2], 2),
              "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95)], 2), "rss_mb": round(rss), "peak_rss_mb": round(peak),
              "load": os.getloadavg()[0]}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['kanji']} kanji: dock opened in {opened:.0f} ms, first selection {first:.0f} ms, then "
              f"p50 {result['p50_ms']} / p95 {result['p95_ms']} / max {result['max_ms']} ms (CPU time p50 "
              f"{result['cpu_p50_ms']} / p95 {result['cpu_p95_ms']} ms); "
              f"memory {result['rss_mb']} MB (peak {result['peak_rss_mb']} MB); load {result['load']:.1f}")
    window.service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
