// Parsing: a vLLM completions body with prompt_logprobs of top-20 over 4,096 positions, and an OpenAI
// chat completion of 4,096 generated tokens with top_logprobs 20, each turned into a LogprobResult
// with both tables built, against JSON.parse of the same text (the floor), alternated in every
// repetition. Also the memory: the heap and array buffers a result holds (after a full GC) against the parsed body's,
// and the process's peak RSS.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { alternate, dist } from "./harness.mjs";
import { TEXTS } from "./texts.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

export async function bench({ reps, record }) {
  const { loadTokenizer } = dist("local/tokenizer.js");
  const { completionsResponse } = dist("local/completions.js");
  const { embeddedEngine } = dist("local/engine.js");
  const { createRandom } = dist("local/random.js");
  const { fromResponse } = dist("index.js");
  const tokenizer = loadTokenizer();
  const engine = embeddedEngine();
  const ids = [];
  while (ids.length < 4096) for (const t of TEXTS) ids.push(...tokenizer.encode(t));

  const vllmText = completionsResponse(engine, {
    prompt: [tokenizer.bos, ...ids].slice(0, 4096),
    max_tokens: 1,
    prompt_logprobs: 20,
    return_token_ids: true,
  });
  const chatText = openAIChatBody(engine, tokenizer, ids.slice(0, 4096), createRandom(2026));

  const cases = [
    ["a vLLM body, prompt_logprobs 20 × 4,096 positions", vllmText],
    ["an OpenAI chat body, top_logprobs 20 × 4,096 generated tokens", chatText],
  ];
  for (const [what, text] of cases) {
    const mb = (text.length / 1e6).toFixed(1);
    // Both tasks drop what they made: a value one task handed back (JSON.parse's 14 MB body, when
    // it was returned) was still alive during the other's collections, which then copied it.
    const medians = await alternate(
      {
        parse: () => {
          JSON.parse(text);
        },
        result: () => {
          const r = fromResponse(text);
          r.tokens.numRows();
          r.alternatives.numRows();
        },
      },
      { reps, warmup: 2 },
    );
    record(
      `parse ${what} (${mb} MB) into both tables (ms)`,
      medians.result,
      medians.parse,
      "≤ 1.5× JSON.parse",
      medians.result <= 1.5 * medians.parse,
      "ms",
    );
    const body = heldBy(() => JSON.parse(text));
    const result = heldBy(() => {
      const r = fromResponse(text);
      r.tokens.numRows();
      r.alternatives.numRows();
      return r;
    });
    record(
      `  heap held by the result with both tables, vs the parsed body (MB)`,
      result,
      body,
      "reported",
      true,
      "MB",
    );
  }
  record(
    "peak RSS of the bench process (MB)",
    process.resourceUsage().maxRSS / 1024,
    null,
    "reported",
    true,
    "MB",
  );
}

/** MB of heap and typed-array buffers that the value `make` returns keeps alive (full GC before and after). */
function heldBy(make) {
  const used = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  // Two collections each time: what one finds unreachable (weak tables, finalizers) may be freed
  // only by the next, and counted otherwise into one side or the other (the figure was seen < 0).
  gc();
  gc();
  const before = used();
  // Held in a module-level slot during the second collection, so no compiler can treat it as dead.
  kept.value = make();
  gc();
  gc();
  const held = used() - before;
  if (kept.value === undefined) throw new Error("nothing held");
  kept.value = undefined;
  return held / 2 ** 20;
}

const kept = { value: undefined };

/**
 * A non-streamed OpenAI chat completion (logprobs.content with the true top-20 most likely first,
 * exact bytes, `refusal: null`) of 4,096 tokens from the embedded model: mostly sampled from its
 * top-20, and 1 in 30 the held-out text's own token, so some fall outside the top-20 (censored).
 */
function openAIChatBody(engine, tokenizer, textIds, random) {
  const { model } = engine;
  const context = [tokenizer.bos, ...tokenizer.encode("Tell me about the Gettysburg Address.")];
  const entries = [];
  const generated = [];
  const entry = (id, logprob) =>
    `{"token":${JSON.stringify(tokenizer.tokenText(id))},"logprob":${Math.max(logprob, -9999)},"bytes":[${tokenizer.bytes(id).join(",")}]`;
  for (let i = 0; i < textIds.length; i++) {
    const query = model.query(Uint32Array.from(context), textIds[i], 20);
    const top = query.top.filter((t) => !tokenizer.isSpecial(t.id));
    let id = textIds[i];
    let logprob = query.logprob;
    if (random() >= 1 / 30 && top.length > 0) {
      const mass = top.reduce((s, t) => s + Math.exp(t.logprob), 0);
      const u = random() * mass;
      let pick = top[top.length - 1];
      let below = 0;
      for (const t of top) {
        below += Math.exp(t.logprob);
        if (u <= below) {
          pick = t;
          break;
        }
      }
      id = pick.id;
      logprob = pick.logprob;
    }
    entries.push(
      `${entry(id, logprob)},"top_logprobs":[${query.top.map((t) => `${entry(t.id, t.logprob)}}`).join(",")}]}`,
    );
    generated.push(id);
    context.push(id);
  }
  const content = tokenizer.decode(generated);
  return (
    `{"id":"chatcmpl-bench","object":"chat.completion","created":1765000000,"model":"gpt-4o-mini-2024-07-18",` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(content)},"refusal":null,"annotations":[]},` +
    `"logprobs":{"content":[${entries.join(",")}],"refusal":null},"finish_reason":"length"}],` +
    `"usage":{"prompt_tokens":${context.length - generated.length},"completion_tokens":${generated.length},"total_tokens":${context.length}},` +
    `"service_tier":"default","system_fingerprint":"fp_bench"}`
  );
}
