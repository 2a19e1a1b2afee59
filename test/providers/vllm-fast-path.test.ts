import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptsPromptLogprobs } from "../../src/providers/accepts-prompt-logprobs.js";
import { validate } from "../../src/providers/validate.js";
import {
  completionSequence,
  parseVllmCompletion,
  VLLM_DIALECT,
  type VllmParseOptions,
} from "../../src/providers/vllm-completions.js";
import { completionResponseSchema, promptLogprobsSchema } from "../../src/providers/vllm-schema.js";
import { fixture, outcome } from "../fixtures/load.js";

/** The fast path (hand-checked prompt_logprobs) and the zod-only path on the same body. */
function bothPaths(body: unknown, options: VllmParseOptions = {}) {
  return {
    fast: outcome(() => parseVllmCompletion(body, options)),
    zod: outcome(() => completionSequence(validate(completionResponseSchema, body, VLLM_DIALECT), options)),
  };
}

/** A composed body: position 0 null, then the given dicts, with ids naming the actual tokens. */
function body(dicts: unknown[], ids: number[] = [128000, 791, 6864]) {
  return {
    object: "text_completion",
    model: "m",
    choices: [
      {
        index: 0,
        text: " the",
        finish_reason: "length",
        prompt_logprobs: [null, ...dicts],
        prompt_token_ids: ids,
      },
    ],
  };
}

const good = () => ({
  "791": { logprob: -2.5, rank: 3, decoded_token: "The" },
  "40": { logprob: -1.1, rank: 1, decoded_token: "I" },
  "1": { logprob: -2.0, rank: 2, decoded_token: '"' },
});
const second = () => ({
  "6864": { logprob: -9.25, rank: 240, decoded_token: " capital" },
  "1176": { logprob: -3.0, rank: 1, decoded_token: " first" },
  "1455": { logprob: -3.2, rank: 2, decoded_token: " most" },
});

describe("vLLM prompt_logprobs fast path agrees with zod", () => {
  it.each([
    ["vllm/seed-prompt-logprobs.json", {}],
    ["vllm/seed-prompt-logprobs.json", { includeGenerated: false }],
    ["vllm/echo-prompt-logprobs.json", { prompt: "Hello world" }],
    ["vllm/echo-prompt-logprobs.json", { promptTokenIds: [128000, 9906, 1917] }],
    ["openai/legacy-echo.json", {}],
  ])("recorded %s %j: the same rows by both paths, and the hand check engages", (path, options) => {
    const recorded = fixture(path);
    const { fast, zod } = bothPaths(recorded, options);
    expect(fast).toEqual(zod);
    expect(fast).toHaveProperty("ok.rows");
    const dicts = recorded.choices[0].prompt_logprobs;
    if (dicts) expect(acceptsPromptLogprobs(dicts)).toBe(true);
  });

  it("keeps null, sentinel and censored semantics on the fast path", () => {
    const censored = { ...second(), "6864": { logprob: -9.25, rank: null, decoded_token: " capital" } };
    const sentinel = { ...good(), "791": { logprob: -9999, rank: 4, decoded_token: "The" } };
    const { fast, zod } = bothPaths(body([sentinel, censored]));
    expect(fast).toEqual(zod);
    const rows = (
      fast as { ok: { rows: { logprob: number | null; rank: number | null; rankCensored: boolean }[] } }
    ).ok.rows;
    expect(rows[0]).toMatchObject({ logprob: null, rank: null, rankCensored: false });
    expect(rows[1]).toMatchObject({ logprob: null, rank: null });
    expect(rows[2]).toMatchObject({ logprob: -9.25, rank: null, rankCensored: true });
  });

  const edits: [string, (dicts: any[]) => void][] = [
    ["an entry without rank or decoded_token", (d) => (d[0]["791"] = { logprob: -2.5 })],
    ["a null logprob", (d) => (d[0]["791"].logprob = null)],
    ["a null rank", (d) => (d[0]["40"].rank = null)],
    ["a null decoded_token", (d) => (d[0]["40"].decoded_token = null)],
    ["an extra key in an entry", (d) => (d[0]["40"].extra = [1, 2])],
    ["an empty dict", (d) => (d[1] = {})],
    ["a null dict after position 0", (d) => (d[1] = null)],
    ["a string logprob", (d) => (d[0]["791"].logprob = "-2.5")],
    ["a missing logprob", (d) => delete d[0]["791"].logprob],
    ["a NaN logprob", (d) => (d[0]["791"].logprob = Number.NaN)],
    ["an infinite logprob", (d) => (d[0]["791"].logprob = Number.NEGATIVE_INFINITY)],
    ["a fractional rank", (d) => (d[0]["791"].rank = 1.5)],
    ["a rank of 0", (d) => (d[0]["791"].rank = 0)],
    ["an unsafe rank", (d) => (d[0]["791"].rank = 2 ** 60)],
    ["a numeric decoded_token", (d) => (d[0]["791"].decoded_token = 791)],
    ["a null entry", (d) => (d[0]["791"] = null)],
    ["an array entry", (d) => (d[0]["791"] = [-2.5, 3])],
    ["a dict that is an array", (d) => (d[0] = [good()["791"]])],
    ["a dict that is a number", (d) => (d[0] = 5)],
    ["a dict with a symbol key", (d) => (d[0][Symbol("s") as unknown as string] = { logprob: -1 })],
    [
      "a dict with a __proto__ key",
      (d) => (d[0] = JSON.parse('{"__proto__": {"logprob": -1}, "791": {"logprob": -2}}')),
    ],
    ["a dict without a prototype", (d) => (d[0] = Object.assign(Object.create(null), good()))],
    ["a dict that is a class instance", (d) => (d[0] = Object.assign(new (class Dict {})(), good()))],
    ["a non-numeric key", (d) => (d[0].abc = { logprob: -3, rank: 9, decoded_token: "x" })],
  ];

  it.each(edits)("a body with %s: same rows or the same ResponseShapeError", (_, edit) => {
    const dicts = [good(), second()];
    edit(dicts);
    const { fast, zod } = bothPaths(body(dicts));
    expect(fast).toEqual(zod);
  });

  it("names the same path when the envelope or prompt_logprobs is wrong", () => {
    const wrongEnvelope = body([good(), second()]);
    (wrongEnvelope.choices[0] as Record<string, unknown>).index = "0";
    const wrongDict = body([good(), { ...second(), "1176": { logprob: "x" } }]);
    for (const wrong of [wrongEnvelope, wrongDict]) {
      const { fast, zod } = bothPaths(wrong);
      expect(fast).toEqual(zod);
      expect(fast).toHaveProperty("error.name", "ResponseShapeError");
    }
    expect(bothPaths(wrongDict).fast).toHaveProperty(
      "error.path",
      "choices.0.prompt_logprobs.2.1176.logprob",
    );
  });

  it("accepts only what the schema accepts, over arbitrary near-valid values", () => {
    const scalar = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.double(),
      fc.integer({ min: -3, max: 30 }),
      fc.string({ maxLength: 3 }),
      fc.boolean(),
    );
    const entry = fc.oneof(
      fc.record({ logprob: scalar, rank: scalar, decoded_token: scalar }, { requiredKeys: [] }),
      scalar,
    );
    const dict = fc.oneof(
      fc.dictionary(fc.oneof(fc.nat({ max: 200 }).map(String), fc.string({ maxLength: 2 })), entry, {
        maxKeys: 4,
      }),
      scalar,
    );
    fc.assert(
      fc.property(fc.array(dict, { maxLength: 4 }), (dicts) => {
        const zodAccepts = promptLogprobsSchema.safeParse(dicts).success;
        if (acceptsPromptLogprobs(dicts)) expect(zodAccepts).toBe(true);
        const { fast, zod } = bothPaths(body(dicts, [128000, ...dicts.map((_, i) => i)]));
        expect(fast).toEqual(zod);
      }),
      { numRuns: 300 },
    );
  });
});
