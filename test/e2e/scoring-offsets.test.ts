import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import type { LogprobResult } from "../../src/result.js";

const { tokenizer } = embeddedEngine();

let server: EmbeddedServer;
beforeAll(async () => {
  server = await serve({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

/** Texts whose characters the Llama 3 tokenizer splits across tokens (checked below, not assumed). */
const TEXTS = [
  "Rain fell softly — 雨.",
  "東京で雨が降っています。傘を持って行きましょう。",
  "Party 🎉🦜 tonight 🧑‍🚀 with 🫠 and 🪿!",
  "Cafe\u0301 nai\u0308ve re\u0301sume\u0301 — a\u0323\u0302 o\u0328\u0304 ṩ.",
  "Mixed: Ελληνικά, русский, 한국어, हिन्दी 🐙 e\u0301 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢.",
];

/** Every row's offsets, text and the summary's counts, against the text that was scored. */
function expectExactOffsets(result: LogprobResult, text: string): void {
  expect(result.text).toBe(text);
  let end = 0;
  for (const row of result.rows) {
    expect(row.charStart).toBeGreaterThanOrEqual(end); // monotone and non-overlapping
    expect(row.charEnd).toBeGreaterThanOrEqual(row.charStart);
    end = row.charEnd;
    if (row.special) continue;
    expect(text.slice(row.charStart, row.charEnd)).toBe(row.token);
    if (row.bytes) expect(new TextDecoder().decode(row.bytes)).toBe(row.token); // whole characters
  }
  expect(end).toBe(text.length);
  expect(result.rows.map((row) => (row.special ? "" : row.token)).join("")).toBe(text);
  const scored = result.rows.filter((row) => row.logprob !== null);
  const firstScored = scored[0]!;
  expect(result.summary.charCount).toBe(text.length - firstScored.charStart);
  expect(result.summary.byteCount).toBe(new TextEncoder().encode(text.slice(firstScored.charStart)).length);
}

/** The per-token values score and promptLogprobs must agree on everywhere. */
const values = (row: TokenLogprob) => ({
  position: row.position,
  tokenId: row.tokenId,
  logprob: row.logprob,
  rank: row.rank,
  alternatives: row.alternatives,
  special: row.special,
});
const shown = (row: TokenLogprob) => ({
  ...values(row),
  token: row.token,
  charStart: row.charStart,
  charEnd: row.charEnd,
});

describe("lab.score offsets where tokens split characters", () => {
  it("the texts really have characters split over two and three tokens", () => {
    const splits = new Set<number>(); // how many tokens hold the bytes of one character
    for (const text of TEXTS) {
      const starts = new Set<number>();
      let at = 0;
      for (const id of tokenizer.encode(text)) {
        starts.add(at);
        at += tokenizer.bytes(id).length;
      }
      const all = new TextEncoder().encode(text);
      for (let i = 0; i < all.length; ) {
        let length = 1;
        while (i + length < all.length && (all[i + length]! & 0xc0) === 0x80) length++;
        let tokens = 1;
        for (let k = 1; k < length; k++) if (starts.has(i + k)) tokens++;
        splits.add(tokens);
        i += length;
      }
    }
    expect([...splits].sort()).toEqual([1, 2, 3]);
  });

  it("gives the rows promptLogprobs gives, and offsets that tile the text, for texts in one window", async () => {
    const lab = connect({ baseUrl: server.url });
    for (const [i, text] of TEXTS.entries()) {
      const scored = await lab.score(text, { topK: 3 });
      const prompt = await lab.promptLogprobs(text, { topK: 3 });
      expectExactOffsets(scored, text);
      expectExactOffsets(prompt, text);
      expect(scored.summary.charCount).toBe(text.length);
      expect(scored.rows.map(values)).toEqual(prompt.rows.map(values));
      // promptLogprobs sees "�" per token and gives a whole run of them its text on the run's last
      // token; score knows the bytes and puts each character on the token that completes it. Where
      // a run holds one character (or several in one token), both say the same.
      const whole = scored.rows.filter((row) => row.bytes !== null || row.special);
      expect(whole.map(shown)).toEqual(whole.map((row) => shown(prompt.rows[row.position]!)));
      if (i < 2) expect(scored.rows.map(shown)).toEqual(prompt.rows.map(shown));
    }
  });

  for (const options of [
    { maxContext: 5 },
    { maxContext: 7, stride: 2 },
    { maxContext: 6, mode: "disjoint" as const },
    { maxContext: 4, mode: "disjoint" as const },
  ]) {
    it(`keeps the offsets exact across window boundaries (${JSON.stringify(options)})`, async () => {
      const lab = connect({ baseUrl: server.url });
      for (const text of TEXTS) {
        const r = await lab.score(text, { topK: 2, ...options });
        expect(r.rows.length).toBe(tokenizer.encode(text).length + 1);
        expectExactOffsets(r, text);
        expect(r.summary.charCount).toBe(text.length);
      }
    });
  }
});
