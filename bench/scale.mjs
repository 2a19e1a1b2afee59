// Scaling past one notebook: the live heap while lab.scoreMany streams an (async) iterable of
// texts to an Arrow file, for 2,000 texts (the baseline) and for 20,000. With nothing kept per
// text the two peaks match; a result retained per text would make the second ~10× the first.
// Each run is its own process (`--expose-gc`), scored in-process by the embedded engine (the
// HTTP path is the same code above the poster and would only make the run slower).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dist, root } from "./harness.mjs";

const RUN = `
const [cjs, n, output] = process.argv.slice(1);
const { scoreMany } = require(cjs + "/client/scoring/score-many.js");
const { embeddedEngine } = require(cjs + "/local/engine.js");
const { completionsResponse } = require(cjs + "/local/completions.js");
const engine = embeddedEngine();
const http = {
  url: (path) => "http://in-process/v1" + path,
  async postJson(path, body) {
    if (path !== "/tokenize") return JSON.parse(completionsResponse(engine, body));
    const ids = [engine.tokenizer.bos, ...engine.tokenizer.encode(body.prompt)];
    return { count: ids.length, max_model_len: engine.maxModelLen, tokens: ids, token_strs: ids.map((id) => engine.tokenizer.piece(id)) };
  },
};
const endpoint = { provider: "vllm", http, model: "m", tokenizer: {}, promptLogprobs: () => { throw new Error("unused"); } };
async function* texts() { for (let i = 0; i < Number(n); i++) yield "Sentence number " + i + " of the corpus is here."; }
let peak = 0;
const sample = () => { globalThis.gc(); peak = Math.max(peak, process.memoryUsage().heapUsed); };
scoreMany(endpoint, texts(), { output, topK: 5, concurrency: 8, progress: false, onProgress: (p) => { if (p.done % 250 === 0) sample(); } })
  .then((report) => { sample(); console.log(JSON.stringify({ peak, done: report.done })); });
`;

export async function bench({ record }) {
  dist("index.js"); // builds dist/ when it is missing
  const cjs = join(root, process.env.BENCH_DIST ?? "dist", "cjs");
  const dir = mkdtempSync(join(tmpdir(), "bench-scale-"));
  try {
    const peakMb = (n) => {
      const out = execFileSync(
        process.execPath,
        ["--expose-gc", "-e", RUN, cjs, String(n), join(dir, `${n}.arrow`)],
        {
          encoding: "utf8",
          maxBuffer: 1 << 20,
        },
      );
      const { peak, done } = JSON.parse(out.trim().split("\n").pop());
      if (done !== n) throw new Error(`scale bench scored ${done} of ${n} texts`);
      return peak / 2 ** 20;
    };
    const small = peakMb(2_000);
    const large = peakMb(20_000);
    record(
      "scoreMany → .arrow, live heap at 20,000 texts vs 2,000 (MB)",
      large,
      small,
      "≤ 1.25× (flat in the number of texts)",
      large <= 1.25 * small,
      "MB",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
