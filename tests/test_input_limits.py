"""Every bad picture or ink at the boundary: one line on stderr, status 1, nothing written.

Special files (FIFOs, links to endless devices), pictures whose header claims billions of
pixels, and ink whose JSON is hostile are refused before anything large is read or
decoded, in the library and in ``mojiyomi recognize``, whose stderr carries nothing else:
not LiteRT's XNNPACK line, not OpenCV's ``[ERROR:0@...]`` lines.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import InputError
from core.images import read_image
from core.ink import MAX_POINTS, Ink, iter_ink_dataset, load_ink, make_stroke, save_ink
from mojiyomi.cli import main
from tests.test_images import HUGE

REPO = Path(__file__).resolve().parent.parent
#: Address space of the processes that read endless devices: should a read not stop, it fails
#: with MemoryError there (the fuzz found 3.3 GB read from /dev/zero) instead of starving the machine.
CHILD_MEMORY = 2 * 1024 ** 3
needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists()
                                 or not Path("/proc/self/status").exists(), reason="FIFOs, /dev/zero, /proc: Linux")


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _link(target: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.symlink_to(target)
        return path
    return make


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return make


def _ink(text: str) -> Callable[[Path], Path]:
    return _bytes(text.encode())


def _hdr(path: Path) -> Path:
    assert cv2.imwrite(str(path), np.full((20, 20, 3), 0.5, np.float32))
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _damaged_png(claim: int | None = None) -> Callable[[Path], Path]:
    """A PNG whose image data is damaged (libpng prints an error), or whose image-data chunk
    claims ``claim`` bytes."""
    def make(path: Path) -> Path:
        data = bytearray(cv2.imencode(".png", np.full((60, 60), 200, np.uint8))[1].tobytes())
        at = data.index(b"IDAT")
        if claim is None:
            data[at + 20] ^= 0xFF
        else:
            data[at - 4:at] = claim.to_bytes(4, "big")
        path.write_bytes(bytes(data))
        return path
    return make


GOOD_STROKES = '"strokes": [[[10, 10], [10, 90]]]'
#: name -> (maker of the file at a path, words the one line must hold)
BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo.png": (_fifo, "not a regular file (it is a FIFO)"),
    "fifo.json": (_fifo, "not a regular file (it is a FIFO)"),
    "device-zero.png": (_link("/dev/zero"), "not a regular file (it is a device)"),
    "device-urandom.png": (_link("/dev/urandom"), "not a regular file (it is a device)"),
    "device-zero.json": (_link("/dev/zero"), "not a regular file (it is a device)"),
    "device-urandom.json": (_link("/dev/urandom"), "not a regular file (it is a device)"),
    "folder.png": (_folder, "is a folder"),
    **{f"{name}.img": (_bytes(data), "too large to recognize") for name, data in HUGE.items()},
    "float.hdr": (_hdr, "not a picture that can be read"),
    "damaged.png": (_damaged_png(), "not a picture that can be read"),
    "claims-2GB.png": (_damaged_png(0x7FFFFFFF), "chunk claims 2,147,483,647 bytes"),
    "width-list.json": (_ink('{"width": [100], "height": 100, ' + GOOD_STROKES + "}"), "width must be a number"),
    "height-dict.json": (_ink('{"width": 100, "height": {"a": 1}, ' + GOOD_STROKES + "}"), "height must be a number"),
    "digits-400.json": (_ink('{"width": 100, "height": 100, "strokes": [[[1' + "0" * 399 + ", 10]]]}"),
                        "integer of 400 digits"),
    "1e400.json": (_ink('{"width": 1e400, "height": 100, ' + GOOD_STROKES + "}"), "width must be a finite number"),
    "nested.json": (_ink('{"width": 100, "height": 100, ' + GOOD_STROKES + ', "x": ' + "[" * 1000 + "]" * 1000 + "}"),
                    "nested too deeply"),
    "strokes.json": (_ink('{"strokes": [' + ", ".join(["[[1, 2]]"] * 10_001) + "]}"), "at most 10,000 strokes"),
    "label.json": (_ink('{"label": ["7"], ' + GOOD_STROKES + "}"), "'label' must be a string"),
    "string-x.json": (_ink('{"strokes": [[["10", 10], [10, 90]]]}'), "x of a point in stroke 1 must be a number"),
}


def _within(seconds: float, call: Callable[[], object], blocking: Path | None = None) -> object:
    """``call()``'s result, failing the test if it has not returned within ``seconds``.

    A read blocked on the FIFO ``blocking`` is released (by opening its other end) so that the
    test run goes on.
    """
    result: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed back to the test's thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        if blocking is not None:
            os.close(os.open(blocking, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail(f"still running after {seconds} s (blocked on {blocking})")
    if errors:
        raise errors[0]
    return result[0] if result else None


def _tree(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.lstat().st_mtime for p in folder.rglob("*")}


#: The inputs read in this process (a device is read only in a child with bounded memory).
IN_PROCESS = sorted(name for name in BAD_INPUTS if not name.startswith("device"))


@needs_posix
@pytest.mark.parametrize("name", IN_PROCESS)
def test_library_refuses_bad_files_at_once(tmp_path: Path, name: str) -> None:
    make, words = BAD_INPUTS[name]
    path = make(tmp_path / name)
    read = load_ink if name.endswith(".json") else read_image
    with pytest.raises(InputError, match=_pattern(words)):
        _within(10, lambda: read(path), path if name.startswith("fifo") else None)


def test_ink_datasets_must_be_regular_files(tmp_path: Path) -> None:
    path = _fifo(tmp_path / "set.jsonl")
    with pytest.raises(InputError, match=_pattern("not a regular file (it is a FIFO)")):
        _within(10, lambda: list(iter_ink_dataset(path)), path)


_READ_DEVICES = """
import sys
from core.images import read_image
from core.ink import iter_ink_dataset, load_ink
readers = {".png": read_image, ".json": load_ink, ".jsonl": lambda path: list(iter_ink_dataset(path))}
for path in sys.argv[1:]:
    try:
        readers[path[path.rindex("."):]](path)
        print(path, "was read")
    except Exception as exc:
        print(f"{path}: {type(exc).__name__}: {exc}", flush=True)
"""


@needs_posix
def test_endless_devices_are_refused_without_reading(tmp_path: Path) -> None:
    # Links to the devices, read in a child with bounded memory and time: code that read them
    # would fail there, not take this machine's memory.
    links = [_link(device)(tmp_path / f"{Path(device).name}{suffix}")
             for device in ("/dev/zero", "/dev/urandom") for suffix in (".png", ".json", ".jsonl")]
    out = subprocess.run([sys.executable, "-c", _READ_DEVICES, *map(str, links)], cwd=REPO, capture_output=True,
                         text=True, timeout=60, preexec_fn=_bounded_memory)
    lines = out.stdout.splitlines()
    assert len(lines) == 6 and all("InputError" in line and "not a regular file (it is a device)" in line
                                   for line in lines), out.stdout + out.stderr


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


@needs_posix
@pytest.mark.parametrize("name", IN_PROCESS)
def test_recognize_gives_one_line_status_1_and_writes_nothing(tiny_bundle: Path, tmp_path: Path, name: str,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    make, words = BAD_INPUTS[name]
    path = make(tmp_path / name)
    before = _tree(tmp_path)
    code = _within(30, lambda: main(["recognize", "--model", str(tiny_bundle), str(path)]),
                   path if name.startswith("fifo") else None)
    out, err = capfd.readouterr()
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("mojiyomi: error: ") and words in err, err
    assert _tree(tmp_path) == before  # nothing written: not beside the file, not in the data folder


def _pattern(words: str) -> str:
    return "".join("\\" + c if c in "()[].*+?{}|^$\\" else c for c in words)


#: Runs ``mojiyomi`` and, at exit, writes its peak memory (this process's alone: ``ru_maxrss``
#: of a child also counts the parent it was forked from) to the file descriptor $PEAK_FD.
_MEASURED = ("import atexit, os, runpy, sys\n"
             "def peak():\n"
             "    with open('/proc/self/status') as status:\n"
             "        line = next(line for line in status if line.startswith('VmHWM'))\n"
             "    os.write(int(os.environ['PEAK_FD']), line.encode())\n"
             "atexit.register(peak)\n"
             "sys.argv[0] = 'mojiyomi'\n"
             "runpy.run_module('mojiyomi', run_name='__main__')\n")


def _recognize_in_new_process(args: list[str], data_dir: Path) -> tuple[int, str, str, int]:
    """Runs ``mojiyomi recognize`` in a fresh process: (status, stdout, stderr, its peak memory in MB)."""
    env = {**os.environ, "MOJIYOMI_DATA_DIR": str(data_dir)}
    for name in ("OPENCV_LOG_LEVEL", "OPENCV_IO_MAX_IMAGE_PIXELS", "TF_CPP_MIN_LOG_LEVEL"):
        env.pop(name, None)  # as a user runs it
    read_peak, write_peak = os.pipe()
    try:
        out = subprocess.run([sys.executable, "-c", _MEASURED, "recognize", *args], cwd=REPO,
                             env={**env, "PEAK_FD": str(write_peak)}, capture_output=True, text=True, timeout=120,
                             pass_fds=(write_peak,), preexec_fn=_bounded_memory)
        os.close(write_peak)
        with os.fdopen(read_peak) as peak:
            kilobytes = int(peak.read().split()[1])
    finally:
        for fd in (read_peak, write_peak):
            try:
                os.close(fd)
            except OSError:
                pass
    return out.returncode, out.stdout, out.stderr, kilobytes // 1024


@needs_posix
def test_recognize_prints_nothing_else_on_stderr(digits_bundle: Path, tmp_path: Path) -> None:
    # A fresh process, as a user runs it: LiteRT prints its XNNPACK line once per process,
    # OpenCV its [ERROR:0@...] lines for pictures it cannot read.
    save_ink(Ink((make_stroke([(50, 10), (50, 90)]),), 100, 100), tmp_path / "one.json")
    code, out, err, _ = _recognize_in_new_process(["--model", str(digits_bundle), str(tmp_path / "one.json")],
                                                  tmp_path / "data")
    assert (code, err) == (0, "") and out.startswith(f"{tmp_path / 'one.json'}: 1 ")

    bad = [make(tmp_path / name) for name, (make, _) in sorted(BAD_INPUTS.items()) if not name.startswith("fifo")]
    truncated = tmp_path / "truncated.pgm"  # OpenCV logs an error reading it
    truncated.write_bytes(b"P5\n100 100\n255\n" + bytes(10))
    bad.append(truncated)
    before = _tree(tmp_path)
    code, out, err, peak = _recognize_in_new_process(["--model", str(digits_bundle), *map(str, bad)],
                                                     tmp_path / "data")
    lines = err.splitlines()
    assert code == 1 and out == ""
    assert len(lines) == len(bad) and all(line.startswith("mojiyomi: error: ") for line in lines), err
    assert _tree(tmp_path) == before
    assert peak < 250, f"{peak} MB at the most for refused pictures"  # about 70 MB; decoding one took 0.5-1.8 GB


def test_stderr_of_native_code_goes_to_the_log(capfd: pytest.CaptureFixture[str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from core.nativelog import native_stderr_to_log

    caplog.set_level("INFO", logger="core.recognizer")
    with native_stderr_to_log(logging.getLogger("core.recognizer"), "LiteRT"):
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
    os.write(2, b"after\n")
    with pytest.raises(RuntimeError), native_stderr_to_log(logging.getLogger("core.recognizer"), "LiteRT"):
        os.write(2, b"ERROR: The model is not a valid Flatbuffer buffer\n")
        raise RuntimeError("failed")
    assert capfd.readouterr().err == "after\n"
    assert "LiteRT: INFO: Created TensorFlow Lite XNNPACK delegate for CPU." in caplog.text
    assert "LiteRT: ERROR: The model is not a valid Flatbuffer buffer" in caplog.text


@pytest.mark.slow
def test_an_ink_at_the_point_limit_is_read(tmp_path: Path) -> None:
    points = json.dumps([[i % 1000, i // 1000, i, 0.5] for i in range(MAX_POINTS)])
    (tmp_path / "big.json").write_text('{"width": 1000, "height": 1000, "strokes": [' + points + "]}")
    assert len(load_ink(tmp_path / "big.json").strokes[0]) == MAX_POINTS


@needs_posix
def test_the_app_starts_without_litert_or_opencv_lines(digits_bundle: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MOJIYOMI_DATA_DIR": str(tmp_path / "data"), "MOJIYOMI_BENCH_READY": "1",
           "QT_QPA_PLATFORM": "offscreen"}
    for name in ("OPENCV_LOG_LEVEL", "TF_CPP_MIN_LOG_LEVEL"):
        env.pop(name, None)
    out = subprocess.run([sys.executable, "-m", "mojiyomi", "app", "--model", str(digits_bundle)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120, preexec_fn=_bounded_memory)
    assert out.returncode == 0 and out.stdout.startswith("ready digits"), out.stdout + out.stderr
    # Qt's offscreen platform has its own line ("does not support propagateSizeHints"); no other.
    assert not [line for line in out.stderr.splitlines() if "propagateSizeHints" not in line], out.stderr
