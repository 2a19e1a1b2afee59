// Parsing: a vLLM completions body with prompt_logprobs of top-20 over 4,096 positions into a
// LogprobResult with both tables built, against JSON.parse of the same text (the floor).
import { dist, median } from "./harness.mjs";
import { TEXTS } from "./texts.mjs";

export async function bench({ reps, record }) {
  const { loadTokenizer } = dist("local/tokenizer.js");
  const { completionsResponse } = dist("local/completions.js");
  const { embeddedEngine } = dist("local/engine.js");
  const { fromResponse } = dist("index.js");
  const tokenizer = loadTokenizer();
  const ids = [];
  while (ids.length < 4096) for (const t of TEXTS) ids.push(...tokenizer.encode(t));
  const promptIds = [tokenizer.bos, ...ids].slice(0, 4096);
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
}
