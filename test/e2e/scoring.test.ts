import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { ScoreManyError } from "../../src/client/scoring/score-many-error.js";
import { planWindows } from "../../src/core/window-plan.js";
import { UsageError } from "../../src/errors.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";

const { model, tokenizer } = embeddedEngine();
const idsOf = (text: string) => [tokenizer.bos, ...tokenizer.encode(text)];

let server: EmbeddedServer;
/** The embedded model behind a server whose context is 16 tokens (vLLM's max_model_len). */
let small: EmbeddedServer;
beforeAll(async () => {
  server = await serve({ port: 0 });
  small = await serve({ port: 0, engine: { ...embeddedEngine(), maxModelLen: 16 } });
});
afterAll(async () => {
  await server.close();
  await small.close();
});

const LONG =
  "Once upon a time there was a little fox who lived at the edge of a great forest. Every morning she ran " +
  "down to the river to drink, and every evening she climbed the hill to watch the sun go down behind the trees.";

/** Every scored row must equal the model's own answer over exactly the context it says it had. */
function expectExact(rows: readonly any[], ids: readonly number[], topK: number, offset = 0) {
  for (const row of rows) {
    const i = row.position + offset;
    expect(row.tokenId).toBe(ids[i]);
    if (row.logprob === null) continue;
    const q = model.query(ids.slice(i - row.contextTokens, i), ids[i], topK);
    expect(Math.abs(row.logprob - q.logprob)).toBeLessThanOrEqual(1e-9);
    expect(row.rank).toBe(q.rank);
    // The top-k, and the actual token appended when it is not among them (vLLM's k + 1 entries).
    const top = row.alternatives.slice(0, topK);
    expect(top.map((a: any) => a.tokenId)).toEqual(q.top.map((t) => t.id));
    top.forEach((a: any, k: number) => {
      expect(Math.abs(a.logprob - q.top[k].logprob)).toBeLessThanOrEqual(1e-9);
    });
    if (row.alternatives.length > topK) expect(row.alternatives[topK].tokenId).toBe(ids[i]);
  }
}

describe("lab.score", () => {
  it("scores every token after <|begin_of_text|> exactly, by id, with its context", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const text = "The capital of France is Paris.";
    const r = await lab.score(text, { topK: 5 });
    const ids = idsOf(text);
    expect(r.text).toBe(text);
    expect(r.method).toBe("return_token_ids");
    expect(r.rows.map((row) => row.tokenId)).toEqual(ids);
    expect(r.rows[0]).toMatchObject({ logprob: null, special: true, token: "<|begin_of_text|>" });
    expect(r.rows.map((row: any) => row.contextTokens)).toEqual(ids.map((_, i) => i));
    expectExact(r.rows, ids, 5);
    const total = ids.slice(1).reduce((s, id, i) => s + model.logprob(ids.slice(0, i + 1), id), 0);
    expect(r.summary.tokenCount).toBe(ids.length - 1);
    expect(Math.abs(r.summary.totalLogprob - total)).toBeLessThanOrEqual(1e-9);
    expect(r.summary.perplexity).toBeCloseTo(Math.exp(-total / (ids.length - 1)), 12);
  });

  it("scores a text longer than the server's context in strided windows, each token over its truncated context", async () => {
    const lab = connect({ baseUrl: small.url, model: "llama-8b" });
    const ids = idsOf(LONG);
    expect(ids.length).toBeGreaterThan(40);
    // Default maxContext: the server's max_model_len (16) from /tokenize → windows of 15, stride 7.
    const r = await lab.score(LONG, { topK: 3 });
    expect(r.text).toBe(LONG);
    expect(r.rows.map((row) => row.tokenId)).toEqual(ids);
    const windows = planWindows(ids.length, { window: 15, stride: 7 });
    expect(windows.length).toBeGreaterThan(3);
    const expected = new Array<number>(ids.length).fill(0);
    for (const w of windows) for (let i = w.scoreFrom; i < w.end; i++) expected[i] = i - w.begin;
    expect(r.rows.map((row: any) => row.contextTokens)).toEqual(expected);
    expect(Math.max(...expected)).toBe(14);
    expect(Math.min(...expected.slice(15))).toBe(8); // window − stride
    expectExact(r.rows, ids, 3);
    expect(r.summary.tokenCount).toBe(ids.length - 1);
  });

  it("scores in lm-eval's disjoint windows, where truncation visibly changes values", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const ids = idsOf(LONG);
    const r = await lab.score(LONG, { topK: 2, maxContext: 9, mode: "disjoint" });
    const contexts = r.rows.map((row: any) => row.contextTokens);
    // Windows of 8 prompt tokens: 1..7 after the ones before; the next window starts after one token.
    expect(contexts.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 1]);
    expectExact(r.rows, ids, 2);
    // A token after one token of context is scored differently than after the whole text.
    const truncated = r.rows.filter((row: any) => row.contextTokens === 1 && row.position > 1);
    expect(truncated.length).toBeGreaterThan(3);
    const differs = truncated.filter(
      (row) => Math.abs(row.logprob! - model.logprob(ids.slice(0, row.position), ids[row.position])) > 1e-6,
    );
    expect(differs.length).toBeGreaterThan(0);
    // Less context than the strided windows give: a perplexity of its own.
    const strided = await lab.score(LONG, { topK: 2, maxContext: 9 });
    expect(strided.summary.perplexity).not.toBe(r.summary.perplexity);
  });
});

describe("lab.scoreContinuation", () => {
  it("gives a token that spans the boundary to the continuation and scores it after the context", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const r = await lab.scoreContinuation("The cat sat on the ma", "t", { topK: 5 });
    const ids = idsOf("The cat sat on the mat");
    expect(r.text).toBe("The cat sat on the mat");
    expect(r.rows.map((row) => row.tokenId)).toEqual(ids);
    expect(r.continuationStart).toBe(6);
    expect(r.rows[6].token).toBe(" mat");
    expect(r.coveredText).toBe(" mat");
    expect(r.rows.slice(0, 6).every((row) => row.logprob === null && row.rank === null)).toBe(true);
    const q = model.query(ids.slice(0, 6), ids[6], 5);
    expect(Math.abs(r.logLikelihood - q.logprob)).toBeLessThanOrEqual(1e-9);
    expect(r.summary.tokenCount).toBe(1);
    expect(r.isGreedy).toBe(q.rank === 1);
    expectExact(r.rows, ids, 5);
    const tokens = r.tokens.objects() as any[];
    expect(tokens.slice(0, 6).every((t) => t.logprob === null)).toBe(true);
  });

  it("is greedy exactly when greedy decoding reproduces the continuation", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    // A greedy continuation of 4 tokens, decoded to text (one whose tokenization round-trips).
    let context = "";
    let greedy: number[] = [];
    for (const candidate of [
      "The cat sat on the",
      "Once upon a time",
      "The capital of France is",
      "It was",
    ]) {
      const ids = idsOf(candidate);
      const out: number[] = [];
      for (let k = 0; k < 4; k++) out.push(model.topK([...ids, ...out], 1)[0].id);
      const text = candidate + tokenizer.decode(out);
      if (JSON.stringify(idsOf(text)) === JSON.stringify([...ids, ...out])) {
        context = candidate;
        greedy = out;
        break;
      }
    }
    expect(greedy).toHaveLength(4);
    const continuation = tokenizer.decode(greedy);
    const r = await lab.scoreContinuation(context, continuation, { topK: 1 });
    expect(r.rows.slice(r.continuationStart).map((row) => row.tokenId)).toEqual(greedy);
    expect(r.isGreedy).toBe(true);
    // Change the last token to the second choice: no longer greedy.
    const ids = idsOf(context);
    const second = model.topK([...ids, ...greedy.slice(0, 3)], 2)[1].id;
    const other = tokenizer.decode([...greedy.slice(0, 3), second]);
    const s = await lab.scoreContinuation(context, other, { topK: 1 });
    expect(s.rows.slice(s.continuationStart).map((row) => row.tokenId)).toEqual([
      ...greedy.slice(0, 3),
      second,
    ]);
    expect(s.rows.slice(s.continuationStart, -1).every((row) => row.rank === 1)).toBe(true);
    expect(s.isGreedy).toBe(false);
  });
});

describe("lab.compareChoices", () => {
  it("returns lm-eval's metrics for each choice, equal to the model's own numbers", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const context = "The capital of France is";
    const choices = [" Paris", " London", " a city of light"];
    const c = await lab.compareChoices(context, choices, { topK: 2 });
    expect(c.context).toBe(context);
    const ll = (ctx: number[], cont: number[]) =>
      cont.reduce((s, id, k) => s + model.logprob([...ctx, ...cont.slice(0, k)], id), 0);
    const ctx = idsOf(context);
    const totals = choices.map((choice) => ll(ctx, tokenizer.encode(choice)));
    const unconditional = choices.map((choice) => ll([tokenizer.bos], tokenizer.encode(choice)));
    const z = totals.reduce((s, t) => s + Math.exp(t), 0);
    c.choices.forEach((score, i) => {
      const n = tokenizer.encode(choices[i]).length;
      expect(score.label).toBe(choices[i]);
      expect(Math.abs(score.totalLogprob - totals[i])).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(score.unconditionalLogprob - unconditional[i])).toBeLessThanOrEqual(1e-9);
      expect(score.mutualInformation).toBeCloseTo(totals[i] - unconditional[i], 9);
      expect(score.tokenCount).toBe(n);
      expect(score.perToken).toBeCloseTo(totals[i] / n, 9);
      expect(score.charCount).toBe(choices[i].length);
      expect(score.byteCount).toBe(choices[i].length);
      expect(score.perChar).toBeCloseTo(totals[i] / choices[i].length, 9);
      expect(score.probability).toBeCloseTo(Math.exp(totals[i]) / z, 9);
      expect(score.result.logLikelihood).toBe(score.totalLogprob);
      expect(score.rows.map((row) => row.tokenId)).toEqual(tokenizer.encode(choices[i]));
    });
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    expect(c.winners.totalLogprob).toBe(argmax(totals));
    expect(c.winners.perChar).toBe(argmax(totals.map((t, i) => t / choices[i].length)));
    expect(c.winners.mutualInformation).toBe(argmax(totals.map((t, i) => t - unconditional[i])));
    const table = c.toTable().objects() as any[];
    expect(table).toHaveLength(3);
    expect(Object.keys(table[0])).toEqual([
      "index",
      "label",
      "total_logprob",
      "per_token",
      "per_char",
      "per_byte",
      "mutual_information",
      "unconditional_logprob",
      "probability",
      "is_greedy",
      "token_count",
      "char_count",
      "byte_count",
      "wins",
    ]);
    expect(table[c.winners.totalLogprob].wins).toContain("totalLogprob");
  });
});

describe("lab.scoreMany", () => {
  it("returns results in input order and keeps every success when some texts fail", async () => {
    const lab = connect({ baseUrl: server.url, model: "llama-8b" });
    const texts = ["The cat sat.", "A dog ran.", "", "Birds sing at dawn.", "It rained all day."];
    const seen: number[] = [];
    const error = await lab
      .scoreMany(texts, { concurrency: 2, progress: false, onProgress: (p) => seen.push(p.index) })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ScoreManyError);
    expect(error.failures.map((f: any) => f.index)).toEqual([2]);
    expect(error.failures[0].error).toBeInstanceOf(UsageError);
    expect(error.results.map((r: any) => r?.text)).toEqual([
      "The cat sat.",
      "A dog ran.",
      undefined,
      "Birds sing at dawn.",
      "It rained all day.",
    ]);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    const ok = await lab.scoreMany(["One.", "Two words.", "Three little words."], { progress: false });
    expect(ok.map((r) => r.text)).toEqual(["One.", "Two words.", "Three little words."]);
    for (const r of ok) expectExact(r.rows, idsOf(r.text), 5);
  });

  it("streams results to a JSONL file and returns only summaries", async () => {
    const dir = await mkdtemp(join(tmpdir(), "score-many-"));
    try {
      const lab = connect({ baseUrl: server.url, model: "llama-8b" });
      const output = join(dir, "out", "scores.jsonl");
      const texts = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} is here.`);
      const summaries = await lab.scoreMany(texts, { output, progress: false, concurrency: 3, topK: 1 });
      expect(summaries).toHaveLength(12);
      expect(summaries.every((s) => "perplexity" in s && !("rows" in s))).toBe(true);
      const lines = (await readFile(output, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.index).sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
      for (const line of lines) {
        expect(line.text).toBe(texts[line.index]);
        expect(line.summary.totalLogprob).toBeCloseTo(summaries[line.index].totalLogprob, 12);
        expect(line.tokens[0]).toMatchObject({ position: 0, logprob: null, context_tokens: 0 });
        expect(line.tokens.map((t: any) => t.token_id)).toEqual(idsOf(texts[line.index]));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
