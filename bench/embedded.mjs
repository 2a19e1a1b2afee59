// The embedded model: first call in a fresh process, model load, scored positions per second
// in-process and through the HTTP server.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { dist, median, root } from "./harness.mjs";
import { TEXTS } from "./texts.mjs";

export async function bench({ reps, record }) {
  const { loadTokenizer } = dist("local/tokenizer.js");
  const { createRandom } = dist("local/random.js");
  const { modelFromFile } = dist("local/model-file.js");
  const { Transport } = dist("http/transport.js");

  // 1. First call: a fresh process runs connect().promptLogprobs() on the embedded model (tokenizer +
  //    model load + in-process server), against a fresh `node -e ""` as the floor.
  const timeProcess = (code) => {
    const t = performance.now();
    execFileSync(process.execPath, ["-e", code], { cwd: root, env: { ...process.env, ACS_API_BASE: "" } });
    return performance.now() - t;
  };
  const firstCall = [];
  const nodeStart = [];
  for (let i = 0; i < Math.min(reps, 3); i++) {
    nodeStart.push(timeProcess(""));
    firstCall.push(
      timeProcess('require("./dist/cjs/index.js").connect().promptLogprobs("The capital of France is")'),
    );
  }
  record(
    "first call on the embedded model (ms)",
    median(firstCall),
    median(nodeStart),
    "≤ 15000 ms",
    median(firstCall) <= 15000,
    "ms",
  );

  // 2. Model load vs reading + gunzipping the same file (the floor).
  const file = readFileSync(join(root, "assets/model/trigram-kn.bin.gz"));
  const load = [];
  const gunzip = [];
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    gunzipSync(file);
    gunzip.push(performance.now() - t);
    t = performance.now();
    modelFromFile(file);
    load.push(performance.now() - t);
  }
  record("model load (ms)", median(load), median(gunzip), "≤ 1000 ms", median(load) <= 1000, "ms");
  record("model file size (bytes)", file.length, null, "compact, in the repo", true, "B");

  // 3. Scored positions per second, in-process: top-20 plus the exact rank over the full vocabulary.
  //    The corpus: three held-out paragraphs plus 40 seeded samples of 250 tokens (~10k positions).
  //    A fresh model per repetition, so its caches start cold.
  const tokenizer = loadTokenizer();
  const sampler = modelFromFile(file);
  const random = createRandom(2026);
  const sampled = Array.from({ length: 40 }, () => {
    const ids = [tokenizer.bos];
    while (ids.length < 250) {
      const next = sampler.sample(ids, random, 1);
      if (!tokenizer.isSpecial(next)) ids.push(next);
    }
    return tokenizer.decode(ids.slice(1));
  });
  const corpus = [...TEXTS, ...sampled];
  const docs = corpus.map((t) => Uint32Array.from([tokenizer.bos, ...tokenizer.encode(t)]));
  const positions = docs.reduce((n, d) => n + d.length - 1, 0);
  const inProcess = [];
  for (let i = 0; i < reps; i++) {
    const model = modelFromFile(file);
    const t = performance.now();
    for (const ids of docs) for (let p = 1; p < ids.length; p++) model.query(ids.subarray(0, p), ids[p], 20);
    inProcess.push(positions / ((performance.now() - t) / 1000));
  }
  record(
    `in-process scored positions/s (top-20 + exact rank; ${positions} positions, cold caches)`,
    median(inProcess),
    20_000,
    "≥ 20000/s",
    median(inProcess) >= 20_000,
    "/s",
  );

  // 4. The same through the HTTP server (a separate process: one core), prompt_logprobs 20, one
  //    request at a time; baseline is the in-process rate measured above.
  const server = spawn(process.execPath, [join(root, "bin/logprob-lab.cjs"), "serve", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  const http = new Transport({ baseUrl: url });
  const viaServer = [];
  try {
    // The first pass warms the server's JIT and model caches alike; later passes vary the prompts.
    for (let i = 0; i < Math.min(reps, 3) + 1; i++) {
      const t = performance.now();
      let scored = 0;
      for (const text of corpus) {
        // A distinct prefix per repetition, so the server's model caches do not carry over.
        const body = await http.postJson("/completions", {
          prompt: `${i}. ${text}`,
          max_tokens: 1,
          prompt_logprobs: 20,
        });
        scored += body.choices[0].prompt_logprobs.length - 1;
      }
      if (i > 0) viaServer.push(scored / ((performance.now() - t) / 1000));
    }
  } finally {
    await http.close();
    server.kill("SIGTERM");
  }
  record(
    "HTTP server scored positions/s (prompt_logprobs 20, text prompts, warm)",
    median(viaServer),
    median(inProcess),
    "≥ 10000/s",
    median(viaServer) >= 10_000,
    "/s",
  );
}
