// tinyvid in the browser: the shipped video model's denoiser and the autoencoder's decoder,
// exported to ONNX (tinyvid/export.py), sampled here with the library's own recipe:
// flow matching (x_0 noise, x_1 data), Heun steps on the grid t = 0, 1/n, ..., 1, and
// classifier-free guidance out = u + w (c - u), the prompt and the null prompt in one batch of 2
// (tinyvid.diffusion.samplers.model_predict and FlowHeunSampler). No server: onnxruntime-web
// runs the graphs in WebAssembly.
(function () {
  "use strict";

  const here = new URL("_static/", document.baseURI).href;
  const files = {
    denoiser: here + "generator/denoiser.onnx",
    decoder: here + "generator/decoder.onnx",
    config: here + "generator/generator.json",
    wasm: here + "vendor/ort/",
  };

  // --- seeded noise: mulberry32 uniforms, Box-Muller normals (tests/site reproduces it) -----
  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function gaussian(n, seed) {
    const rand = mulberry32(seed);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - rand(); // (0, 1]: log never sees 0
      const u2 = rand();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  // --- the prompt grammar, with the library's messages (tinyvid/text.py) ----------------------
  function pyRepr(s) {
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    let body = s.replace(/\\/g, "\\\\");
    if (q === "'") body = body.replace(/'/g, "\\'");
    return q + body + q;
  }

  // difflib.SequenceMatcher(None, a, b).ratio() for short strings (no junk heuristics apply)
  function longestMatch(a, b, alo, ahi, blo, bhi) {
    let besti = alo, bestj = blo, bestsize = 0;
    let j2len = new Map();
    for (let i = alo; i < ahi; i++) {
      const next = new Map();
      for (let j = blo; j < bhi; j++) {
        if (b[j] !== a[i]) continue;
        const k = (j2len.get(j - 1) || 0) + 1;
        next.set(j, k);
        if (k > bestsize) { besti = i - k + 1; bestj = j - k + 1; bestsize = k; }
      }
      j2len = next;
    }
    return [besti, bestj, bestsize];
  }

  function ratio(a, b) {
    let matched = 0;
    const queue = [[0, a.length, 0, b.length]];
    while (queue.length) {
      const [alo, ahi, blo, bhi] = queue.pop();
      const [i, j, k] = longestMatch(a, b, alo, ahi, blo, bhi);
      if (!k) continue;
      matched += k;
      if (alo < i && blo < j) queue.push([alo, i, blo, j]);
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
    }
    return a.length + b.length ? (2 * matched) / (a.length + b.length) : 1;
  }

  function closeMatches(word, possibilities, n, cutoff) {
    const scored = [];
    for (const x of possibilities) {
      const r = ratio(x, word);
      if (r >= cutoff) scored.push([r, x]);
    }
    scored.sort((p, q) => (q[0] - p[0]) || (q[1] > p[1] ? 1 : q[1] < p[1] ? -1 : 0));
    return scored.slice(0, n).map((p) => p[1]);
  }

  function makeGrammar(cfg) {
    const vocab = cfg.vocab;
    const known = vocab.slice(1);
    const id = new Map(vocab.map((w, i) => [w, i]));
    const words = (prompt) => {
      const out = prompt.toLowerCase().replace(/[,.]/g, " ").split(/\s+/).filter((w) => w);
      for (const w of out) {
        if (!id.has(w) || w === cfg.pad) {
          const near = closeMatches(w, known, 3, 0.5);
          const hint = near.length ? ` Did you mean ${near.map(pyRepr).join(" or ")}?` : "";
          throw new Error(
            `unknown word ${pyRepr(w)} in prompt ${pyRepr(prompt)}.${hint} ` +
            `Known words: ${known.join(", ")}. Prompts look like ${cfg.grammar}.`);
        }
      }
      return out;
    };
    const isDigit = (w) => cfg.digits.includes(w);
    const isArticle = (w) => w === "a" || w === "an";
    const parse = (prompt) => {
      const w = words(prompt);
      const bad = new Error(`cannot read ${pyRepr(prompt)}: prompts look like ${cfg.grammar}`);
      if ((w.length === 4 || w.length === 5) && isArticle(w[0]) && isDigit(w[1]) && w[2] === "moving") {
        if (!cfg.directions.includes(w[3]) || (w.length === 5 && w[4] !== "slowly")) throw bad;
        return w;
      }
      if (w.length === 6 && isArticle(w[0]) && isDigit(w[1]) && w[2] === "and" &&
          isArticle(w[3]) && isDigit(w[4]) && w[5] === "bouncing") return w;
      throw bad;
    };
    const tokenize = (prompt) => {
      if (!prompt.trim()) {
        throw new Error("text_to_video needs a prompt, e.g. 'a 7 moving up-left' or " +
                        "'a 3 and a 5 bouncing'");
      }
      const w = parse(prompt);
      const ids = new BigInt64Array(cfg.max_tokens); // 0 = padding
      w.forEach((word, i) => { ids[i] = BigInt(id.get(word === "an" ? "a" : word)); });
      return ids;
    };
    return { tokenize };
  }

  // --- sampling -----------------------------------------------------------------------------
  async function load() {
    const cfg = await (await fetch(files.config)).json();
    ort.env.wasm.wasmPaths = files.wasm;
    ort.env.wasm.numThreads = self.crossOriginIsolated
      ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    const opts = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
    const [denoiser, decoder] = await Promise.all([
      ort.InferenceSession.create(files.denoiser, opts),
      ort.InferenceSession.create(files.decoder, opts),
    ]);
    return { cfg, denoiser, decoder, grammar: makeGrammar(cfg) };
  }

  async function generate(m, prompt, seed, onStep) {
    const { cfg } = m;
    const tokens = m.grammar.tokenize(prompt); // throws the library's message on bad input
    const [c, h, w] = cfg.latent_shape;
    const T = cfg.num_frames;
    const n = T * c * h * w;
    const both = new BigInt64Array(2 * cfg.max_tokens);
    both.set(tokens, 0); // row 1 stays all padding: the null prompt
    const tokensT = new ort.Tensor("int64", both, [2, cfg.max_tokens]);
    const g = cfg.guidance;

    async function predict(x, t) {
      const xx = new Float32Array(2 * n);
      xx.set(x, 0);
      xx.set(x, n);
      const out = await m.denoiser.run({
        x: new ort.Tensor("float32", xx, [2, T, c, h, w]),
        t: new ort.Tensor("float32", new Float32Array([t, t]), [2]),
        tokens: tokensT,
      });
      const p = out.prediction.data;
      const u = new Float32Array(n);
      for (let i = 0; i < n; i++) u[i] = p[n + i] + g * (p[i] - p[n + i]);
      return u;
    }

    async function decode(z) {
      const out = await m.decoder.run({ latents: new ort.Tensor("float32", z, [T, c, h, w]) });
      return out.frames.data; // [T, 1, 64, 64] in [0, 1]
    }

    let x = gaussian(n, seed);
    const steps = cfg.steps;
    for (let i = 0; i < steps; i++) {
      const t = Math.fround(i / steps), tNext = Math.fround((i + 1) / steps), dt = tNext - t;
      const u = await predict(x, t);
      let slope = u;
      if (cfg.sampler === "heun") {
        const guess = new Float32Array(n);
        for (let k = 0; k < n; k++) guess[k] = x[k] + dt * u[k];
        const u2 = await predict(guess, tNext);
        slope = new Float32Array(n);
        for (let k = 0; k < n; k++) slope[k] = 0.5 * (u[k] + u2[k]);
      }
      const next = new Float32Array(n), x0 = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        next[k] = x[k] + dt * slope[k];
        x0[k] = x[k] + (1 - t) * slope[k]; // the data estimate: velocity_to_x1
      }
      x = next;
      const last = i === steps - 1;
      await onStep(i + 1, steps, await decode(last ? x : x0), last);
    }
  }

  // --- the page -----------------------------------------------------------------------------
  function drawFrame(ctx, frames, index, size, dx) {
    const img = ctx.createImageData(size, size);
    const off = index * size * size;
    for (let p = 0; p < size * size; p++) {
      const v = Math.round(Math.min(1, Math.max(0, frames[off + p])) * 255);
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v;
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, dx, 0);
  }

  function setup() {
    const root = document.getElementById("tv-generator");
    if (!root) return;
    const $ = (id) => document.getElementById(id);
    const form = $("tv-form"), promptBox = $("tv-prompt"), seedBox = $("tv-seed");
    const button = $("tv-go"), status = $("tv-status"), error = $("tv-error");
    const live = $("tv-live").getContext("2d"), strip = $("tv-strip").getContext("2d");
    const state = { ready: false, busy: false, runs: [], error: null };
    window.tinyvid = state;
    let model = null, timer = null;

    for (const a of root.querySelectorAll("[data-prompt]")) {
      a.addEventListener("click", (e) => { e.preventDefault(); promptBox.value = a.dataset.prompt; });
    }

    function animate(frames, T, size) {
      clearInterval(timer);
      let k = 0;
      drawFrame(live, frames, 0, size, 0);
      timer = setInterval(() => { k = (k + 1) % T; drawFrame(live, frames, k, size, 0); },
                          1000 / model.cfg.fps);
    }

    status.textContent = "loading the model (about 9 MB)…";
    load().then((m) => {
      model = m;
      state.ready = true;
      state.threads = ort.env.wasm.numThreads;
      button.disabled = false;
      status.textContent = `ready: ${m.cfg.steps} ${m.cfg.sampler} steps, guidance ${m.cfg.guidance}, ` +
        `${state.threads} thread${state.threads > 1 ? "s" : ""}`;
    }).catch((e) => { state.error = String(e); error.textContent = "could not load the model: " + e; });

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!model || state.busy) return;
      error.textContent = "";
      state.error = null;
      const seed = Number.parseInt(seedBox.value, 10);
      if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
        state.error = `seed must be an integer from 0 to 4294967295, got ${pyRepr(seedBox.value)}`;
        error.textContent = state.error;
        return;
      }
      const size = model.cfg.image_size, T = model.cfg.num_frames;
      state.busy = true;
      button.disabled = true;
      const t0 = performance.now();
      try {
        await generate(model, promptBox.value, seed, async (step, total, frames, last) => {
          status.textContent = last ? "decoding…" : `step ${step}/${total}: the model's current guess`;
          animate(frames, T, size);
          if (last) {
            for (let k = 0; k < T; k++) drawFrame(strip, frames, k, size, k * size);
            const seconds = (performance.now() - t0) / 1000;
            state.runs.push({ prompt: promptBox.value, seed, seconds, threads: state.threads,
                              frames: Array.from(frames) });
            status.textContent = `done: "${promptBox.value}", seed ${seed}, ${T} frames in ` +
              `${seconds.toFixed(2)} s (${state.threads} thread${state.threads > 1 ? "s" : ""})`;
          }
          await new Promise((r) => setTimeout(r, 0)); // let the canvas paint
        });
      } catch (err) {
        state.error = err.message || String(err);
        error.textContent = state.error;
        status.textContent = "nothing generated: fix the prompt and try again";
        clearInterval(timer);
        live.clearRect(0, 0, size, size);
        strip.clearRect(0, 0, size * T, size);
      } finally {
        state.busy = false;
        button.disabled = false;
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
