// For every dialect the embedded server speaks, the client pointed at it returns the same per-token
// logprobs (±1e-6) and ranks as the in-process model for the same prompt and seed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import type { Provider } from "../../src/client/endpoint-config.js";
import type { Lab } from "../../src/client/lab.js";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { renderLlama3Chat } from "../../src/local/chat-template.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import type { LogprobResult } from "../../src/result.js";

const PROMPT = "The history of the United States";
const SEED = 1234;
let server: EmbeddedServer;
let root: string;

beforeAll(async () => {
  server = await serve({ port: 0 });
  root = server.url.replace(/\/v1$/, "");
});
afterAll(() => server.close());

const { model, tokenizer } = embeddedEngine();
const byBytes = new Map<string, number>();
for (let id = 0; id < tokenizer.vocabSize; id++)
  byBytes.set(Buffer.from(tokenizer.bytes(id)).toString("hex"), id);

/** The vocabulary id of a row: given by the dialect, or recovered from its exact bytes. */
function idOf(row: TokenLogprob): number {
  if (row.tokenId !== null) return row.tokenId;
  const id = row.bytes ? byBytes.get(Buffer.from(row.bytes).toString("hex")) : undefined;
  if (id === undefined) throw new Error(`row ${row.position} has neither an id nor exact bytes`);
  return id;
}

/**
 * Checks every scored row against model.query over the same context: the logprob to 1e-6, the
 * rank exactly where reported (or the bound where censored), the alternatives' ids and logprobs.
 */
function expectModelNumbers(result: LogprobResult, contextBefore: number[]): number {
  const ids = [...contextBefore];
  let checked = 0;
  for (const row of result.rows) {
    const id = idOf(row);
    if (row.logprob !== null) {
      const truth = model.query(ids, id, Math.max(row.topK, 1));
      expect(row.logprob).toBeCloseTo(truth.logprob, 6);
      if (row.rank !== null) expect(row.rank).toBe(truth.rank);
      if (row.rankCensored) expect(truth.rank).toBeGreaterThan(row.rankBound ?? 0);
      const listed = row.alternatives.filter((a) => a.rank !== null && a.rank <= row.topK);
      for (const alt of listed) {
        const altId = alt.tokenId ?? byBytes.get(Buffer.from(alt.token, "utf8").toString("hex"));
        if (altId === undefined) continue;
        expect(alt.logprob).toBeCloseTo(model.logprob(ids, altId), 6);
      }
      checked++;
    }
    ids.push(id);
  }
  return checked;
}

const promptIds = [tokenizer.bos, ...tokenizer.encode(PROMPT)];
const lab = (provider: Provider): Lab =>
  connect({ baseUrl: provider === "vllm" ? server.url : root, provider, model: "embedded" });

describe("round trip through every dialect the embedded server speaks", () => {
  it("vLLM completions: prompt_logprobs", async () => {
    const r = await lab("vllm").promptLogprobs(PROMPT, { topK: 5 });
    expect(r.rows.map(idOf)).toEqual(promptIds);
    expect(expectModelNumbers(r, [])).toBe(promptIds.length - 1);
  });

  it("vLLM completions: generated tokens, streamed and not, same seed", async () => {
    const options = { maxTokens: 12, topLogprobs: 5, temperature: 0.9, seed: SEED };
    const plain = await lab("vllm").complete(PROMPT, options);
    const streamed = await lab("vllm")
      .complete(PROMPT, { ...options, stream: true })
      .result();
    expect(streamed.rows.map(idOf)).toEqual(plain.rows.map(idOf));
    for (const r of [plain, streamed]) expect(expectModelNumbers(r, promptIds)).toBe(r.rows.length);
  });

  it("vLLM completions with echo: prompt and generated positions in one table", async () => {
    const r = await lab("vllm").complete(PROMPT, { maxTokens: 4, topLogprobs: 3, seed: SEED, echo: true });
    expect(r.rows.slice(0, promptIds.length).every((row) => row.isPrompt)).toBe(true);
    expect(r.rows.slice(promptIds.length).every((row) => !row.isPrompt)).toBe(true);
    expect(expectModelNumbers(r, [])).toBe(r.rows.length - 1);
  });

  it("OpenAI-compatible chat, streamed and not, same seed", async () => {
    const messages = [{ role: "user", content: "Tell me about the capital of France." }];
    const context = tokenizer.encode(renderLlama3Chat(messages));
    const options = { maxTokens: 10, topLogprobs: 5, temperature: 0.8, seed: SEED };
    const plain = await lab("vllm").chat(messages, options);
    const streamed = await lab("vllm")
      .chat(messages, { ...options, stream: true })
      .result();
    expect(streamed.rows.map(idOf)).toEqual(plain.rows.map(idOf));
    for (const r of [plain, streamed]) expect(expectModelNumbers(r, context)).toBe(r.rows.length);
  });

  it("TGI /generate with prefill details, and /generate_stream, same seed", async () => {
    const options = { maxTokens: 10, topLogprobs: 5, temperature: 0.7, seed: SEED };
    const withPrefill = await lab("tgi").complete(PROMPT, { ...options, echo: true });
    const prompt = withPrefill.rows.filter((row) => row.isPrompt).map(idOf);
    expect(prompt).toEqual(promptIds);
    expect(expectModelNumbers(withPrefill, [])).toBe(withPrefill.rows.length - 1);
    const streamed = await lab("tgi")
      .complete(PROMPT, { ...options, stream: true })
      .result();
    expect(streamed.rows.map(idOf)).toEqual(withPrefill.rows.filter((row) => !row.isPrompt).map(idOf));
    expect(expectModelNumbers(streamed, promptIds)).toBe(streamed.rows.length);
    const scored = await lab("tgi").promptLogprobs(PROMPT, { topK: 3 });
    expect(scored.rows.map(idOf)).toEqual(promptIds);
    expect(expectModelNumbers(scored, [])).toBe(promptIds.length - 1);
  });

  it("DEVUP native, streamed and not, same seed", async () => {
    const options = { maxTokens: 10, topLogprobs: 3, temperature: 0.7, seed: SEED };
    const streamed = await lab("devup")
      .complete(PROMPT, { ...options, stream: true })
      .result();
    const plain = await lab("devup").complete(PROMPT, options);
    expect(plain.rows.map(idOf)).toEqual(streamed.rows.map(idOf));
    for (const r of [plain, streamed]) expect(expectModelNumbers(r, promptIds)).toBe(r.rows.length);
  });
});
