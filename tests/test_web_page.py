"""The web page's code (web/recognize.js with onnxruntime-web) run in Node against the desktop recognizer."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from core.bundle import resolve_model
from core.ink import Ink
from tests.test_web_preprocess import INKS, TOMOE, tomoe_inks

WEB = Path(__file__).resolve().parents[1] / "web"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

_RUNNER = """
const fs = require("fs");
const web = process.argv[1];
const ort = require(web + "/vendor/onnxruntime-web/ort.wasm.min.js");
const R = require(web + "/recognize.js");
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = web + "/vendor/onnxruntime-web/";
(async () => {
  const meta = JSON.parse(fs.readFileSync(web + "/model/japanese.onnx.json", "utf8"));
  const rec = await R.createRecognizer(ort, fs.readFileSync(web + "/model/japanese.onnx"), meta);
  const inks = JSON.parse(fs.readFileSync(0, "utf8"));
  await rec.recognize(inks[0]);  // the first run compiles
  const out = [], ms = [];
  for (const strokes of inks) {
    const start = process.hrtime.bigint();
    out.push((await rec.recognize(strokes, 10)).map((c) => c.label));
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  process.stdout.write(JSON.stringify({ out, ms }));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def web_candidates(inks: list[Ink]) -> tuple[list[list[str]], list[float]]:
    """The page's ten candidates for each ink and the milliseconds each took, computed in Node."""
    strokes = [[[[float(v) if np.isfinite(v) else None for v in p] for p in s] for s in ink.strokes] for ink in inks]
    done = subprocess.run([str(NODE), "-e", _RUNNER, str(WEB)], input=json.dumps(strokes), capture_output=True,
                          text=True, timeout=600, check=True)
    result = json.loads(done.stdout)
    return result["out"], result["ms"]


def app_first(inks: list[Ink]) -> list[str]:
    """The desktop app's first candidate (TFLite recognizer, Python preprocessing)."""
    from core.preprocess import preprocess_ink
    from core.recognizer import TFLiteRecognizer

    bundle = resolve_model("japanese")
    probs = TFLiteRecognizer(bundle).predict_many(np.stack([preprocess_ink(i, bundle.preprocessing) for i in inks]))
    return [bundle.labels[i] for i in probs.argmax(1)]


def test_page_loads_only_files_in_the_repo() -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all((WEB / s).is_file() for s in scripts)
    assert "http" not in "".join(scripts)  # no network
    assert (WEB / "vendor" / "onnxruntime-web" / "ort-wasm-simd-threaded.wasm").is_file()
    assert "MIT" in (WEB / "vendor" / "onnxruntime-web" / "LICENSE").read_text(encoding="utf-8")


def test_committed_model_is_the_bundled_one() -> None:
    meta = json.loads((WEB / "model" / "japanese.onnx.json").read_text(encoding="utf-8"))
    bundle = resolve_model("japanese")
    assert meta["labels"] == list(bundle.labels)
    assert meta["preprocessing"] == bundle.preprocessing.to_json()
    assert meta["model_version"] == bundle.version, "re-export: mojiyomi export --model japanese --format onnx " \
                                                    "--out web/model/japanese.onnx"


def test_web_folder_stays_small() -> None:
    packed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in WEB.rglob("*") if p.is_file())
    assert packed < 15e6, f"web/ compresses to {packed / 1e6:.1f} MB"


@needs_node
def test_page_code_gives_the_app_first_candidate() -> None:
    inks = INKS if not TOMOE.is_file() else [*INKS, *tomoe_inks(40)]
    web, _ = web_candidates(inks)
    assert all(len(c) == 10 and len(set(c)) == 10 for c in web)
    app = app_first(inks)
    agree = np.mean([w[0] == a for w, a in zip(web, app)])
    assert agree >= (0.95 if len(inks) > 10 else 0.8), f"{agree:.2%}"


@pytest.mark.slow
@needs_node
def test_page_code_on_1000_tomoe_samples() -> None:
    if not TOMOE.is_file():
        pytest.skip(f"Tomoe is not at {TOMOE}")
    inks = tomoe_inks(1000)
    web, ms = web_candidates(inks)
    app = app_first(inks)
    agree = float(np.mean([w[0] == a for w, a in zip(web, app)]))
    print(f"page code in Node vs desktop app on {len(inks)} Tomoe inks: first candidate agreement {agree:.2%}; "
          f"ms per ink median {np.median(ms):.1f}, 95th percentile {np.percentile(ms, 95):.1f}")
    assert agree >= 0.995
    assert np.median(ms) <= 50
