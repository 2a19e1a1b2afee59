import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { boundedMap, valuesOrThrow } from "../../src/client/scoring/bounded-map.js";
import { JsonlWriter } from "../../src/client/scoring/jsonl-writer.js";
import { tokenBytesFromPieces } from "../../src/client/scoring/piece-bytes.js";
import { ScoreManyError } from "../../src/client/scoring/score-many-error.js";
import type { ScoringEndpoint } from "../../src/client/scoring/scoring-endpoint.js";
import { DEFAULT_MAX_CONTEXT, resolveTopK, resolveWindow } from "../../src/client/scoring/scoring-options.js";
import { tokenizeText } from "../../src/client/scoring/tokenize-text.js";
import { ResponseShapeError, UsageError } from "../../src/errors.js";

const text = new TextDecoder();

/** The byte-level BPE piece of some bytes (GPT-2's alphabet: unprintable bytes shifted to U+0100..). */
function piece(bytes: readonly number[]): string {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  const charOf: number[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) charOf.push(printable(b) ? b : 0x100 + shifted++);
  return String.fromCodePoint(...bytes.map((b) => charOf[b]!));
}

describe("tokenBytesFromPieces", () => {
  it("reads byte-level BPE pieces as exact bytes, special tokens as none", () => {
    const spans = tokenBytesFromPieces(["<|begin_of_text|>", "The", "Ġcat", "Ġsat"], "The cat sat");
    expect(spans?.special).toEqual([true, false, false, false]);
    expect(spans?.bytes.map((b) => (b ? text.decode(b) : null))).toEqual([null, "The", " cat", " sat"]);
  });

  it("keeps the bytes of tokens that split a character", () => {
    const spans = tokenBytesFromPieces(["<|begin_of_text|>", "æĹ¥æľ¬", "èªŀ", "ðŁĺ", "Ĭ", "!"], "日本語😊!");
    expect(spans?.bytes[3]).toEqual(Uint8Array.of(0xf0, 0x9f, 0x98));
    expect(spans?.bytes[4]).toEqual(Uint8Array.of(0x8a));
  });

  it("gives a token that splits a character the characters it completes, for display", () => {
    // " é" whole; 😊 (F0 9F 98 8A) over four tokens, the last with "!"; " 雨" split after its
    // second byte; a combining acute (CC 81) split from nothing but its own two bytes.
    const tokens = [
      [0x20, 0xc3, 0xa9],
      [0xf0],
      [0x9f],
      [0x98],
      [0x8a, 0x21],
      [0x20, 0xe9, 0x9b],
      [0xa8, 0x65, 0xcc],
      [0x81, 0x41],
    ];
    const spans = tokenBytesFromPieces(["<|begin_of_text|>", ...tokens.map(piece)], " é😊! 雨e\u0301A");
    expect(spans?.joined).toEqual([null, null, "", "", "", "😊!", " ", "雨e", "\u0301A"]);
    expect(spans?.bytes.slice(1)).toEqual(tokens.map((t) => Uint8Array.from(t)));
  });

  it("trusts nothing that does not spell the text exactly", () => {
    expect(tokenBytesFromPieces(["<|begin_of_text|>", "The", "Ġcat"], "The dog")).toBeNull();
    expect(tokenBytesFromPieces(["The"], "The cat")).toBeNull();
    expect(tokenBytesFromPieces(["▁The", "▁cat"], "The cat")).toBeNull(); // SentencePiece
  });
});

describe("resolveWindow / resolveTopK", () => {
  it("turns maxContext into a window one token shorter (the generated token) and halves it for the stride", () => {
    expect(resolveWindow({}, undefined)).toEqual({
      window: DEFAULT_MAX_CONTEXT - 1,
      stride: 1023,
      fullLastWindow: false,
    });
    expect(resolveWindow({}, 8192)).toEqual({ window: 8191, stride: 4095, fullLastWindow: false });
    expect(resolveWindow({ maxContext: 1025 }, 8192)).toEqual({
      window: 1024,
      stride: 512,
      fullLastWindow: false,
    });
    expect(resolveWindow({ maxContext: 10, stride: 3 }, 8192)).toEqual({
      window: 9,
      stride: 3,
      fullLastWindow: false,
    });
    expect(resolveWindow({ maxContext: 10, mode: "disjoint" }, 8192)).toEqual({
      window: 9,
      stride: 8,
      fullLastWindow: true,
    });
  });

  it("refuses what cannot work, saying why", () => {
    expect(() => resolveWindow({ maxContext: 2 }, undefined)).toThrowError(
      /maxContext must be a whole number of tokens ≥ 3/,
    );
    expect(() => resolveWindow({ maxContext: 10, stride: 9 }, undefined)).toThrowError(
      /stride must be a whole number from 1 to 8/,
    );
    expect(() => resolveWindow({ maxContext: 10, stride: 3, mode: "disjoint" }, undefined)).toThrowError(
      /disjoint/,
    );
    expect(() => resolveWindow({ mode: "rolling" as never }, undefined)).toThrowError(UsageError);
    expect(resolveTopK(undefined)).toBe(5);
    expect(resolveTopK(0)).toBe(0);
    expect(() => resolveTopK(0, 1)).toThrowError(/isGreedy needs the top-1/);
    expect(() => resolveTopK(21)).toThrowError(UsageError);
  });
});

describe("boundedMap", () => {
  it("runs at most `limit` at once, keeps input order and every outcome", async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await boundedMap([5, 1, 4, 2, 3, 0], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      if (i === 2) throw new Error("third");
      return i;
    });
    expect(peak).toBe(2);
    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(() => valuesOrThrow(outcomes)).toThrowError("third");
  });

  it("starts nothing more once aborted", async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const outcomes = await boundedMap(
      [0, 1, 2, 3],
      1,
      async (_, i) => {
        started.push(i);
        if (i === 1) controller.abort(new Error("stop"));
        return i;
      },
      controller.signal,
    );
    expect(started).toEqual([0, 1]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
  });
});

describe("JsonlWriter", () => {
  it("writes one JSON record per line, in call order, NaN as null", async () => {
    const dir = await mkdtemp(join(tmpdir(), "jsonl-"));
    try {
      const path = join(dir, "nested", "out.jsonl");
      const out = await JsonlWriter.open(path);
      await Promise.all([out.write({ index: 1, v: Number.NaN }), out.write({ index: 0, text: "a\nb" })]);
      await out.close();
      const lines = (await readFile(path, "utf8")).split("\n");
      expect(lines).toEqual(['{"index":1,"v":null}', '{"index":0,"text":"a\\nb"}', ""]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("ScoreManyError", () => {
  it("says how many failed and keeps the successes and each typed error", () => {
    const error = new ScoreManyError(
      [{ index: 1, error: new UsageError("score needs a non-empty string of text to score.") }],
      ["a", undefined, "c"],
    );
    expect(error.message).toMatch(/^1 of 3 texts failed .*#1: UsageError: score needs a non-empty string/);
    expect(error.results).toEqual(["a", undefined, "c"]);
    expect(error.failures[0].error).toBeInstanceOf(UsageError);
  });
});

describe("tokenizeText answers", () => {
  const endpointAnswering = (body: unknown): ScoringEndpoint => ({
    provider: "vllm",
    http: { url: (path) => `http://fake${path}`, postJson: async () => body },
    model: "m",
    tokenizer: {},
    promptLogprobs: () => Promise.reject(new Error("not used")),
  });
  const good = {
    count: 3,
    max_model_len: 8192,
    tokens: [128000, 791, 8415],
    token_strs: ["<|begin_of_text|>", "The", "Ġcat"],
  };

  it("reads the ids, the context length and the pieces' exact bytes", async () => {
    const t = await tokenizeText(endpointAnswering(good), "The cat");
    expect(t?.ids).toEqual([128000, 791, 8415]);
    expect(t?.maxModelLen).toBe(8192);
    expect(t?.spans?.bytes.map((b) => (b ? text.decode(b) : null))).toEqual([null, "The", " cat"]);
    expect(t?.spans?.joined).toBeNull(); // no token splits a character
  });

  it("takes what the schema takes: extra keys, null pieces", async () => {
    const t = await tokenizeText(endpointAnswering({ ...good, extra: 1 }), "The cat");
    expect(t?.ids).toEqual([128000, 791, 8415]);
    const bare = await tokenizeText(endpointAnswering({ ...good, token_strs: null }), "The cat");
    expect(bare?.spans).toBeNull();
  });

  it("refuses a malformed answer with the path that is wrong", async () => {
    const cases: [unknown, string][] = [
      [{ ...good, tokens: [128000, "791", 8415] }, "tokens.1"],
      [{ ...good, tokens: [128000, 791.5, 8415] }, "tokens.1"],
      [{ ...good, token_strs: ["<|begin_of_text|>", 7, "Ġcat"] }, "token_strs.1"],
      [{ ...good, count: undefined }, "count"],
      [{ ...good, tokens: null }, "tokens"],
      [{ ...good, count: 2 ** 53 }, "count"],
      [{ ...good, max_model_len: null }, "max_model_len"],
      [{ ...good, tokens: [128000, 1e300, 8415] }, "tokens.1"],
    ];
    for (const [body, path] of cases) {
      const error = await tokenizeText(endpointAnswering(body), "The cat").catch((e) => e);
      expect(error).toBeInstanceOf(ResponseShapeError);
      expect(error.path).toBe(path);
      expect(error.message).toContain("vllm-tokenize");
    }
  });
});
