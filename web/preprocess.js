// The model input from ink, ported from core/preprocess.py (render_ink + normalize_image, "fit-v1").
//
// Same geometry as Python: the ink's longer side is drawn at spec.render_size pixels with a
// pen of spec.stroke_ratio of it (0.4x..1.6x by pen pressure when the ink has pressure),
// cropped to pixels above INK_THRESHOLD, fitted into spec.box keeping the aspect ratio with
// an area-average resize, and centred in spec.size. Drawing and the shrinking resize are
// OpenCV's own algorithms (web/cvdraw.js), so the same ink gives the same pixels as Python
// (tests/test_web_preprocess.py checks it on Tomoe's inks).
//
// Works as a browser script (window.MojiyomiPreprocess, after MojiyomiCvDraw) and as a Node
// module (require).
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./cvdraw.js"));
  else root.MojiyomiPreprocess = factory(root.MojiyomiCvDraw);
})(typeof self !== "undefined" ? self : this, function (CV) {
  "use strict";

  const INK_THRESHOLD = 8;
  const SHIFT = 4; // core/preprocess.py hands cv2 points in 1/16 pixel

  const roundHalfEven = CV.roundEven; // Python's and numpy's round()

  // Each stroke is an array of points [x, y, t, pressure]; pressure may be NaN or missing.
  function bounds(strokes) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const stroke of strokes) {
      for (const p of stroke) {
        if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new Error("ink has a non-finite coordinate");
        x0 = Math.min(x0, p[0]); y0 = Math.min(y0, p[1]);
        x1 = Math.max(x1, p[0]); y1 = Math.max(y1, p[1]);
      }
    }
    if (x0 === Infinity) throw new Error("ink is empty");
    return [x0, y0, x1, y1];
  }

  function hasPressure(strokes) {
    return strokes.some((s) => s.some((p) => p.length > 3 && Number.isFinite(p[3])));
  }

  function penWidth(pressure, pen) {
    const factor = Number.isFinite(pressure) ? 0.4 + 1.2 * Math.min(1, Math.max(0, pressure)) : 1.0;
    return Math.max(1.0, pen * factor);
  }

  // One stroke as core.preprocess._draw_stroke draws it: a disc at its first point, then its
  // segments as round-capped polylines, one per run of segments of the same whole-pixel width.
  function drawStroke(image, xs, ys, widths) {
    CV.circle(image, xs[0], ys[0], roundHalfEven((widths[0] / 2) * (1 << SHIFT)), SHIFT, 255);
    const thickness = [];
    for (let i = 0; i + 1 < xs.length; i++) thickness.push(Math.max(1, roundHalfEven((widths[i] + widths[i + 1]) / 2)));
    let start = 0;
    for (let i = 1; i <= thickness.length; i++) {
      if (i === thickness.length || thickness[i] !== thickness[start]) {
        CV.polyline(image, xs.slice(start, i + 1), ys.slice(start, i + 1), thickness[start], SHIFT, 255);
        start = i;
      }
    }
  }

  // Ink drawn white on black: {data: Uint8Array, width, height}.
  function renderInk(strokes, spec) {
    const [x0, y0, x1, y1] = bounds(strokes);
    const extent = Math.max(x1 - x0, y1 - y0, 1e-6);
    const scale = spec.render_size / extent;
    const pen = spec.stroke_ratio * spec.render_size;
    const margin = Math.ceil(pen) + 2;
    const width = Math.ceil((x1 - x0) * scale) + 2 * margin + 1;
    const height = Math.ceil((y1 - y0) * scale) + 2 * margin + 1;
    const image = { data: new Uint8Array(width * height), width, height };
    const pressure = hasPressure(strokes);
    const fixed = (v) => roundHalfEven(v * (1 << SHIFT));
    for (const stroke of strokes) {
      if (!stroke.length) continue;
      const xs = stroke.map((p) => fixed((p[0] - x0) * scale + margin));
      const ys = stroke.map((p) => fixed((p[1] - y0) * scale + margin));
      const widths = stroke.map((p) => penWidth(pressure && p.length > 3 ? p[3] : NaN, pen));
      drawStroke(image, xs, ys, widths);
    }
    return image;
  }

  // Bilinear weights along one axis with half-pixel centres and clamped borders (cv2 INTER_LINEAR).
  // Only for a box larger than the drawn ink (no bundle so far): close to cv2, not bit-exact.
  function linearTable(src, dst) {
    const step = src / dst;
    const table = [];
    for (let d = 0; d < dst; d++) {
      const f = (d + 0.5) * step - 0.5;
      let s = Math.floor(f);
      let w = f - s;
      if (s < 0) { s = 0; w = 0; }
      if (s >= src - 1) { s = src - 1; w = 0; }
      table.push(w > 0 ? [[s, 1 - w], [s + 1, w]] : [[s, 1]]);
    }
    return table;
  }

  function resizeLinear(image, x0, y0, cw, ch, newW, newH) {
    const tx = linearTable(cw, newW), ty = linearTable(ch, newH);
    const out = new Uint8Array(newW * newH);
    for (let dy = 0; dy < newH; dy++) {
      for (let dx = 0; dx < newW; dx++) {
        let sum = 0;
        for (const [sy, wy] of ty[dy]) {
          const row = (y0 + sy) * image.width + x0;
          for (const [sx, wx] of tx[dx]) sum += image.data[row + sx] * wy * wx;
        }
        out[dy * newW + dx] = Math.min(255, Math.max(0, roundHalfEven(sum)));
      }
    }
    return out;
  }

  // Crop to the ink, fit into spec.box, centre in spec.size: a Float32Array of size*size (0..255).
  function normalizeImage(image, spec) {
    let top = Infinity, left = Infinity, bottom = -1, right = -1;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        if (image.data[y * image.width + x] > INK_THRESHOLD) {
          if (y < top) top = y;
          if (y > bottom) bottom = y;
          if (x < left) left = x;
          if (x > right) right = x;
        }
      }
    }
    if (bottom < 0) throw new Error("No ink was found in the image");
    const h = bottom - top + 1, w = right - left + 1;
    const scale = spec.box / Math.max(h, w);
    const newW = Math.max(1, roundHalfEven(w * scale)), newH = Math.max(1, roundHalfEven(h * scale));
    const fitted = scale < 1 ? CV.resizeArea(image, left, top, w, h, newW, newH)
      : resizeLinear(image, left, top, w, h, newW, newH);
    const out = new Float32Array(spec.size * spec.size);
    const oy = Math.floor((spec.size - newH) / 2), ox = Math.floor((spec.size - newW) / 2);
    for (let y = 0; y < newH; y++) {
      for (let x = 0; x < newW; x++) out[(oy + y) * spec.size + ox + x] = fitted[y * newW + x];
    }
    return out;
  }

  function preprocessInk(strokes, spec) {
    return normalizeImage(renderInk(strokes, spec), spec);
  }

  return { renderInk, normalizeImage, preprocessInk, roundHalfEven, INK_THRESHOLD };
});
