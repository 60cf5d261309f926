"""How exactly web/preprocess.js (run in Node) reproduces core.preprocess: drawn ink and model input.

Compares, ink by ink, the canvas drawn by ``render_ink`` (cv2) with the one drawn by the page's
``renderInk`` and the final model inputs, on random scribbles (random points, pen pressure,
sizes and specs) and on Tomoe's inks with the bundles' specs; prints the share of identical
pixels, of pixels within one grey level, the largest difference, and the first inks that differ.

    .venv/bin/python bench/bench_web_preprocess.py --random 2000 --tomoe 1000
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.ink import Ink, make_stroke  # noqa: E402
from core.preprocess import INK_THRESHOLD, Preprocessing, normalize_image, render_ink  # noqa: E402

TOMOE = ROOT.parent / "shared" / "data" / "tomoe" / "all.tdic"

_RUNNER = """
const P = require(process.argv[1]);
const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = job.inks.map((strokes) => {
  const image = P.renderInk(strokes, job.spec);
  return { width: image.width, height: image.height, data: Buffer.from(image.data).toString("base64"),
           input: Array.from(P.normalizeImage(image, job.spec)) };
});
process.stdout.write(JSON.stringify(out));
"""


def node_render(inks: list[Ink], spec: Preprocessing) -> list[tuple[np.ndarray, np.ndarray]]:
    """(canvas, model input) from web/preprocess.js for each ink."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed")
    strokes = [[[[float(v) if np.isfinite(v) else None for v in p] for p in s] for s in ink.strokes] for ink in inks]
    done = subprocess.run([node, "-e", _RUNNER, str(ROOT / "web" / "preprocess.js")], check=True,
                          input=json.dumps({"spec": spec.to_json(), "inks": strokes}), capture_output=True, text=True)
    out = []
    for item in json.loads(done.stdout):
        canvas = np.frombuffer(base64.b64decode(item["data"]), dtype=np.uint8).reshape(item["height"], item["width"])
        out.append((canvas, np.asarray(item["input"], dtype=np.float32).reshape(spec.size, spec.size)))
    return out


def random_inks(n: int, rng: np.random.Generator) -> list[Ink]:
    """Scribbles: 1-4 strokes of 1-30 points, some with pen pressure, some dense, some far apart."""
    inks = []
    for _ in range(n):
        strokes = []
        pressure = rng.random() < 0.3
        span = float(rng.choice([1.0, 50.0, 400.0, 5000.0]))
        for _ in range(int(rng.integers(1, 5))):
            count = int(rng.integers(1, 31))
            step = span * float(rng.choice([0.005, 0.05, 0.3]))
            xy = np.cumsum(rng.normal(0, step, size=(count, 2)), axis=0) + rng.uniform(0, span, size=2)
            rows = [(x, y, float(i), float(rng.random()) if pressure else float("nan")) for i, (x, y) in enumerate(xy)]
            strokes.append(make_stroke(rows))
        inks.append(Ink(tuple(strokes), 400, 400))
    return inks


def compare(name: str, inks: list[Ink], spec: Preprocessing, show: int = 3) -> tuple[float, float]:
    """Prints canvas and model-input agreement; returns (identical input pixels, within one level)."""
    js = node_render(inks, spec)
    canvas_same = canvas_total = 0
    inputs_same = inputs_near = inputs_total = 0
    worst = 0.0
    shown = 0
    enlarged = enlarged_differ = 0
    for i, (ink, (js_canvas, js_input)) in enumerate(zip(inks, js)):
        py_canvas = render_ink(ink, spec)
        py_input = normalize_image(py_canvas, spec)[:, :, 0]
        if py_canvas.shape != js_canvas.shape:
            print(f"  {name} ink {i}: canvas shape {js_canvas.shape} != {py_canvas.shape}")
            continue
        cdiff = np.abs(py_canvas.astype(int) - js_canvas.astype(int))
        idiff = np.abs(py_input - js_input)
        canvas_same += int((cdiff == 0).sum())
        canvas_total += cdiff.size
        inputs_same += int((idiff == 0).sum())
        inputs_near += int((idiff <= 1).sum())
        inputs_total += idiff.size
        worst = max(worst, float(idiff.max()))
        # A crop smaller than the box (a lone dot) is enlarged with cv2's INTER_LINEAR, which the
        # page approximates (within one level) rather than copies.
        mask = py_canvas > INK_THRESHOLD
        if max(np.ptp(np.flatnonzero(mask.any(0))), np.ptp(np.flatnonzero(mask.any(1)))) + 1 <= spec.box:
            enlarged += 1
            enlarged_differ += int(bool(idiff.any()))
        elif idiff.any():
            print(f"  {name} ink {i}: a shrunk model input differs (max {idiff.max():.0f})")
        if (cdiff.any() or idiff.any()) and shown < show:
            shown += 1
            ys, xs = np.nonzero(cdiff)
            where = f"first at (x={xs[0]}, y={ys[0]}) py={py_canvas[ys[0], xs[0]]} js={js_canvas[ys[0], xs[0]]}" \
                if len(xs) else "canvas identical"
            print(f"  {name} ink {i}: {int((cdiff > 0).sum())} canvas pixels differ (max {cdiff.max()}), "
                  f"{where}; input max diff {idiff.max():.0f}")
    print(f"{name}: {len(inks)} inks, canvas pixels identical {canvas_same / canvas_total:.4%}; model input "
          f"identical {inputs_same / inputs_total:.4%}, within 1 level {inputs_near / inputs_total:.4%}, "
          f"max diff {worst:.0f}; enlarged (dots) {enlarged}, of which differ {enlarged_differ}")
    return inputs_same / inputs_total, inputs_near / inputs_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=1000, help="random scribbles per spec")
    parser.add_argument("--tomoe", type=int, default=1000, help="Tomoe inks (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    specs = [Preprocessing(), Preprocessing(size=40, box=32, stroke_ratio=0.07),
             Preprocessing(size=64, box=56, stroke_ratio=0.03, render_size=300),
             Preprocessing(size=28, box=20, stroke_ratio=0.2, render_size=40),
             Preprocessing(size=32, box=28, stroke_ratio=0.01, render_size=150)]  # 1-pixel lines
    for spec in specs:
        compare(f"random {spec.size}/{spec.box}/{spec.stroke_ratio}/{spec.render_size}",
                random_inks(args.random, rng), spec)
    if args.tomoe and TOMOE.is_file():
        from training.datasets.tomoe import iter_tdic

        inks = list(iter_tdic(TOMOE))
        picks = np.random.default_rng(0).choice(len(inks), size=min(args.tomoe, len(inks)), replace=False)
        for spec in specs[:2]:
            compare(f"tomoe {spec.size}/{spec.box}/{spec.stroke_ratio}", [inks[i] for i in picks], spec)


if __name__ == "__main__":
    main()
