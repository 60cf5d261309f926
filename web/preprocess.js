// The model input from ink, ported from core/preprocess.py (render_ink + normalize_image, "fit-v1").
//
// Same geometry as Python: the ink's longer side is drawn at spec.render_size pixels with a
// pen of spec.stroke_ratio of it (0.4x..1.6x by pen pressure when the ink has pressure),
// cropped to pixels above INK_THRESHOLD, fitted into spec.box keeping the aspect ratio with
// an area-average resize, and centred in spec.size. Python draws with OpenCV's anti-aliased
// lines; this draws the same round-capped strokes with 4x4 supersampled coverage, so edge
// pixels differ a little (tests/test_web_preprocess.py measures how much).
//
// Works as a browser script (window.MojiyomiPreprocess) and as a Node module (require).
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.MojiyomiPreprocess = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const INK_THRESHOLD = 8;
  const SHIFT = 16; // cv2 draws with coordinates in 1/16 pixel: points are rounded to that grid
  const SUB = 4; // supersampling per pixel side
  // OpenCV's anti-aliased edge reaches about this far beyond a pen's radius (fitted on Tomoe
  // ink: the mean difference of drawn pixels is smallest, and the ink's total matches).
  const EDGE = 0.7;

  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(v) {
    const f = Math.floor(v);
    const d = v - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

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

  // Coverage (0..1) of a capsule (segment a-b, radius r) over the pixels it touches, merged with max.
  function drawCapsule(cov, width, height, ax, ay, bx, by, r) {
    const minX = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
    const maxX = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r + 1));
    const minY = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
    const maxY = Math.min(height - 1, Math.ceil(Math.max(ay, by) + r + 1));
    const dx = bx - ax, dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const r2 = r * r;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        let hits = 0;
        for (let sy = 0; sy < SUB; sy++) {
          const py = y - 0.5 + (sy + 0.5) / SUB;
          for (let sx = 0; sx < SUB; sx++) {
            const px = x - 0.5 + (sx + 0.5) / SUB;
            let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            const ex = ax + t * dx - px, ey = ay + t * dy - py;
            if (ex * ex + ey * ey <= r2) hits++;
          }
        }
        const c = hits / (SUB * SUB);
        const i = y * width + x;
        if (c > cov[i]) cov[i] = c;
      }
    }
  }

  // Ink drawn white on black: {data: Uint8ClampedArray, width, height}.
  function renderInk(strokes, spec) {
    const [x0, y0, x1, y1] = bounds(strokes);
    const extent = Math.max(x1 - x0, y1 - y0, 1e-6);
    const scale = spec.render_size / extent;
    const pen = spec.stroke_ratio * spec.render_size;
    const margin = Math.ceil(pen) + 2;
    const width = Math.ceil((x1 - x0) * scale) + 2 * margin + 1;
    const height = Math.ceil((y1 - y0) * scale) + 2 * margin + 1;
    const cov = new Float32Array(width * height);
    const pressure = hasPressure(strokes);
    const grid = (v) => roundHalfEven(v * SHIFT) / SHIFT;
    for (const stroke of strokes) {
      if (!stroke.length) continue;
      const xs = stroke.map((p) => grid((p[0] - x0) * scale + margin));
      const ys = stroke.map((p) => grid((p[1] - y0) * scale + margin));
      const widths = stroke.map((p) => penWidth(pressure && p.length > 3 ? p[3] : NaN, pen));
      const r0 = roundHalfEven((widths[0] / 2) * SHIFT) / SHIFT;
      drawCapsule(cov, width, height, xs[0], ys[0], xs[0], ys[0], r0 + EDGE);
      for (let i = 0; i + 1 < stroke.length; i++) {
        const thickness = Math.max(1, roundHalfEven((widths[i] + widths[i + 1]) / 2));
        // OpenCV widens a line of odd thickness by half a pixel on each side.
        const r = thickness / 2 + (thickness % 2) * 0.5 + EDGE;
        drawCapsule(cov, width, height, xs[i], ys[i], xs[i + 1], ys[i + 1], r);
      }
    }
    const data = new Uint8ClampedArray(width * height);
    for (let i = 0; i < data.length; i++) data[i] = Math.round(cov[i] * 255);
    return { data, width, height };
  }

  // Weights of an area-average resize along one axis: for each output index, [source index, weight] pairs.
  function areaTable(src, dst) {
    const step = src / dst;
    const table = [];
    for (let d = 0; d < dst; d++) {
      const lo = d * step, hi = (d + 1) * step;
      const parts = [];
      for (let s = Math.floor(lo); s < Math.min(src, Math.ceil(hi)); s++) {
        const w = Math.min(hi, s + 1) - Math.max(lo, s);
        if (w > 1e-9) parts.push([s, w / step]);
      }
      table.push(parts);
    }
    return table;
  }

  // Bilinear weights along one axis with half-pixel centres and clamped borders (cv2 INTER_LINEAR).
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

  function resize(image, cw, ch, x0, y0, newW, newH, shrink) {
    const make = shrink ? areaTable : linearTable;
    const tx = make(cw, newW), ty = make(ch, newH);
    const out = new Float32Array(newW * newH);
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
    const fitted = resize(image, w, h, left, top, newW, newH, scale < 1);
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
