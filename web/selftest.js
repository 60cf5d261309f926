// Test driver, loaded only with ?selftest=URL: writes each ink of the JSON file at URL on the pad
// with synthetic pointer events (one pointerdown/move/up sequence per stroke), waits for the
// candidates after the last stroke, and puts every ink's ten labels, timings and model input (the
// grey levels of the "what the model sees" preview) into <pre id="selftest"> for the test to read
// (tests/test_web_e2e.py).
(async function () {
  "use strict";
  const url = new URLSearchParams(location.search).get("selftest");
  const inks = await (await fetch(url)).json();
  const pad = document.getElementById("pad");
  const box = pad.getBoundingClientRect();
  const until = (test) => new Promise((resolve) => {
    const poll = () => (test() ? resolve() : setTimeout(poll, 2));
    poll();
  });
  const fire = (type, [x, y]) => pad.dispatchEvent(new PointerEvent(type, {
    bubbles: true, pointerId: 1, pointerType: "mouse", isPrimary: true, buttons: type === "pointerup" ? 0 : 1,
    clientX: box.left + x, clientY: box.top + y,
  }));
  await until(() => document.body.dataset.ready === "1");
  const results = [];
  for (const strokes of inks) {
    document.getElementById("clear").click();
    await until(() => document.body.dataset.recognized === "0");
    const times = [];
    for (const [n, stroke] of strokes.entries()) {
      const start = performance.now();
      fire("pointerdown", stroke[0]);
      for (const p of stroke.slice(1)) fire("pointermove", p);
      fire("pointerup", stroke[stroke.length - 1]);
      await until(() => document.body.dataset.recognized === String(n + 1));
      times.push(performance.now() - start);
    }
    const labels = [...document.querySelectorAll("#candidates .label")].map((e) => e.textContent);
    const preview = document.getElementById("input");
    const rgba = preview.getContext("2d").getImageData(0, 0, preview.width, preview.height).data;
    results.push({ labels, times, input: Array.from(rgba.filter((_, i) => i % 4 === 0)) });
  }
  const out = document.createElement("pre");
  out.id = "selftest";
  out.textContent = JSON.stringify(results);
  document.body.append(out);
})();
