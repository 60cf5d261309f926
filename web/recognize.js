// Candidates for ink: web/preprocess.js, then the exported ONNX model in onnxruntime-web.
//
// Works as a browser script (window.MojiyomiRecognize, after ort and MojiyomiPreprocess) and
// as a Node module (the tests run the page's own code in Node: tests/test_web_page.py).
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./preprocess.js"));
  else root.MojiyomiRecognize = factory(root.MojiyomiPreprocess);
})(typeof self !== "undefined" ? self : this, function (P) {
  "use strict";

  // The `count` best [label, probability] pairs, best first.
  function topK(probs, labels, count) {
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
    return order.slice(0, count).map((i) => ({ label: labels[i], score: probs[i] }));
  }

  // A recognizer for an exported model: `model` is a URL (browser) or bytes; `meta` is its
  // description (<model>.json, written by `mojiyomi export --format onnx`).
  async function createRecognizer(ort, model, meta) {
    if (meta.format !== "mojiyomi-export" || !meta.preprocessing || meta.preprocessing.id !== "fit-v1") {
      throw new Error("not a mojiyomi ONNX export description (need format mojiyomi-export, preprocessing fit-v1)");
    }
    const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
    const spec = meta.preprocessing;
    const [height, width, channels] = meta.input_shape;
    return {
      meta,
      // Model input for ink (strokes of [x, y, t, pressure] points), for showing or checking.
      input: (strokes) => P.preprocessInk(strokes, spec),
      async recognize(strokes, count = 10) {
        const x = P.preprocessInk(strokes, spec);
        const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", x, [1, height, width, channels]) };
        const out = await session.run(feeds);
        return topK(out[session.outputNames[0]].data, meta.labels, count);
      },
    };
  }

  return { createRecognizer, topK };
});
