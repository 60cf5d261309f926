"""Where a coverage bundle errs on Latin letters, marks and digits: its top confusions.

The figures of ``bench_coverage`` (same inputs, same ranking: ``Recognizer.rank`` for the
synthetic test, ``Recognizer.recognize`` for MNIST), broken down:

- per group of the synthetic test (``--groups``, default latin, marks, digits): top-1,
  top-1 counting twins, the misreadings by a same-shape twin (``core.charsets.LOOKALIKES``,
  counted right) and the others (true -> read: count), most frequent first;
- MNIST's test digits: where the misread digits go (the kind of class, the classes), and
  what the Digits filter reads them as when it is wrong.

Usage: python bench/coverage_confusions.py --model PATH [--groups latin,marks,digits] [--every N] [--top 25]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.bundle import resolve_model  # noqa: E402
from core.charclass import char_kind, label_filter  # noqa: E402
from core.charsets import lookalikes_of  # noqa: E402
from core.recognizer import Recognizer, TFLiteRecognizer  # noqa: E402

from bench_coverage import GROUPS, MNIST, SYNTH, class_group  # noqa: E402  (the script's folder is on sys.path)


def confusions(truths: Sequence[str], reads: Sequence[str]) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """The misreadings of ``truths`` as ``reads``: (by a same-shape twin, by anything else)."""
    twins: Counter[tuple[str, str]] = Counter()
    others: Counter[tuple[str, str]] = Counter()
    for truth, read in zip(truths, reads):
        if read != truth:
            (twins if read in lookalikes_of(truth) else others)[(truth, read)] += 1
    return twins, others


def listed(counts: Counter[tuple[str, str]], top: int) -> str:
    """``a->b:n`` for the ``top`` most frequent pairs, and how many errors the rest hold."""
    shown = counts.most_common(top)
    rest = sum(counts.values()) - sum(n for _, n in shown)
    return " ".join(f"{a}->{b}:{n}" for (a, b), n in shown) + (f" (+{rest} more)" if rest else "")


def synth_report(recognizer: Recognizer, path: Path, groups: Sequence[str], every: int, top: int) -> list[str]:
    """Per group: the rates and the top confusions on the synthetic test."""
    from training.datasets.npz import load_npz
    from training.datasets.readers import normalize_uint8

    data = load_npz(path)
    spec = recognizer.bundle.preprocessing
    x = data.x[..., 0] if data.x.ndim == 4 else data.x
    truths: list[str] = []
    inputs: list[np.ndarray] = []
    for i in range(0, len(data.y), every):
        label = data.label(i)
        if class_group(label) not in groups or label not in recognizer.label_index:
            continue
        # As bench_coverage (and `mojiyomi evaluate`) read an NPZ: inputs of the model's size as they are.
        image = x[i] if x[i].shape == (spec.size, spec.size) else normalize_uint8(x[i], spec)
        if image is not None:
            truths.append(label)
            inputs.append(image)
    if not inputs:
        return ["synthetic test: no sample of these groups in the model"]
    probs = recognizer.predict_many(np.stack(inputs)[..., None].astype(np.float32))
    reads = [recognizer.rank(row, 1)[0].label for row in probs]
    lines = []
    for group in groups:
        mine = [(t, r) for t, r in zip(truths, reads) if class_group(t) == group]
        if not mine:
            continue
        t, r = zip(*mine)
        twins, others = confusions(t, r)
        n = len(mine)
        lines += [f"{group}: {n} samples, top-1 {1 - (sum(twins.values()) + sum(others.values())) / n:.2%}, "
                  f"counting twins {1 - sum(others.values()) / n:.2%}",
                  f"  misread as a twin (counted right): {listed(twins, top)}",
                  f"  misread otherwise: {listed(others, top)}"]
    return lines


def mnist_report(recognizer: Recognizer, folder: Path, every: int, top: int) -> list[str]:
    """Where MNIST's misread test digits go, with and without the Digits filter."""
    from training.datasets.idx import load_mnist

    images, digits = load_mnist(folder, "test")
    only_digits = label_filter("digits")
    truths, reads, filtered = [], [], []
    for image, digit in zip(images[::every], digits[::every]):
        truths.append(str(int(digit)))
        reads.append(recognizer.recognize(image, 10)[0].label)
        best = recognizer.recognize(image, 10, allowed=only_digits)
        filtered.append(best[0].label if best else "")
    twins, others = confusions(truths, reads)
    wrong = [(t, r) for (t, r), n in others.items() for _ in range(n)]
    kinds = Counter(char_kind(r) for _, r in wrong)
    stealers = Counter(r for _, r in wrong)
    _, filter_errors = confusions(truths, filtered)
    n = len(truths)
    per_digit = []
    for d in "0123456789":
        count = truths.count(d)
        lost = sum(n for (t, _), n in others.items() if t == d)
        per_digit.append(f"{d} {1 - lost / count:.1%}" if count else f"{d} -")
    return [f"MNIST test: {n} digits, top-1 {1 - (sum(twins.values()) + sum(others.values())) / n:.2%}, counting twins "
            f"{1 - len(wrong) / n:.2%}, Digits filter {1 - sum(filter_errors.values()) / n:.2%}",
            "  counting twins per digit: " + ", ".join(per_digit),
            f"  {len(wrong)} misread digits go to: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()),
            "  classes that take them: " + " ".join(f"{c}:{v}" for c, v in stealers.most_common(top)),
            f"  with the Digits filter, misread as: {listed(filter_errors, top)}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a bundle folder or an installed model's name")
    parser.add_argument("--synth", default=str(SYNTH), help="the synthetic test set (an NPZ)")
    parser.add_argument("--mnist", default=str(MNIST), help="the MNIST IDX folder ('' to skip)")
    parser.add_argument("--groups", default="latin,marks,digits", help=f"comma-separated, of {','.join(GROUPS)}")
    parser.add_argument("--every", type=int, default=1, help="every N-th sample of each set")
    parser.add_argument("--top", type=int, default=25, help="confusions listed per line")
    args = parser.parse_args(argv)
    groups = args.groups.split(",")
    if set(groups) - set(GROUPS) or args.every < 1 or args.top < 1:
        parser.error(f"--groups takes {','.join(GROUPS)}, --every and --top positive integers. Received: "
                     f"groups={args.groups!r}, every={args.every}, top={args.top}")
    recognizer = TFLiteRecognizer(resolve_model(args.model))
    lines = [f"{recognizer.bundle.name} ({len(recognizer.bundle.labels)} classes) at {recognizer.bundle.path}"]
    if Path(args.synth).is_file():
        lines += synth_report(recognizer, Path(args.synth), groups, args.every, args.top)
    if args.mnist and Path(args.mnist).is_dir():
        lines += mnist_report(recognizer, Path(args.mnist), args.every, args.top)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
