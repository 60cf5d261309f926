"""The web page's preprocessing (web/preprocess.js, run in Node) against core.preprocess on the same ink."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from core.ink import Ink, make_stroke
from core.preprocess import Preprocessing, preprocess_ink

ROOT = Path(__file__).resolve().parents[1]
TOMOE = ROOT.parent / "shared" / "data" / "tomoe" / "all.tdic"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

_RUNNER = """
const P = require(process.argv[1]);
const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = job.inks.map((strokes) => Array.from(P.preprocessInk(strokes, job.spec)));
process.stdout.write(JSON.stringify(out));
"""


def js_inputs(inks: list[Ink], spec: Preprocessing) -> np.ndarray:
    """Model inputs computed by web/preprocess.js in Node, shape (N, size, size, 1)."""
    strokes = [[[[float(v) if np.isfinite(v) else None for v in p] for p in s] for s in ink.strokes] for ink in inks]
    job = json.dumps({"spec": spec.to_json(), "inks": strokes})  # null: no pressure (JS reads it as not finite)
    done = subprocess.run([str(NODE), "-e", _RUNNER, str(ROOT / "web" / "preprocess.js")],
                          input=job, capture_output=True, text=True, timeout=300, check=True)
    return np.asarray(json.loads(done.stdout), dtype=np.float32).reshape(len(inks), spec.size, spec.size, 1)


def py_inputs(inks: list[Ink], spec: Preprocessing) -> np.ndarray:
    return np.stack([preprocess_ink(ink, spec) for ink in inks])


def _ink(*strokes: list[tuple[float, ...]]) -> Ink:
    return Ink(tuple(make_stroke(s) for s in strokes), 400, 400)


INKS = [
    _ink([(10, 10), (200, 10)], [(100, 10), (100, 300)]),  # a T
    _ink([(50, 50), (60, 120), (80, 200), (150, 260), (260, 250), (300, 180)]),  # one curved stroke
    # Not a lone dot: OpenCV's filled circle has single-pixel spikes above the threshold at its
    # poles, which make Python's crop two pixels taller (a dot with strokes is cropped alike).
    _ink([(100, 100)], [(40, 200), (300, 210)]),  # a dot above a line
    _ink([(0, 0), (300, 20)]),  # flat: fitted by its width
    _ink([(20, 20, 0, 0.1), (120, 40, 10, 0.9), (200, 200, 20, 0.5)]),  # pen pressure varies the width
]


@pytest.mark.parametrize("spec", [Preprocessing(), Preprocessing(size=40, box=32, stroke_ratio=0.07)],
                         ids=["digits", "japanese"])
def test_js_port_gives_python_model_input(spec: Preprocessing) -> None:
    js, py = js_inputs(INKS, spec), py_inputs(INKS, spec)
    assert js.shape == py.shape
    # Same crop, fit and centring: the ink lands on the same pixels with the same total, and
    # the pen's edge (OpenCV's anti-aliasing filter in Python, exact coverage here) differs a little.
    for i, (j, p) in enumerate(zip(js, py)):
        diff = np.abs(j - p)
        assert abs(j.sum() / p.sum() - 1) < 0.03, i
        assert diff.mean() < 1.0, f"ink {i}: mean {diff.mean():.2f}, max {diff.max():.0f}"
        assert np.mean(diff <= 1) > 0.9, f"ink {i}: {np.mean(diff <= 1):.2%} of pixels within 1 grey level"


def test_js_port_refuses_what_python_refuses() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        js_inputs([Ink((np.zeros((0, 4)),), 10, 10)], Preprocessing())


def tomoe_inks(n: int) -> list[Ink]:
    from training.datasets.tomoe import iter_tdic

    inks = list(iter_tdic(TOMOE))
    picks = np.random.default_rng(0).choice(len(inks), size=min(n, len(inks)), replace=False)
    return [inks[i] for i in picks]


@pytest.mark.slow
def test_js_port_on_1000_tomoe_samples_gives_the_same_first_candidate() -> None:
    pytest.importorskip("onnxruntime")
    if not TOMOE.is_file():
        pytest.skip(f"Tomoe is not at {TOMOE}")
    import keras

    from core.bundle import resolve_model

    bundle = resolve_model("japanese")
    spec = bundle.preprocessing
    inks = tomoe_inks(1000)
    js, py = js_inputs(inks, spec), py_inputs(inks, spec)
    model = keras.saving.load_model(bundle.keras_path, compile=False)
    top_js = np.asarray(model(js)).argmax(1)
    top_py = np.asarray(model(py)).argmax(1)
    diff = np.abs(js - py)
    agreement = float(np.mean(top_js == top_py))
    print(f"JS vs Python inputs on {len(inks)} Tomoe inks: mean |diff| {diff.mean():.3f}, "
          f"max {diff.max():.0f}, pixels within 1 grey level {np.mean(diff <= 1):.2%}; "
          f"first candidate agreement {agreement:.2%}")
    assert agreement >= 0.995
