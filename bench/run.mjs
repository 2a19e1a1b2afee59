// `npm run bench`: rates and ratios measured in one run (medians of alternated repetitions).
// `--json` prints one JSON object { results: [{ name, value, baseline, ratio, target, pass }] } last.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { TEXTS } from "./texts.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "dist/cjs/index.js")))
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
const require = createRequire(import.meta.url);
const { loadTokenizer } = require(join(root, "dist/cjs/local/tokenizer.js"));
const { createRandom } = require(join(root, "dist/cjs/local/random.js"));
const { modelFromFile } = require(join(root, "dist/cjs/local/model-file.js"));
const { Transport } = require(join(root, "dist/cjs/http/transport.js"));

const json = process.argv.includes("--json");
const reps = Number(process.env.BENCH_REPS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
const record = (name, value, baseline, target, pass, unit) =>
  results.push({ name, value, baseline, ratio: baseline ? value / baseline : null, target, pass, unit });

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

// 5. Parsing: a vLLM completions body with prompt_logprobs of top-20 over 4,096 positions into a
//    LogprobResult with both tables built, against JSON.parse of the same text (the floor).
const { completionsResponse } = require(join(root, "dist/cjs/local/completions.js"));
const { embeddedEngine } = require(join(root, "dist/cjs/local/engine.js"));
const { fromResponse } = require(join(root, "dist/cjs/index.js"));
const promptIds = [tokenizer.bos, ...docs.flatMap((d) => Array.from(d.subarray(1)))].slice(0, 4096);
const bodyText = completionsResponse(embeddedEngine(), {
  prompt: promptIds,
  max_tokens: 1,
  prompt_logprobs: 20,
  return_token_ids: true,
});
const parseOnly = [];
const toResult = [];
let peakRss = 0;
for (let i = 0; i < reps + 1; i++) {
  let t = performance.now();
  JSON.parse(bodyText);
  const a = performance.now() - t;
  t = performance.now();
  const r = fromResponse(bodyText);
  r.tokens.numRows();
  r.alternatives.numRows();
  const b = performance.now() - t;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (i > 0) {
    parseOnly.push(a);
    toResult.push(b);
  }
}
record(
  `parse a vLLM body, prompt_logprobs 20 × 4,096 positions (${(bodyText.length / 1e6).toFixed(1)} MB) into both tables (ms)`,
  median(toResult),
  median(parseOnly),
  "≤ 1.5× JSON.parse",
  median(toResult) <= 1.5 * median(parseOnly),
  "ms",
);
record("peak RSS of the bench process (MB)", peakRss / 2 ** 20, null, "reported", true, "MB");

const modelBytes = file.length;
record("model file size (bytes)", modelBytes, null, "compact, in the repo", true, "B");

const fmt = (x) =>
  x === null ? "—" : Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(2);
console.log(`logprob-lab bench — node ${process.version}, ${process.platform}/${process.arch}, reps ${reps}`);
for (const r of results) {
  console.log(
    `${r.pass ? "PASS" : "FAIL"}  ${r.name.padEnd(68)} ${fmt(r.value).padStart(12)}  baseline ${fmt(r.baseline).padStart(9)}  ratio ${fmt(r.ratio).padStart(7)}  target ${r.target}`,
  );
}
if (json) console.log(JSON.stringify({ results }));
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
