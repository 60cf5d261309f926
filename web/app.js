// The page: a writing pad (pointer events: mouse, touch, pen) and the candidates after every stroke.
// Served by any static file server from web/ (see the README); the model is ?model=URL (default
// model/japanese.onnx, with its description at the same URL + ".json").
(async function () {
  "use strict";
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const list = document.getElementById("candidates");
  const status = document.getElementById("status");
  const preview = document.getElementById("input");
  const strokes = [];
  let current = null;
  let recognizer = null;
  let pending = Promise.resolve();

  const modelUrl = new URLSearchParams(location.search).get("model") || "model/japanese.onnx";
  ort.env.wasm.wasmPaths = new URL("vendor/onnxruntime-web/", location.href).href;
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a plain static server lacks

  function draw() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = 6;
    ctx.lineCap = ctx.lineJoin = "round";
    for (const stroke of current ? [...strokes, current] : strokes) {
      ctx.beginPath();
      stroke.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      if (stroke.length === 1) ctx.arc(stroke[0][0], stroke[0][1], 3, 0, 2 * Math.PI);
      stroke.length === 1 ? ctx.fill() : ctx.stroke();
    }
  }

  function showInput(x, size) {
    const image = preview.getContext("2d").createImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      image.data.set([x[i], x[i], x[i], 255], 4 * i);
    }
    preview.width = preview.height = size;
    preview.getContext("2d").putImageData(image, 0, 0);
  }

  function show(candidates) {
    list.replaceChildren(...candidates.map(({ label, score }) => {
      const item = document.createElement("li");
      item.innerHTML = '<span class="label"></span><span class="score"></span>';
      item.firstChild.textContent = label;
      item.lastChild.textContent = (100 * score).toFixed(1) + "%";
      return item;
    }));
  }

  async function recognize() {
    if (!recognizer) return;
    if (!strokes.length) {
      show([]);
      status.textContent = "Write a character.";
      document.body.dataset.recognized = "0";
      return;
    }
    const start = performance.now();
    const candidates = await recognizer.recognize(strokes, 10);
    const ms = performance.now() - start;
    showInput(recognizer.input(strokes), recognizer.meta.input_shape[0]);
    show(candidates);
    status.textContent = `${strokes.length} stroke(s); candidates in ${ms.toFixed(0)} ms`;
    document.body.dataset.recognized = String(strokes.length); // for tests: how many strokes were read
  }

  function queue() { pending = pending.then(recognize).catch((e) => { status.textContent = "Error: " + e.message; }); }

  function point(event) {
    const box = pad.getBoundingClientRect();
    const pressure = event.pointerType === "pen" ? event.pressure : null; // mouse and touch report none
    return [event.clientX - box.left, event.clientY - box.top, event.timeStamp, pressure];
  }

  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    current = [point(event)];
    draw();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!current) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) current.push(point(e));
    draw();
  });
  const end = () => {
    if (!current) return;
    strokes.push(current);
    current = null;
    draw();
    queue();
  };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  document.getElementById("undo").onclick = () => { strokes.pop(); draw(); queue(); };
  document.getElementById("clear").onclick = () => { strokes.length = 0; draw(); queue(); };
  draw();
  if (new URLSearchParams(location.search).has("selftest")) {
    const driver = document.createElement("script");
    driver.src = "selftest.js";
    document.body.append(driver);
  }

  try {
    const start = performance.now();
    const meta = await (await fetch(modelUrl + ".json")).json();
    recognizer = await MojiyomiRecognize.createRecognizer(ort, modelUrl, meta);
    status.textContent = `Model ${meta.name} ${meta.model_version} (${meta.labels.length} characters) loaded in ` +
      `${(performance.now() - start).toFixed(0)} ms. Write a character.`;
    document.body.dataset.loadMs = String(Math.round(performance.now() - start));
    document.body.dataset.ready = "1";
    queue();
  } catch (e) {
    status.textContent = `Could not load ${modelUrl}: ${e.message}. Open the page through a static server ` +
      "(python -m http.server -d web), not as a file.";
  }
})();
