// OpenCV's 8-bit drawing and area resize, re-implemented so that the page turns ink into the
// same pixels as core/preprocess.py (cv2.circle and cv2.polylines with LINE_AA, cv2.resize with
// INTER_AREA) and not just similar ones.
//
// The algorithms are OpenCV's (imgproc/src/drawing.cpp and resize.cpp, Apache-2.0), written
// again here for one-channel 8-bit images and checked pixel for pixel against cv2 by
// tests/test_web_preprocess.py:
// - coordinates are fixed point with 16 fractional bits (cv2's XY_SHIFT);
// - a thick line is a filled quadrilateral plus a filled 36-to-72-gon at each round end;
// - a filled convex polygon is its outline drawn with anti-aliased lines (a Gaussian-like
//   filter blended into what is already there) and then its inside set to the colour;
// - the area resize weights source pixels by float32 coverage and rounds half to even.
// JavaScript numbers hold every intermediate of these exactly (integers below 2^53), except
// in clipLine, which may square image-sized coordinates and so works in BigInt.
//
// Works as a browser script (window.MojiyomiCvDraw) and as a Node module (require).
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.MojiyomiCvDraw = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const XY_SHIFT = 16;
  const XY_ONE = 65536;
  const DBL_EPSILON = 2.220446049250313e-16;
  // Anti-aliasing weights of the three pixels across a line, by the line's distance from
  // the pixel centre in 1/32 pixel, and the intensity correction by the line's slope.
  const FILTER = [
    168, 177, 185, 194, 202, 210, 218, 224, 231, 236, 241, 246, 249, 252, 254, 254,
    254, 254, 252, 249, 246, 241, 236, 231, 224, 218, 210, 202, 194, 185, 177, 168,
    158, 149, 140, 131, 122, 114, 105, 97, 89, 82, 75, 68, 62, 56, 50, 45,
    40, 36, 32, 28, 25, 22, 19, 16, 14, 12, 11, 9, 8, 7, 5, 5,
  ];
  const SLOPE_CORRECTION = [
    181, 181, 181, 182, 182, 183, 184, 185, 187, 188, 190, 192, 194, 196, 198, 201,
    203, 206, 209, 211, 214, 218, 221, 224, 227, 231, 235, 238, 242, 246, 250, 254,
  ];

  // cv2 tabulates sin of whole degrees to 7 decimals as float32; circles are built from it.
  function sinDegrees(deg) {
    return Math.fround(Number(Math.sin((deg * Math.PI) / 180).toFixed(7)));
  }

  // cvRound (and numpy's round): to nearest, halves to the even neighbour.
  function roundEven(v) {
    const f = Math.floor(v);
    const d = v - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

  // Arithmetic right shift for integers beyond 32 bits.
  const shr = (v, bits) => Math.floor(v / 2 ** bits);
  // C's integer division (truncates toward zero).
  const idiv = (a, b) => Math.trunc(a / b);

  // Clips segment p = [x1, y1, x2, y2] to [0, width) x [0, height) in place, as cv::clipLine.
  // Returns false when the segment lies outside.
  function clipLine(width, height, p) {
    if (width <= 0 || height <= 0) return false;
    const right = width - 1, bottom = height - 1;
    const code = (x, y) => (x < 0) + (x > right) * 2 + (y < 0) * 4 + (y > bottom) * 8;
    let c1 = code(p[0], p[1]), c2 = code(p[2], p[3]);
    if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
      let [x1, y1, x2, y2] = p.map(BigInt);
      const R = BigInt(right), B = BigInt(bottom);
      const outside = (x) => (x < 0n) + (x > R) * 2;
      if (c1 & 12) {
        const a = c1 < 8 ? 0n : B;
        x1 += ((a - y1) * (x2 - x1)) / (y2 - y1);
        y1 = a;
        c1 = outside(x1);
      }
      if (c2 & 12) {
        const a = c2 < 8 ? 0n : B;
        x2 += ((a - y2) * (x2 - x1)) / (y2 - y1);
        y2 = a;
        c2 = outside(x2);
      }
      if ((c1 & c2) === 0 && (c1 | c2) !== 0) {
        if (c1) {
          const a = c1 === 1 ? 0n : R;
          y1 += ((a - x1) * (y2 - y1)) / (x2 - x1);
          x1 = a;
          c1 = 0;
        }
        if (c2) {
          const a = c2 === 1 ? 0n : R;
          y2 += ((a - x2) * (y2 - y1)) / (x2 - x1);
          x2 = a;
          c2 = 0;
        }
      }
      p[0] = Number(x1); p[1] = Number(y1); p[2] = Number(x2); p[3] = Number(y2);
    }
    return (c1 | c2) === 0;
  }

  // Blends colour into one pixel by a/256, twice (as cv2 does, which darkens thin edges less).
  function blend(data, i, color, a) {
    let v = data[i];
    v += ((color - v) * a + 127) >> 8;
    v += ((color - v) * a + 127) >> 8;
    data[i] = v;
  }

  // Anti-aliased one-pixel line between fixed-point points (cv::LineAA, one channel).
  function lineAA(img, x1, y1, x2, y2, color) {
    // cv2 keeps the 3-pixel-wide filter inside the image by clipping 2 pixels in from each side.
    const p = [x1 - 2 * XY_ONE, y1 - 2 * XY_ONE, x2 - 2 * XY_ONE, y2 - 2 * XY_ONE];
    if (!clipLine((img.width - 5) * XY_ONE + 1, (img.height - 5) * XY_ONE + 1, p)) return;
    [x1, y1, x2, y2] = p;
    const ax = Math.abs(x2 - x1), ay = Math.abs(y2 - y1);
    const along = ax > ay; // steps one pixel in x (else in y)
    if (along ? x2 < x1 : y2 < y1) [x1, y1, x2, y2] = [x2, y2, x1, y1];
    // u runs along the major axis, v across it.
    let u1 = along ? x1 : y1, v1 = along ? y1 : x1;
    const u2 = (along ? x2 : y2) + XY_ONE;
    const major = along ? ax : ay;
    const dv = along ? y2 - y1 : x2 - x1;
    const step = idiv(dv * XY_ONE, major % 2 === 0 ? major + 1 : major);
    let ecount = shr(u2, XY_SHIFT) - shr(u1, XY_SHIFT);
    const back = -(u1 - shr(u1, XY_SHIFT) * XY_ONE);
    v1 += shr(step * back, XY_SHIFT) + (XY_ONE >> 1);
    let slope = shr(step, XY_SHIFT - 5) & 0x3f;
    if (step < 0) slope ^= 0x3f;
    slope = slope & 0x20 ? 0x100 : SLOPE_CORRECTION[slope];
    // Ends are dimmed by how much of their first and last pixel the line covers (1/16 pixel).
    const i = shr(u1, XY_SHIFT - 7) & 0x78, j = shr(u2, XY_SHIFT - 7) & 0x78;
    const t0 = slope << 7, t1 = ((0x78 - i) | 4) * slope, t2 = (j | 4) * slope;
    const ends = [
      0, ((((j - i) & 0x78) | 4) * slope >> 8) & 0x1ff, (t1 >> 8) & 0x1ff,
      ((((j - i) & 0x78) | 4) * slope >> 8) & 0x1ff, ((((j - i) + 0x80) | 4) * slope >> 8) & 0x1ff,
      ((t1 + t0) >> 8) & 0x1ff, (t2 >> 8) & 0x1ff, ((t2 + t0) >> 8) & 0x1ff, slope,
    ];
    const data = img.data, width = img.width;
    let u = shr(u1, XY_SHIFT) + 2; // +2: undo the inset above
    for (let s = 0; ecount >= 0; s++, ecount--, u++, v1 += step) {
      const corr = ends[(s >= 2 ? 2 : s) * 3 + (ecount >= 2 ? 2 : ecount)];
      const dist = shr(v1, XY_SHIFT - 5) & 31;
      const v = shr(v1, XY_SHIFT) + 1; // first of the three pixels across, +2 inset -1
      const weights = [FILTER[dist + 32], FILTER[dist], FILTER[63 - dist]];
      for (let k = 0; k < 3; k++) {
        const index = along ? (v + k) * width + u : u * width + v + k;
        blend(data, index, color, ((corr * weights[k]) >> 8) & 0xff);
      }
    }
  }

  // A filled convex polygon with anti-aliased edges (cv::FillConvexPoly, shift = XY_SHIFT).
  function fillConvexPoly(img, xs, ys, color) {
    const n = xs.length;
    let imin = 0, xmin = xs[0], xmax = xs[0], ymin = ys[0], ymax = ys[0];
    let px = xs[n - 1], py = ys[n - 1];
    for (let k = 0; k < n; k++) {
      if (ys[k] < ymin) { ymin = ys[k]; imin = k; }
      ymax = Math.max(ymax, ys[k]);
      xmax = Math.max(xmax, xs[k]);
      xmin = Math.min(xmin, xs[k]);
      lineAA(img, px, py, xs[k], ys[k], color);
      px = xs[k]; py = ys[k];
    }
    const half = XY_ONE >> 1;
    xmin = shr(xmin + half, XY_SHIFT); xmax = shr(xmax + half, XY_SHIFT);
    ymin = shr(ymin + half, XY_SHIFT); ymax = shr(ymax + half, XY_SHIFT);
    if (n < 3 || xmax < 0 || ymax < 0 || xmin >= img.width || ymin >= img.height) return;
    ymax = Math.min(ymax, img.height - 1);
    // Two edges walk down from the top vertex, one each way round the polygon.
    const edges = [
      { idx: imin, di: 1, x: -XY_ONE, dx: 0, ye: ymin },
      { idx: imin, di: n - 1, x: -XY_ONE, dx: 0, ye: ymin },
    ];
    let left = n;
    let y = ymin;
    do {
      if (y < ymax || y === ymin) {
        for (const e of edges) {
          if (y < e.ye) continue;
          let idx0 = e.idx, idx = idx0 + e.di;
          if (idx >= n) idx -= n;
          while (left-- > 0) {
            const ty = shr(ys[idx] + half, XY_SHIFT);
            if (ty > y) {
              e.ye = ty;
              e.dx = idiv((xs[idx] - xs[idx0]) * 2 + (ty - y), 2 * (ty - y));
              e.x = xs[idx0];
              e.idx = idx;
              break;
            }
            idx0 = idx;
            idx += e.di;
            if (idx >= n) idx -= n;
          }
        }
      }
      if (left < 0) break;
      if (y >= 0) {
        const [a, b] = edges[0].x > edges[1].x ? [edges[1], edges[0]] : edges;
        let x1 = shr(a.x + XY_ONE - 1, XY_SHIFT), x2 = shr(b.x, XY_SHIFT);
        if (x2 >= 0 && x1 < img.width) {
          x1 = Math.max(x1, 0);
          x2 = Math.min(x2, img.width - 1);
          img.data.fill(color, y * img.width + x1, y * img.width + x2 + 1);
        }
      }
      edges[0].x += edges[0].dx;
      edges[1].x += edges[1].dx;
    } while (++y <= ymax);
  }

  // A filled anti-aliased disc, fixed-point centre and radius (cv::EllipseEx, 0..360 degrees).
  function fillDisc(img, cx, cy, radius, color) {
    const r = Math.abs(radius);
    const pixels = shr(r + (XY_ONE >> 1), XY_SHIFT);
    const delta = pixels < 3 ? 90 : pixels < 10 ? 30 : pixels < 15 ? 18 : 5;
    const xs = [], ys = [];
    for (let a = 0; a < 360 + delta; a += delta) {
      const angle = Math.min(a, 360);
      const fx = cx + r * sinDegrees(450 - angle), fy = cy + r * sinDegrees(angle);
      // Rounded in two steps (whole pixels, then the fraction) as cv2 does.
      let x = roundEven(fx / XY_ONE) * XY_ONE, y = roundEven(fy / XY_ONE) * XY_ONE;
      x += roundEven(fx - x);
      y += roundEven(fy - y);
      if (!xs.length || x !== xs[xs.length - 1] || y !== ys[ys.length - 1]) { xs.push(x); ys.push(y); }
    }
    if (xs.length === 1) { xs[0] = xs[1] = cx; ys[0] = ys[1] = cy; }
    fillConvexPoly(img, xs, ys, color);
  }

  // A line of a whole-pixel thickness with round ends (cv::ThickLine, LINE_AA); points are
  // fixed point with `shift` fractional bits; flags: 1 draws the start's end, 2 the end's.
  function thickLine(img, x0, y0, x1, y1, thickness, flags, shift, color) {
    const up = 2 ** (XY_SHIFT - shift);
    x0 *= up; y0 *= up; x1 *= up; y1 *= up;
    if (thickness <= 1) {
      lineAA(img, x0, y0, x1, y1, color);
      return;
    }
    const dx = (x0 - x1) / XY_ONE, dy = (y1 - y0) / XY_ONE;
    const r2 = dx * dx + dy * dy;
    const odd = thickness & 1;
    const half = thickness * (XY_ONE >> 1);
    if (Math.abs(r2) > DBL_EPSILON) {
      const r = (half + odd * XY_ONE * 0.5) / Math.sqrt(r2);
      const px = roundEven(dy * r), py = roundEven(dx * r);
      fillConvexPoly(img, [x0 + px, x0 - px, x1 - px, x1 + px], [y0 + py, y0 - py, y1 - py, y1 + py], color);
    }
    if (flags & 1) fillDisc(img, x0, y0, half, color);
    if (flags & 2) fillDisc(img, x1, y1, half, color);
  }

  // cv2.polylines(img, [points], False, color, thickness, LINE_AA, shift) for one open polyline.
  function polyline(img, xs, ys, thickness, shift, color) {
    for (let k = 1; k < xs.length; k++) {
      thickLine(img, xs[k - 1], ys[k - 1], xs[k], ys[k], thickness, k === 1 ? 3 : 2, shift, color);
    }
  }

  // cv2.circle(img, center, radius, color, -1, LINE_AA, shift): a filled disc.
  function circle(img, cx, cy, radius, shift, color) {
    const up = 2 ** (XY_SHIFT - shift);
    fillDisc(img, cx * up, cy * up, radius * up, color);
  }

  // Source pixels and float32 weights of each output pixel along one axis (cv2's area table).
  function areaTable(src, dst, scale) {
    const table = [];
    for (let d = 0; d < dst; d++) {
      const f1 = d * scale, f2 = f1 + scale;
      const cell = Math.min(scale, src - f1);
      const s2 = Math.min(Math.floor(f2), src - 1);
      const s1 = Math.min(Math.ceil(f1), s2);
      const parts = [];
      if (s1 - f1 > 1e-3) parts.push([s1 - 1, Math.fround((s1 - f1) / cell)]);
      for (let s = s1; s < s2; s++) parts.push([s, Math.fround(1.0 / cell)]);
      if (f2 - s2 > 1e-3) parts.push([s2, Math.fround(Math.min(Math.min(f2 - s2, 1), cell) / cell)]);
      table.push(parts);
    }
    return table;
  }

  const saturate = (v) => Math.min(255, Math.max(0, roundEven(v)));

  // cv2.resize(image[y0:y0+h, x0:x0+w], (newW, newH), interpolation=INTER_AREA) for a
  // shrink in both directions; returns a Uint8Array of newW * newH.
  function resizeArea(img, x0, y0, w, h, newW, newH) {
    const out = new Uint8Array(newW * newH);
    const at = (x, y) => img.data[(y0 + y) * img.width + x0 + x];
    if (newW === w && newH === h) {
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = at(x, y);
      return out;
    }
    const scaleX = 1 / (newW / w), scaleY = 1 / (newH / h);
    const kx = Math.trunc(scaleX), ky = Math.trunc(scaleY);
    if (Math.abs(scaleX - kx) < DBL_EPSILON && Math.abs(scaleY - ky) < DBL_EPSILON) {
      // Whole-number ratios: a plain block average (with cv2's SIMD rounding for 2x2 blocks).
      const inv = Math.fround(1 / (kx * ky));
      for (let y = 0; y < newH; y++) {
        for (let x = 0; x < newW; x++) {
          let sum = 0;
          for (let j = 0; j < ky; j++) for (let i = 0; i < kx; i++) sum += at(x * kx + i, y * ky + j);
          out[y * newW + x] = kx === 2 && ky === 2 ? (sum + 2) >> 2 : saturate(Math.fround(sum * inv));
        }
      }
      return out;
    }
    const tx = areaTable(w, newW, scaleX), ty = areaTable(h, newH, scaleY);
    const row = new Float32Array(newW);
    for (let y = 0; y < newH; y++) {
      const sum = new Float32Array(newW);
      for (const [sy, beta] of ty[y]) {
        row.fill(0);
        for (let x = 0; x < newW; x++) {
          for (const [sx, alpha] of tx[x]) row[x] += Math.fround(at(sx, sy) * alpha);
        }
        for (let x = 0; x < newW; x++) sum[x] += Math.fround(beta * row[x]);
      }
      for (let x = 0; x < newW; x++) out[y * newW + x] = saturate(sum[x]);
    }
    return out;
  }

  return { circle, polyline, resizeArea, roundEven };
});
