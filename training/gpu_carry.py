"""Packs what the coverage model's GPU run needs into one folder the device tool can carry.

The lent GPU machine has PyTorch, NumPy, OpenCV, Pillow and fontTools but no network, and
a call may carry at most 64 MiB with the working tree. ``python -m training.gpu_carry``
writes ``.devcarry/`` (ignored by git; add ``/.devcarry/`` to ``.git/info/exclude``):

- ``whl/``: Keras and what it needs beyond the machine's packages (namex, optree for
  CPython 3.12), svg.path and Hershey-Fonts;
- ``kanjivg-site.tar.xz``: the ``kanjivg`` package's SVGs of the coverage classes with its
  dist-info (its wheel is 22 MB; only the coverage classes' files are kept);
- ``fonts/<group>/*.ttf.xz``: the training fonts (every installed font the generator uses
  except the held-out test font), subset to the coverage classes with fontTools and
  xz-compressed, in folders named like their installed groups;
- ``mnist/``: the first 20,000 of MNIST's training digits (IDX, gzip);
- ``run.sh``: ``training/gpu_run.sh``.

Then ``device run`` with ``carry: [".devcarry"]`` and ``bash .devcarry/run.sh 100 30 560``
(see docs/COVERAGE_MODEL.md).
"""

from __future__ import annotations

import argparse
import gzip
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

#: Wheels fetched for the GPU machine (CPython 3.12, x86-64).
WHEELS = ("keras==3.15.1", "namex==0.1.0", "optree==0.20.0", "svg.path==7.1", "Hershey-Fonts==2.1.0")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
#: MNIST training digits carried (the generator draws half of each digit's samples from them).
MNIST_DIGITS = 20000


def coverage_text() -> str:
    """Every coverage class, its NFKC form and the font probe: the characters fonts are subset to."""
    from core.charsets import coverage_classes
    from training.synth.fonts import PROBE

    chars = set(coverage_classes()) | set(PROBE)
    chars |= {unicodedata.normalize("NFKC", c) for c in chars if len(unicodedata.normalize("NFKC", c)) == 1}
    return "".join(sorted(chars))


def pack_fonts(out: Path, text: str, exclude: tuple[str, ...]) -> list[str]:
    """Subsets and compresses the generator's fonts into ``out/<group>/<file>.xz``."""
    from fontTools import subset

    from training.synth.generate import usable_fonts

    packed = []
    for face in sorted({(f.group, f.path) for f in usable_fonts(exclude=exclude)}):
        group, path = face
        options = subset.Options()
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.hinting = False
        options.notdef_outline = True
        font = subset.load_font(path, options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buffer = io.BytesIO()
        subset.save_font(font, buffer, options)
        target = out / group / (Path(path).name + ".xz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(lzma.compress(buffer.getvalue(), preset=9))
        packed.append(f"{group}/{Path(path).name}")
    return packed


def pack_kanjivg(target: Path, text: str) -> int:
    """The kanjivg package's SVGs of ``text`` (every variant) and its dist-info, as a tar.xz."""
    import importlib.metadata as metadata

    dist = metadata.distribution("kanjivg")
    files = dist.files or []
    wanted = {f"{ord(c):05x}" for c in text}
    kept = [f for f in files if str(f).endswith(".svg") and Path(str(f)).stem.split("-")[0] in wanted]
    info = [f for f in files if ".dist-info/" in str(f)]
    record = "\n".join(f"{f},," for f in kept + info) + "\n"
    with tarfile.open(target, "w:xz", preset=9) as tar:
        for f in kept + [i for i in info if not str(i).endswith("RECORD")]:
            tar.add(str(f.locate()), arcname=str(f))
        data = record.encode()
        member = tarfile.TarInfo(str(next(i for i in info if str(i).endswith("RECORD"))))
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return len(kept)


def pack_mnist(folder: Path, out: Path, count: int = MNIST_DIGITS) -> None:
    """The first ``count`` training digits of an MNIST IDX folder, as IDX gzip files."""
    out.mkdir(parents=True, exist_ok=True)
    for name, item in (("train-images-idx3-ubyte.gz", 784), ("train-labels-idx1-ubyte.gz", 1)):
        with gzip.open(folder / name) as f:
            data = f.read()
        header = 16 if item == 784 else 8
        body = data[:4] + struct.pack(">I", count) + data[8:header] + data[header:header + count * item]
        with gzip.open(out / name, "wb", compresslevel=9) as f:
            f.write(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.gpu_carry", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=".devcarry")
    parser.add_argument("--mnist-dir", default="../shared/data/mnist")
    parser.add_argument("--exclude-fonts", default="kiloji", help="the held-out test font(s), comma-separated")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    text = coverage_text()
    fonts = pack_fonts(out / "fonts", text, tuple(s for s in args.exclude_fonts.split(",") if s))
    svgs = pack_kanjivg(out / "kanjivg-site.tar.xz", text)
    pack_mnist(Path(args.mnist_dir), out / "mnist")
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                   "--python-version", "3.12", "--implementation", "cp", "-d", str(out / "whl"), *WHEELS]
        for platform in PLATFORMS:
            command[5:5] = ["--platform", platform]
        subprocess.run(command, check=True, cwd=tmp)
    shutil.copy(Path(__file__).with_name("gpu_run.sh"), out / "run.sh")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out}: {len(fonts)} fonts ({', '.join(fonts)}), {svgs} KanjiVG files, "
          f"{MNIST_DIGITS} MNIST digits, {len(WHEELS)} wheels; {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUTF8", "1")
    sys.exit(main())
